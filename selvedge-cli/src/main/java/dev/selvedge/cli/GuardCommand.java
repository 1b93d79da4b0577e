package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.model.Project;
import dev.selvedge.operations.Actor;
import dev.selvedge.operations.Guarded;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.Store;
import java.util.List;
import java.util.Locale;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code selvedge restart|stop|start SERVICE} and {@code selvedge down}: guarded operations that
 * hold the project's lease; restart, stop and down refuse a self-critical service without {@code
 * --confirm}.
 */
final class GuardCommand implements Command {
  private final Cli cli;
  private final Guarded.Verb verb; // null = down

  GuardCommand(Cli cli, Guarded.Verb verb) {
    this.cli = cli;
    this.verb = verb;
  }

  @Override
  public String name() {
    return verb == null ? "down" : verb.id();
  }

  @Override
  public String summary() {
    if (verb == null) {
      return "remove the project's containers and networks (volumes with --volumes)";
    }
    // Starting cannot cut off access, so Guarded never asks for --confirm to start.
    return verb == Guarded.Verb.START
        ? "start a service's containers"
        : verb.id() + " a service's containers (self-critical ones need --confirm)";
  }

  @Override
  public void configure(Subparser p) {
    ProjectOptions.configure(p);
    RuntimeOptions.configure(p);
    OperateOptions.configureStore(p);
    if (verb != null) {
      p.addArgument("service").metavar("SERVICE").help("the service");
    } else {
      p.addArgument("--volumes")
          .action(Arguments.storeTrue())
          .help("also remove the project's named volumes (their data is lost)");
    }
    p.addArgument("--confirm")
        .action(Arguments.storeTrue())
        .help(
            verb == Guarded.Verb.START
                ? "accepted, not needed: starting cannot cut off the access you are using"
                : "go ahead even for a service marked x-selvedge.self-critical");
  }

  @Override
  public int run(Namespace ns) {
    Project project = ProjectOptions.load(ns, cli);
    try {
      return run(ns, project);
    } catch (SelvedgeException e) {
      throw OperateOptions.scrubbed(e, project);
    }
  }

  private int run(Namespace ns, Project project) {
    cli.warn(project.warnings());
    boolean confirm = ns.getBoolean("confirm");
    try (DockerEngine engine = RuntimeOptions.engine(ns, cli);
        Store store = OperateOptions.store(ns, cli)) {
      Guarded guarded =
          new Guarded(
              engine,
              store.leases(),
              store.audit(),
              java.time.Clock.systemUTC(),
              new TerminalProgress(
                  cli.err(), TerminalProgress.isTerminal(cli), project.secretValues()::scrub),
              Actor.of(cli.environment()) + " (pid " + ProcessHandle.current().pid() + ")",
              OperateOptions.leaseTtl(cli));
      if (verb != null) {
        List<String> done = guarded.service(project, ns.getString("service"), verb, confirm);
        String past =
            switch (verb) {
              case RESTART -> "restarted";
              case STOP -> "stopped";
              case START -> "started";
            };
        cli.out().println(past + ": " + String.join(", ", done));
        return ExitCode.OK;
      }
      Guarded.Removed removed = guarded.down(project, ns.getBoolean("volumes"), confirm);
      cli.out()
          .println(
              String.format(
                  Locale.ROOT,
                  "removed %d container(s), %d network(s), %d volume(s)",
                  removed.containers().size(),
                  removed.networks().size(),
                  removed.volumes().size()));
      return ExitCode.OK;
    }
  }
}
