package dev.selvedge.operations;

import dev.selvedge.contract.model.Project;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The revision a deployment records: the git commit the project directory is at, read from {@code
 * .git} without running git (no process, no git needed on the machine).
 */
public final class Revision {
  private Revision() {}

  /** The commit {@code p}'s directory is at (a worktree's or submodule's too); null when none. */
  public static String of(Project p) {
    if (p.workingDir() == null) {
      return null;
    }
    for (Path dir = Path.of(p.workingDir()); dir != null; dir = dir.getParent()) {
      Path git = dir.resolve(".git");
      try {
        if (Files.isRegularFile(git)) {
          // A worktree or submodule: ".git" is a file saying where its git directory is.
          String pointer = Files.readString(git, StandardCharsets.UTF_8).strip();
          if (!pointer.startsWith("gitdir: ")) {
            return null;
          }
          git = dir.resolve(pointer.substring(8)).normalize();
        } else if (!Files.isDirectory(git)) {
          continue;
        }
        String head = Files.readString(git.resolve("HEAD"), StandardCharsets.UTF_8).strip();
        if (!head.startsWith("ref: ")) {
          return head;
        }
        String ref = head.substring(5);
        // A worktree's branches live in the repository's common directory.
        Path commondir = git.resolve("commondir");
        if (Files.isRegularFile(commondir)) {
          git =
              git.resolve(Files.readString(commondir, StandardCharsets.UTF_8).strip()).normalize();
        }
        Path loose = git.resolve(ref);
        if (Files.isRegularFile(loose)) {
          return Files.readString(loose, StandardCharsets.UTF_8).strip();
        }
        Path packed = git.resolve("packed-refs");
        if (Files.isRegularFile(packed)) {
          for (String line : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
            if (line.endsWith(" " + ref)) {
              return line.substring(0, line.indexOf(' '));
            }
          }
        }
      } catch (IOException e) {
        return null;
      }
      return null;
    }
    return null;
  }
}
