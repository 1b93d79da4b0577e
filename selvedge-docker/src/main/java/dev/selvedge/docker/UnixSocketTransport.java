package dev.selvedge.docker;

import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.LocalHost;
import dev.selvedge.port.RemoteHost;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/** {@code unix:///path}: the local engine's socket, through JDK 16+ unix domain channels. */
public final class UnixSocketTransport implements Transport {
  private final Path socket;
  private final String endpoint;

  public UnixSocketTransport(Path socket) {
    this.socket = socket;
    this.endpoint = "unix://" + socket;
  }

  @Override
  public String endpoint() {
    return endpoint;
  }

  @Override
  public Connection open(Duration timeout) {
    if (!Files.exists(socket)) {
      throw new EngineUnreachableException(
          endpoint,
          "no Docker engine (the socket does not exist): is dockerd running? start it or set"
              + " DOCKER_HOST (or --host)",
          null);
    }
    SocketChannel channel = null;
    try {
      // Connecting to a unix socket does not block on the network, so the timeout is not needed.
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      channel.connect(UnixDomainSocketAddress.of(socket));
      return new ChannelConnection(channel);
    } catch (IOException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // already failing
        }
      }
      throw new EngineUnreachableException(endpoint, explain(e), e);
    }
  }

  private String explain(IOException e) {
    String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    if (message.contains("permission denied") || message.contains("access denied")) {
      return "permission denied on the socket: run as root or as a member of the socket's group (usually docker)";
    }
    if (message.contains("connection refused")) {
      return "nothing accepts connections on the socket (a stale one?): is dockerd running? start it or set DOCKER_HOST (or --host)";
    }
    return "cannot connect: " + e.getMessage();
  }

  @Override
  public Optional<RemoteHost> remoteHost() {
    return Optional.of(new LocalHost());
  }

  @Override
  public void close() {
    // nothing shared
  }
}
