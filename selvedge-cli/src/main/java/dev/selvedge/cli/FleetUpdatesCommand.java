package dev.selvedge.cli;

import dev.selvedge.docker.RegistryClient;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.FleetFile;
import dev.selvedge.fleet.FleetFileException;
import dev.selvedge.fleet.update.AutoUpdate;
import dev.selvedge.fleet.update.AutoUpdate.ServiceCheck;
import dev.selvedge.fleet.update.AutoUpdate.StackCheck;
import dev.selvedge.fleet.update.AutoUpdate.State;
import dev.selvedge.fleet.update.AutoUpdateJson;
import dev.selvedge.fleet.update.RolloutStarter;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import net.sourceforge.argparse4j.inf.Subparsers;

/**
 * {@code selvedge fleet updates}: which stacks with {@code auto_update} have a new digest in their
 * registry, as the server's check sees them (docs/auto-update.md), starting nothing and writing
 * nothing but the baseline digest of a tag seen for the first time. Exit 0 nothing due, 1 an update
 * is due, 2 the fleet file, a contract or a registry could not be read.
 */
final class FleetUpdatesCommand {
  private final Cli cli;

  FleetUpdatesCommand(Cli cli) {
    this.cli = cli;
  }

  static void configure(Subparsers subs) {
    Subparser p =
        subs.addParser("updates")
            .help("list due auto-updates: each followed tag's digest asked of its registry")
            .description(
                "For each stack with auto_update in the fleet file, asks the registry (a HEAD of"
                    + " the manifest, with the docker CLI's credentials) which digest each listed"
                    + " service's tag points to and compares it with what the stack's nodes run"
                    + " (the store's deployments) and the attempts the server made. Starts and"
                    + " records only a first-seen tag's digest as its baseline. Exit 0 nothing due, 1 an update is due, 2 something could"
                    + " not be read (docs/auto-update.md).");
    p.addArgument("--fleet")
        .metavar("FILE")
        .setDefault("fleet.yaml")
        .help("the fleet file (default: fleet.yaml in the working directory)");
    p.addArgument("--format")
        .choices("text", "json")
        .setDefault("text")
        .help("text: one line per service; json: the checks as POST /api/v1/autoupdate/check");
    OperateOptions.configureStore(p);
  }

  int run(Namespace ns) {
    Path file = cli.workingDir().resolve(ns.getString("fleet")).normalize();
    Fleet fleet;
    try {
      fleet = FleetFile.load(file, cli.environment());
    } catch (FleetFileException e) {
      cli.err().println("selvedge: " + e.getMessage());
      return ExitCode.INPUT;
    }
    try (Store store = OperateOptions.store(ns, cli);
        RegistryClient registry =
            RegistryClient.fromEnvironment(cli.environment(), Duration.ofSeconds(30))) {
      AutoUpdate update =
          new AutoUpdate(
              registry,
              store,
              AutoUpdate.Images.contracts(cli.environment()),
              RolloutStarter.unavailable("selvedge fleet updates starts nothing"),
              Clock.systemUTC());
      List<StackCheck> checks =
          AutoUpdate.targets(fleet).stream().map(t -> update.check(t, false)).toList();
      boolean failed =
          checks.stream()
              .flatMap(c -> c.services().stream())
              .anyMatch(s -> s.state() == State.FAILED);
      boolean due = checks.stream().anyMatch(c -> !c.due().isEmpty());
      if ("json".equals(ns.getString("format"))) {
        cli.out().println(TreeJson.pretty(AutoUpdateJson.checks(checks)));
      } else {
        if (checks.isEmpty()) {
          cli.out().println("no stack of " + file + " has auto_update");
        }
        for (StackCheck c : checks) {
          for (ServiceCheck s : c.services()) {
            cli.out()
                .println(
                    TerminalText.escapeControls(
                        c.stack()
                            + " "
                            + s.service()
                            + ": "
                            + s.state().name().toLowerCase(Locale.ROOT)
                            + ": "
                            + s.message()));
          }
        }
      }
      return failed ? ExitCode.INPUT : due ? ExitCode.FINDINGS : ExitCode.OK;
    }
  }
}
