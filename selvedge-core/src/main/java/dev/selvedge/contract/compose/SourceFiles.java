package dev.selvedge.contract.compose;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.yaml.Mark;
import dev.selvedge.contract.yaml.YamlReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
   * @throws ContractException naming the file when it exists but cannot be read, or is larger than
   *     {@link YamlReader#MAX_BYTES}
   */
  Optional<byte[]> read(Path file);

  /** Whether a regular file is at {@code file}. */
  boolean isFile(Path file);

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
      try {
        if (Files.isDirectory(file)) {
          throw new ContractException(
              Mark.of(file.toString()), "", "is a directory; expected a Compose or env file");
        }
        if (!Files.isRegularFile(file)) {
          return Optional.empty();
        }
        if (Files.size(file) > YamlReader.MAX_BYTES) {
          throw new ContractException(
              Mark.of(file.toString()),
              "",
              "file is larger than " + (YamlReader.MAX_BYTES >> 20) + " MiB; refusing to read it");
        }
        return Optional.of(Files.readAllBytes(file));
      } catch (NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException e) {
        throw new ContractException(
            Mark.of(file.toString()), "", "cannot read file: " + e.getMessage(), e);
      }
    }

    @Override
    public boolean isFile(Path file) {
      return Files.isRegularFile(file);
    }
  }
}
