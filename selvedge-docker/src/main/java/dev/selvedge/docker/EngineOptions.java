package dev.selvedge.docker;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.compose.GoDuration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Which engine to reach and how, with the docker CLI's conventions.
 *
 * @param host {@code unix:///path}, {@code tcp://host[:port]} or {@code ssh://[user@]host[:port]}
 * @param tlsCertPath for {@code tcp://}: the directory with {@code ca.pem}, {@code cert.pem} and
 *     {@code key.pem}; null for plain TCP. Ignored for other schemes.
 * @param ssh for {@code ssh://}: identities and known hosts
 * @param connectTimeout bounds connecting and handshakes (TLS, SSH)
 * @param requestTimeout bounds each API call that has no timeout of its own
 * @param maxIdleConnections how many kept-alive connections the client keeps open between calls
 *     ({@value #DEFAULT_MAX_IDLE_CONNECTIONS} by default: a check overlaps a few reads); a process
 *     keeping thousands of engines open between sweeps keeps fewer (the server: one per engine)
 */
public record EngineOptions(
    String host,
    Path tlsCertPath,
    SshOptions ssh,
    Duration connectTimeout,
    Duration requestTimeout,
    int maxIdleConnections) {

  /** The local engine, when neither {@code --host} nor {@code DOCKER_HOST} says otherwise. */
  public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** Kept-alive connections kept per engine client unless told otherwise. */
  public static final int DEFAULT_MAX_IDLE_CONNECTIONS = 4;

  /** The environment variable that sets {@link #requestTimeout}; the CLI's flag overrides it. */
  public static final String TIMEOUT_VARIABLE = "SELVEDGE_ENGINE_TIMEOUT";

  /** What a message about a call that ran out of time tells the user to change. */
  static final String TIMEOUT_HINT =
      "raise the timeout with --engine-timeout or " + TIMEOUT_VARIABLE;

  public EngineOptions {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host is required");
    }
    if (ssh == null) {
      throw new IllegalArgumentException("ssh options are required");
    }
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connectTimeout must be positive");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("requestTimeout must be positive");
    }
    if (maxIdleConnections < 0) {
      throw new IllegalArgumentException("maxIdleConnections must not be negative");
    }
  }

  /** Options keeping {@value #DEFAULT_MAX_IDLE_CONNECTIONS} idle connections. */
  public EngineOptions(
      String host,
      Path tlsCertPath,
      SshOptions ssh,
      Duration connectTimeout,
      Duration requestTimeout) {
    this(host, tlsCertPath, ssh, connectTimeout, requestTimeout, DEFAULT_MAX_IDLE_CONNECTIONS);
  }

  /**
   * Options as the docker CLI would pick them, plus Selvedge's SSH settings:
   *
   * <ul>
   *   <li>host: {@code hostOrNull} (the {@code --host} flag), else {@code DOCKER_HOST}, else
   *       {@value #DEFAULT_HOST};
   *   <li>TLS for {@code tcp://} when {@code DOCKER_TLS_VERIFY} is set to anything non-empty, with
   *       the files in {@code DOCKER_CERT_PATH}, else {@code ~/.docker};
   *   <li>SSH: {@code SELVEDGE_SSH_IDENTITY} (one key file instead of {@code ~/.ssh/id_*}), {@code
   *       SELVEDGE_SSH_KNOWN_HOSTS} (instead of {@code ~/.ssh/known_hosts}), {@code
   *       SELVEDGE_SSH_ACCEPT_NEW=1} (add unknown host keys);
   *   <li>the bound on each API call: {@value #TIMEOUT_VARIABLE} (a duration such as {@code 90s}),
   *       else {@link #DEFAULT_REQUEST_TIMEOUT}; connecting gets the shorter of it and {@link
   *       #DEFAULT_CONNECT_TIMEOUT}.
   * </ul>
   *
   * {@code ~} is {@code HOME} from {@code env}, else the JVM's {@code user.home}.
   */
  public static EngineOptions fromEnvironment(String hostOrNull, Map<String, String> env) {
    String host = nonBlank(hostOrNull);
    if (host == null) {
      host = nonBlank(env.get("DOCKER_HOST"));
    }
    if (host == null) {
      host = DEFAULT_HOST;
    }
    String homeText = nonBlank(env.get("HOME"));
    Path home = Path.of(homeText != null ? homeText : System.getProperty("user.home"));
    Path certPath = null;
    if (nonBlank(env.get("DOCKER_TLS_VERIFY")) != null) {
      String dir = nonBlank(env.get("DOCKER_CERT_PATH"));
      certPath = dir != null ? Path.of(dir) : home.resolve(".docker");
    }
    SshOptions ssh = SshOptions.defaults(home);
    String identity = nonBlank(env.get("SELVEDGE_SSH_IDENTITY"));
    if (identity != null) {
      ssh = ssh.withIdentity(Path.of(identity));
    }
    String knownHosts = nonBlank(env.get("SELVEDGE_SSH_KNOWN_HOSTS"));
    if (knownHosts != null) {
      ssh = ssh.withKnownHosts(Path.of(knownHosts));
    }
    String acceptNew = nonBlank(env.get("SELVEDGE_SSH_ACCEPT_NEW"));
    if (acceptNew != null) {
      ssh = ssh.withAcceptNewHostKeys(acceptNew.equals("1") || acceptNew.equalsIgnoreCase("true"));
    }
    String timeout = nonBlank(env.get(TIMEOUT_VARIABLE));
    Duration request =
        timeout == null ? DEFAULT_REQUEST_TIMEOUT : timeout(timeout, TIMEOUT_VARIABLE);
    return new EngineOptions(host, certPath, ssh, connectWithin(request), request);
  }

  /** A shorter call bound bounds connecting (and the TLS or SSH handshake) too. */
  public static Duration connectWithin(Duration request) {
    return request.compareTo(DEFAULT_CONNECT_TIMEOUT) < 0 ? request : DEFAULT_CONNECT_TIMEOUT;
  }

  /**
   * A positive duration such as {@code 90s} or {@code 2m}; {@code setting} names where it came from
   * in the error.
   */
  public static Duration timeout(String text, String setting) {
    try {
      Duration d = GoDuration.parse(text);
      if (!d.isNegative() && !d.isZero()) {
        return d;
      }
    } catch (IllegalArgumentException e) {
      // reported below, with the setting's name
    }
    throw new SelvedgeException(
        setting + ": '" + text + "' is not a positive duration such as 30s, 90s or 2m");
  }

  public EngineOptions withHost(String newHost) {
    return new EngineOptions(
        newHost, tlsCertPath, ssh, connectTimeout, requestTimeout, maxIdleConnections);
  }

  /** TLS with the files in {@code certPath}; null for plain TCP. */
  public EngineOptions withTlsCertPath(Path certPath) {
    return new EngineOptions(
        host, certPath, ssh, connectTimeout, requestTimeout, maxIdleConnections);
  }

  public EngineOptions withSsh(SshOptions newSsh) {
    return new EngineOptions(
        host, tlsCertPath, newSsh, connectTimeout, requestTimeout, maxIdleConnections);
  }

  public EngineOptions withTimeouts(Duration connect, Duration request) {
    return new EngineOptions(host, tlsCertPath, ssh, connect, request, maxIdleConnections);
  }

  /** At most {@code max} kept-alive connections kept between calls (0: none, close each). */
  public EngineOptions withMaxIdleConnections(int max) {
    return new EngineOptions(host, tlsCertPath, ssh, connectTimeout, requestTimeout, max);
  }

  private static String nonBlank(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}
