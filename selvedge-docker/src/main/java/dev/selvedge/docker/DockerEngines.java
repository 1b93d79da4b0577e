package dev.selvedge.docker;

import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineUnreachableException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Opens a {@link DockerEngine} the way the docker CLI picks one: {@code --host}, else {@code
 * DOCKER_HOST}, else the local socket.
 *
 * <pre>{@code
 * try (DockerEngine engine = DockerEngines.fromHost(hostFlag, System.getenv())) {
 *   engine.listContainers(Map.of("com.docker.compose.project", "shop"), true);
 * }
 * }</pre>
 *
 * <p>Opening is cheap and does not touch the network: the first call connects (for {@code ssh://}
 * it opens the one SSH session the engine keeps). Unreachable engines and bad settings are {@link
 * EngineUnreachableException}s naming the endpoint and what to do.
 */
public final class DockerEngines {
  private DockerEngines() {}

  /** See {@link EngineOptions#fromEnvironment} for the variables read. */
  public static DockerEngine fromHost(String hostOrNull, Map<String, String> env) {
    return open(EngineOptions.fromEnvironment(hostOrNull, env), env);
  }

  /** The engine {@code options} name; registry credentials from {@code env}'s docker config. */
  public static DockerEngine open(EngineOptions options, Map<String, String> env) {
    return over(transport(options), options, RegistryAuth.fromEnvironment(env));
  }

  public static DockerEngine open(EngineOptions options) {
    Transport transport = transport(options);
    return over(transport, options);
  }

  /**
   * An engine over a transport of the caller's (tests, other tunnels); registry credentials from
   * this process's docker CLI config.
   */
  public static DockerEngine over(Transport transport, EngineOptions options) {
    return over(transport, options, RegistryAuth.fromEnvironment(System.getenv()));
  }

  static DockerEngine over(Transport transport, EngineOptions options, RegistryAuth auth) {
    String endpoint = transport.endpoint();
    String hostHeader =
        endpoint.startsWith("tcp://") ? endpoint.substring("tcp://".length()) : "docker";
    return new HttpDockerEngine(transport, options, hostHeader, auth);
  }

  /** The transport {@code options.host()} names ({@code HOST:PORT} without a scheme is TCP). */
  public static Transport transport(EngineOptions options) {
    String host = options.host();
    URI uri;
    try {
      // As the docker CLI: an address without a scheme is TCP.
      uri = new URI(host.contains("://") ? host : "tcp://" + host);
    } catch (URISyntaxException e) {
      throw badHost(host, "not a valid address (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    switch (scheme) {
      case "unix" -> {
        String path = uri.getPath();
        if (path == null || path.isEmpty()) {
          throw badHost(host, "a unix address needs a socket path: unix:///var/run/docker.sock");
        }
        return new UnixSocketTransport(Path.of(path));
      }
      case "tcp" -> {
        if (uri.getHost() == null) {
          throw badHost(host, "a tcp address needs a host: tcp://HOST:PORT");
        }
        boolean tls = options.tlsCertPath() != null;
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 2376 : 2375;
        return new TcpTransport(hostOf(uri), port, options.tlsCertPath());
      }
      case "ssh" -> {
        if (uri.getHost() == null) {
          throw badHost(host, "an ssh address needs a host: ssh://USER@HOST[:PORT]");
        }
        String user =
            uri.getUserInfo() != null ? uri.getUserInfo() : System.getProperty("user.name");
        int port = uri.getPort() > 0 ? uri.getPort() : 22;
        return Ssh.transport(user, hostOf(uri), port, options);
      }
      default ->
          throw badHost(
              host,
              "unsupported scheme '"
                  + scheme
                  + "': use unix:///path, tcp://HOST:PORT or ssh://USER@HOST[:PORT]");
    }
  }

  private static String hostOf(URI uri) {
    String h = uri.getHost();
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  private static EngineUnreachableException badHost(String host, String why) {
    return new EngineUnreachableException(host, why + "; check --host or DOCKER_HOST", null);
  }

  /** Keeps MINA SSHD's classes unloaded unless an ssh:// engine is asked for. */
  private static final class Ssh {
    static Transport transport(String user, String host, int port, EngineOptions options) {
      return new dev.selvedge.docker.ssh.SshTransport(
          user, host, port, options.ssh(), options.connectTimeout(), options.requestTimeout());
    }
  }
}
