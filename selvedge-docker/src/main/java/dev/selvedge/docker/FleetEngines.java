package dev.selvedge.docker;

import dev.selvedge.fleet.EngineOpener;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.port.EngineUnreachableException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A fleet node's engine: its entry in the fleet file ({@code engine}, {@code tls}, {@code ssh})
 * mapped to {@link EngineOptions}, so the poller reaches every node as the CLI reaches one.
 * Settings the node does not give come from the environment as for the CLI ({@code HOME}'s SSH
 * defaults, {@code SELVEDGE_SSH_*}); {@code DOCKER_HOST} and {@code DOCKER_TLS_VERIFY} never apply
 * to a node: its entry says where it is and whether it speaks TLS.
 */
public final class FleetEngines {
  private FleetEngines() {}

  /**
   * The options for {@code node}, each call bounded by {@code timeout}.
   *
   * @throws EngineUnreachableException when its TLS files are not {@code ca.pem}, {@code cert.pem}
   *     and {@code key.pem} of one directory (the only layout the TLS transport reads)
   */
  public static EngineOptions options(Fleet.Node node, Duration timeout, Map<String, String> env) {
    Map<String, String> base = new HashMap<>(env);
    base.remove("DOCKER_HOST");
    base.remove("DOCKER_TLS_VERIFY");
    base.remove("DOCKER_CERT_PATH");
    EngineOptions options = EngineOptions.fromEnvironment(node.engine(), base);
    if (node.tls() != null) {
      options = options.withTlsCertPath(certDirectory(node));
    }
    if (node.ssh() != null) {
      SshOptions ssh = options.ssh();
      if (node.ssh().identity() != null) {
        ssh = ssh.withIdentity(node.ssh().identity());
      }
      if (node.ssh().knownHosts() != null) {
        ssh = ssh.withKnownHosts(node.ssh().knownHosts());
      }
      options = options.withSsh(ssh);
    }
    return options.withTimeouts(EngineOptions.connectWithin(timeout), timeout);
  }

  /**
   * How many idle connections a node's engine keeps between sweeps in a long-running process: one
   * (a sweep's overlapping reads open a few more and close them after), so a server watching
   * thousands of nodes holds about one descriptor per node.
   */
  public static final int KEPT_IDLE_CONNECTIONS = 1;

  /**
   * Opens nodes' engines with registry credentials from {@code env}'s docker config, each keeping
   * {@link EngineOptions#DEFAULT_MAX_IDLE_CONNECTIONS} idle connections as the CLI's do.
   */
  public static EngineOpener opener(Map<String, String> env) {
    return opener(env, EngineOptions.DEFAULT_MAX_IDLE_CONNECTIONS);
  }

  /**
   * Opens nodes' engines with registry credentials from {@code env}'s docker config, each keeping
   * at most {@code maxIdleConnections} idle connections (the server: {@link
   * #KEPT_IDLE_CONNECTIONS}).
   */
  public static EngineOpener opener(Map<String, String> env, int maxIdleConnections) {
    Map<String, String> copy = Map.copyOf(env);
    return (node, timeout) ->
        DockerEngines.open(
            options(node, timeout, copy).withMaxIdleConnections(maxIdleConnections), copy);
  }

  private static Path certDirectory(Fleet.Node node) {
    Fleet.Tls tls = node.tls();
    Path dir = tls.ca() == null ? null : tls.ca().toAbsolutePath().getParent();
    if (dir != null
        && tls.ca().toAbsolutePath().equals(dir.resolve("ca.pem"))
        && tls.cert() != null
        && tls.cert().toAbsolutePath().equals(dir.resolve("cert.pem"))
        && tls.key() != null
        && tls.key().toAbsolutePath().equals(dir.resolve("key.pem"))) {
      return dir;
    }
    throw new EngineUnreachableException(
        node.engine(),
        "node "
            + node.id()
            + ": tls files must be ca.pem, cert.pem and key.pem in one directory (as DOCKER_CERT_PATH"
            + " holds them); got ca "
            + tls.ca()
            + ", cert "
            + tls.cert()
            + ", key "
            + tls.key(),
        null);
  }
}
