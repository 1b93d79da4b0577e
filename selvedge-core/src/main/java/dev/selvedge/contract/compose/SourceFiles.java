package dev.selvedge.contract.compose;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.yaml.Mark;
import dev.selvedge.contract.yaml.YamlReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * Where the loader reads Compose files and env files from: the local filesystem, or a deploy
 * directory on another host (read over the engine's SSH connection) when drift checks what was
 * materialized there. Every file the loader reads goes through here.
 */
public interface SourceFiles {
  /** The local filesystem. */
  SourceFiles LOCAL = new Local();

  /**
   * The bytes of the regular file at {@code file}, or empty when there is none.
   *
   * @throws ContractException naming the file and the cause when something is there but cannot be
   *     read: a directory, a FIFO or device, a dangling link or a link loop, a file larger than
   *     {@link YamlReader#MAX_BYTES}, no permission
   */
  Optional<byte[]> read(Path file);

  /** Whether a regular file is at {@code file}. */
  boolean isFile(Path file);

  /**
   * What {@code -f -} reads: standard input, read once by whoever owns it; empty when this source
   * has none (a host's deploy directory, a library caller).
   */
  default Optional<byte[]> stdin() {
    return Optional.empty();
  }

  /** {@code files}, with {@code content} as what {@code -f -} reads. */
  static SourceFiles withStdin(SourceFiles files, byte[] content) {
    byte[] copy = content.clone();
    return new SourceFiles() {
      @Override
      public Optional<byte[]> read(Path file) {
        return files.read(file);
      }

      @Override
      public boolean isFile(Path file) {
        return files.isFile(file);
      }

      @Override
      public Optional<byte[]> stdin() {
        return Optional.of(copy);
      }
    };
  }

  /** Text of a file that must exist. */
  default String readText(Path file, String display, String whatToDo) {
    return new String(
        read(file)
            .orElseThrow(
                () -> new ContractException(Mark.of(display), "", "file not found; " + whatToDo)),
        StandardCharsets.UTF_8);
  }

  /** The local filesystem, refusing oversized files before reading them. */
  final class Local implements SourceFiles {
    private Local() {}

    @Override
    public Optional<byte[]> read(Path file) {
      BasicFileAttributes attributes;
      try {
        attributes = Files.readAttributes(file, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        if (Files.isSymbolicLink(file)) {
          throw unreadable(file, "is a symbolic link to a file that does not exist", e);
        }
        return Optional.empty();
      } catch (FileSystemException e) {
        // Following the link failed for another reason than a missing target: on Linux and macOS
        // that is ELOOP, a link that leads back to itself.
        if (Files.isSymbolicLink(file)) {
          throw unreadable(file, "is a symbolic link loop (or a chain of too many links)", e);
        }
        throw unreadable(file, "cannot read file: " + reason(e), e);
      } catch (IOException e) {
        throw unreadable(file, "cannot read file: " + reason(e), e);
      }
      if (attributes.isDirectory()) {
        throw unreadable(file, "is a directory; expected a Compose or env file", null);
      }
      if (!attributes.isRegularFile()) {
        // A FIFO would block until a writer comes, a device such as /dev/zero never ends: only
        // regular files are read.
        throw unreadable(file, "is " + specialKind(file) + ", not a regular file", null);
      }
      if (attributes.size() > YamlReader.MAX_BYTES) {
        throw unreadable(
            file,
            "file is larger than " + (YamlReader.MAX_BYTES >> 20) + " MiB; refusing to read it",
            null);
      }
      try {
        return Optional.of(Files.readAllBytes(file));
      } catch (IOException e) {
        throw unreadable(file, "cannot read file: " + reason(e), e);
      }
    }

    private static ContractException unreadable(Path file, String message, Exception cause) {
      return new ContractException(Mark.of(file.toString()), "", message, cause);
    }

    /** The cause without the path the exception repeats in front of it. */
    private static String reason(IOException e) {
      return e instanceof FileSystemException f && f.getReason() != null
          ? f.getReason()
          : e.getClass().getSimpleName();
    }

    /** What kind of special file is at {@code file}, from its mode bits where the OS has them. */
    private static String specialKind(Path file) {
      try {
        int type = (Integer) Files.getAttribute(file, "unix:mode") & 0170000;
        return switch (type) {
          case 0010000 -> "a FIFO (named pipe; reading it would block until something writes)";
          case 0020000 -> "a character device";
          case 0060000 -> "a block device";
          case 0140000 -> "a socket";
          default -> "a special file";
        };
      } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
        return "a special file";
      }
    }

    @Override
    public boolean isFile(Path file) {
      return Files.isRegularFile(file);
    }
  }
}
