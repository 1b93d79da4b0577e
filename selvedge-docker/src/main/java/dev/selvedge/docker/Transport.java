package dev.selvedge.docker;

import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.RemoteHost;
import java.time.Duration;
import java.util.Optional;

/**
 * How bytes reach a Docker engine: the one thing that differs between {@code unix://}, {@code
 * tcp://} (optionally TLS) and {@code ssh://}. The HTTP client above it is shared, so every
 * transport passes the same contract tests.
 *
 * <p>Implementations are thread-safe; each {@link Connection} is used by one thread at a time.
 */
public interface Transport extends AutoCloseable {

  /** Where the engine is, for messages: {@code unix:///var/run/docker.sock}, {@code ssh://...}. */
  String endpoint();

  /**
   * A new byte stream to the engine, ready for HTTP/1.1.
   *
   * @param timeout bounds connecting (and any handshake)
   * @throws EngineUnreachableException with a message that names the endpoint and says what to do
   */
  Connection open(Duration timeout);

  /**
   * The files of the machine the engine runs on, when this transport reaches them: the local
   * filesystem for a local socket, the same SSH session for {@code ssh://}; empty for a remote
   * {@code tcp://} engine.
   */
  default Optional<RemoteHost> remoteHost() {
    return Optional.empty();
  }

  /**
   * Whether a connection costs far more to open than a read takes on an open one ({@code ssh://}:
   * an exec channel and a process on the host each). The HTTP client then lets a call wait for a
   * connection busy with a read rather than open one more.
   */
  default boolean preferReuse() {
    return false;
  }

  /** Closes shared resources (an SSH session); connections already open may stop working. */
  @Override
  void close();
}
