package dev.selvedge.port;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Optional;

/**
 * Files on the machine an engine runs on: the deploy directory's Compose files and {@code .env}.
 * Reached over the same connection as the engine (the SSH session for {@code ssh://}), or the local
 * filesystem for a local engine.
 *
 * <p>Failures to reach the host or to read an existing file are {@link RemoteHostException}s naming
 * the host and the path.
 */
public interface RemoteHost {

  /** The host, for messages: {@code local} or {@code user@host:port}. */
  String name();

  /**
   * The bytes of a file, or empty when there is nothing at {@code path}.
   *
   * @param path an absolute path on the host
   * @throws RemoteHostException when something is there but cannot be read (a directory, no
   *     permission, larger than 16 MiB) or the host cannot be reached
   */
  Optional<byte[]> readBytes(String path);

  /** The text of a file (UTF-8, malformed bytes replaced), or empty when there is none. */
  default Optional<String> readFile(String path) {
    return readBytes(path).map(b -> new String(b, StandardCharsets.UTF_8));
  }

  /** Whether anything (file or directory) exists at {@code path} on the host. */
  boolean exists(String path);

  /** Whether a regular file (or a link to one) is at {@code path} on the host. */
  boolean isFile(String path);

  /**
   * This host with the files at {@code paths} read now, together, in one round trip where the host
   * is remote: the view answers {@link #readBytes}, {@link #exists} and {@link #isFile} for them as
   * they were at this moment, and asks the host for any other path. Errors about a path (a
   * directory, too large) are thrown when that path is asked for, as without the view.
   */
  default RemoteHost prefetched(Collection<String> paths) {
    return this;
  }
}
