package dev.selvedge.cli;

import java.nio.file.Path;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code selvedge serve}: the control plane. Every CLI run builds this command, so it names no
 * class of the server module (Javalin, Jetty, Micrometer) outside {@link #run}: the other commands
 * never load them ({@code ServerClassesIT} checks it).
 */
final class ServeCommand implements Command {
  private final Cli cli;

  ServeCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "serve";
  }

  @Override
  public String summary() {
    return "run the control plane: sweep the fleet, serve the API";
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        "Watch every node of the fleet file and serve what is known of them over HTTP (GET"
            + " /api/v1/..., with an API key; /healthz, /readyz, /version, /metrics and"
            + " /openapi.json without). On a store with no API key, creates an admin key and"
            + " prints its token once on stderr. SIGHUP reloads the fleet file; SIGTERM stops.");
    p.addArgument("--fleet")
        .metavar("FILE")
        .setDefault("fleet.yaml")
        .help("the fleet file (default fleet.yaml in the working directory)");
    p.addArgument("--listen")
        .metavar("HOST:PORT")
        .setDefault("127.0.0.1:7420")
        .help("where to listen (default 127.0.0.1:7420: this machine only)");
    OperateOptions.configureStore(p);
  }

  @Override
  public int run(Namespace ns) {
    return dev.selvedge.server.Serve.run(
        new dev.selvedge.server.Serve.Options(
            cli.workingDir().resolve(Path.of(ns.getString("fleet"))),
            ns.getString("listen"),
            ns.getString("store")),
        cli.environment(),
        cli.out(),
        cli.err());
  }
}
