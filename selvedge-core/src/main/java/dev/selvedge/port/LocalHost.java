package dev.selvedge.port;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** The machine Selvedge runs on, as a {@link RemoteHost}: for a local engine. */
public final class LocalHost implements RemoteHost {

  /** Larger files are refused: a deploy directory holds Compose files and env files, not data. */
  public static final long MAX_FILE_BYTES = 16L << 20;

  @Override
  public String name() {
    return "local";
  }

  @Override
  public Optional<byte[]> readBytes(String path) {
    Path file = Path.of(path);
    try {
      if (Files.isDirectory(file)) {
        throw new RemoteHostException(name(), path + " is a directory, not a file", null);
      }
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new RemoteHostException(
            name(), path + " is larger than " + (MAX_FILE_BYTES >> 20) + " MiB", null);
      }
      return Optional.of(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new RemoteHostException(name(), "cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean exists(String path) {
    return Files.exists(Path.of(path));
  }

  @Override
  public boolean isFile(String path) {
    return Files.isRegularFile(Path.of(path));
  }

  @Override
  public String toString() {
    return name();
  }
}
