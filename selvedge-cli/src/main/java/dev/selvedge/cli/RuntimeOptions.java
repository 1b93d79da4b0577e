package dev.selvedge.cli;

import dev.selvedge.docker.DockerEngines;
import dev.selvedge.docker.EngineOptions;
import dev.selvedge.port.DockerEngine;
import java.time.Duration;
import net.sourceforge.argparse4j.inf.ArgumentGroup;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** Which Docker engine to talk to, named as in the docker CLI, and how long to wait for it. */
final class RuntimeOptions {
  private RuntimeOptions() {}

  static void configure(Subparser parser) {
    ArgumentGroup g = parser.addArgumentGroup("engine (as in the docker CLI)");
    g.addArgument("-H", "--host")
        .metavar("HOST")
        .help(
            "engine: unix:///path, tcp://host:port (TLS with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH)"
                + " or ssh://user@host[:port]; default DOCKER_HOST, else the local socket");
    g.addArgument("--engine-timeout")
        .dest("engine_timeout")
        .metavar("DURATION")
        .help(
            "give up on an engine call with no complete answer after this long (default "
                + EngineOptions.TIMEOUT_VARIABLE
                + ", else "
                + EngineOptions.DEFAULT_REQUEST_TIMEOUT.toSeconds()
                + "s); image pulls get at least 10m");
  }

  /** The engine's options: the environment's, with the flags applied. */
  static EngineOptions options(Namespace ns, Cli cli) {
    EngineOptions options = EngineOptions.fromEnvironment(ns.getString("host"), cli.environment());
    String flag = ns.getString("engine_timeout");
    if (flag == null) {
      return options;
    }
    Duration request = EngineOptions.timeout(flag, "--engine-timeout");
    return options.withTimeouts(EngineOptions.connectWithin(request), request);
  }

  static DockerEngine engine(Namespace ns, Cli cli) {
    return DockerEngines.open(options(ns, cli), cli.environment());
  }

  /** As {@link #engine}, with no call allowed longer than {@code atMost}. */
  static DockerEngine engine(Namespace ns, Cli cli, Duration atMost) {
    EngineOptions options = options(ns, cli);
    if (atMost.compareTo(options.requestTimeout()) < 0) {
      options = options.withTimeouts(EngineOptions.connectWithin(atMost), atMost);
    }
    return DockerEngines.open(options, cli.environment());
  }
}
