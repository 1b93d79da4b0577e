package dev.selvedge.cli;

import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.docker.FleetEngines;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.FleetFile;
import dev.selvedge.fleet.FleetFileException;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.parity.EngineSides;
import dev.selvedge.fleet.parity.Parity;
import dev.selvedge.fleet.parity.ParityCheck;
import dev.selvedge.fleet.parity.ParityJson;
import dev.selvedge.fleet.parity.ParityReport;
import dev.selvedge.fleet.parity.ParityText;
import dev.selvedge.json.TreeJson;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code selvedge parity --fleet FILE A B}: every difference between two nodes (or environments) of
 * a fleet, read live as {@code fleet status} reads them and compared by {@link Parity}. Exit 0 when
 * every difference is expected, 1 when any is not, 2 when a side, node or the fleet file cannot be
 * read.
 */
final class ParityCommand implements Command {
  private final Cli cli;

  ParityCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "parity";
  }

  @Override
  public String summary() {
    return "compare two nodes or environments of a fleet: every difference, per stack and layer";
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        "Compares two nodes (or env:ENVIRONMENT, every node of it) of a fleet file, stack by"
            + " stack: the rendered contract, the files on the node, environment values (by"
            + " fingerprint), image digests, container settings and readback answers. Keys"
            + " declared in x-selvedge.parity.ignore or a node's parity.ignore are expected."
            + " Exit 0 when every difference is expected, 1 when any is not, 2 when something"
            + " cannot be read (docs/parity.md).");
    p.addArgument("--fleet")
        .metavar("FILE")
        .setDefault("fleet.yaml")
        .help("the fleet file (default: fleet.yaml in the working directory)");
    p.addArgument("a").metavar("A").help("a node id, or env:ENVIRONMENT");
    p.addArgument("b").metavar("B").help("a node id, or env:ENVIRONMENT");
    p.addArgument("--stack").metavar("S").help("only this stack");
    p.addArgument("--format")
        .choices("text", "json")
        .setDefault("text")
        .help("text: grouped by stack, service and layer; json: as GET /api/v1/parity");
    p.addArgument("--no-readback")
        .dest("no_readback")
        .action(Arguments.storeTrue())
        .help("skip the application layer (x-selvedge.readback URLs)");
  }

  @Override
  public int run(Namespace ns) {
    Path file = cli.workingDir().resolve(ns.getString("fleet")).normalize();
    Fleet fleet;
    try {
      fleet = FleetFile.load(file, cli.environment());
    } catch (FleetFileException e) {
      cli.err().println("selvedge: " + e.getMessage());
      return ExitCode.INPUT;
    }
    Fingerprints fingerprints = LiveOptions.fingerprints(cli);
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    try {
      LiveCheck check = new LiveCheck(threads, Clock.systemUTC(), new SocketHttpProbe());
      LiveStackReader stacks =
          new LiveStackReader(
              check,
              cli.environment(),
              fingerprints,
              !Boolean.TRUE.equals(ns.getBoolean("no_readback")));
      Parity parity =
          new Parity(
              new ParityCheck(fingerprints),
              new EngineSides(
                  FleetEngines.opener(cli.environment()),
                  stacks,
                  fingerprints,
                  fleet.poll().timeout()),
              threads);
      ParityReport report;
      try {
        report = parity.run(fleet, ns.getString("a"), ns.getString("b"), ns.getString("stack"));
      } catch (Parity.UnknownSideException e) {
        cli.err().println("selvedge: " + file + ": " + e.getMessage());
        return ExitCode.INPUT;
      }
      if ("json".equals(ns.getString("format"))) {
        cli.out().println(TreeJson.pretty(ParityJson.write(report)));
      } else {
        ParityText.write(cli.out(), report, TerminalText::escapeControls);
      }
      return report.result().exitCode();
    } finally {
      threads.shutdown();
    }
  }
}
