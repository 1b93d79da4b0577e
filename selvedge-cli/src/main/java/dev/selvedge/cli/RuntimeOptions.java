package dev.selvedge.cli;

import dev.selvedge.docker.DockerEngines;
import dev.selvedge.port.DockerEngine;
import net.sourceforge.argparse4j.inf.ArgumentGroup;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** Which Docker engine to talk to, named as in the docker CLI. */
final class RuntimeOptions {
  private RuntimeOptions() {}

  static void configure(Subparser parser) {
    ArgumentGroup g = parser.addArgumentGroup("engine (as in the docker CLI)");
    g.addArgument("-H", "--host")
        .metavar("HOST")
        .help(
            "engine: unix:///path, tcp://host:port (TLS with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH)"
                + " or ssh://user@host[:port]; default DOCKER_HOST, else the local socket");
  }

  static DockerEngine engine(Namespace ns, Cli cli) {
    return DockerEngines.fromHost(ns.getString("host"), cli.environment());
  }
}
