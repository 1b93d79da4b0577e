package dev.selvedge.cli;

import dev.selvedge.Version;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.docker.FleetEngines;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.evidence.Tool;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.FleetFile;
import dev.selvedge.fleet.FleetFileException;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.audit.AuditJson;
import dev.selvedge.fleet.audit.AuditReport;
import dev.selvedge.fleet.audit.FleetAudit;
import dev.selvedge.fleet.audit.TenantAudit;
import dev.selvedge.json.TreeJson;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import net.sourceforge.argparse4j.inf.Subparsers;

/**
 * {@code selvedge fleet audit --fleet FILE}: the cross-tenant audit, every node read live as {@code
 * selvedge parity} reads it and judged by {@link TenantAudit}. Exit 0 nothing found, 1 findings, 2
 * the fleet file or a node could not be read.
 */
final class FleetAuditCommand {
  private final Cli cli;

  FleetAuditCommand(Cli cli) {
    this.cli = cli;
  }

  static void configure(Subparsers subs) {
    Subparser p =
        subs.addParser("audit")
            .help("cross-tenant audit: foreign resources, shared unique values, readback identity")
            .description(
                "Reads every node of the fleet (no server needed) and reports, per node:"
                    + " containers, networks and volumes of a Compose project no stack of the node"
                    + " declares (naming the node and stack it belongs to, if any), a value of an"
                    + " x-selvedge.tenant_unique key with the same fingerprint on two tenants, and"
                    + " a readback answering a tenant field with another tenant's value. Exit 0"
                    + " nothing found, 1 findings, 2 something could not be read (docs/fleet.md).");
    p.addArgument("--fleet")
        .metavar("FILE")
        .setDefault("fleet.yaml")
        .help("the fleet file (default: fleet.yaml in the working directory)");
    p.addArgument("--format")
        .choices("text", "json")
        .setDefault("text")
        .help("text: findings by node; json: evidence (kind tenant-audit)");
    p.addArgument("--no-readback")
        .dest("no_readback")
        .action(Arguments.storeTrue())
        .help("skip the readback identity check (x-selvedge.readback URLs)");
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
    Fingerprints fingerprints = LiveOptions.fingerprints(cli);
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    try {
      Clock clock = Clock.systemUTC();
      LiveStackReader stacks =
          new LiveStackReader(
              new LiveCheck(threads, clock, new SocketHttpProbe()),
              cli.environment(),
              fingerprints,
              !Boolean.TRUE.equals(ns.getBoolean("no_readback")));
      FleetAudit audit =
          new FleetAudit(
              new TenantAudit(fingerprints),
              FleetAudit.engines(
                  FleetEngines.opener(cli.environment()), stacks, fleet.poll().timeout()),
              threads,
              clock);
      AuditReport report = audit.run(fleet);
      if ("json".equals(ns.getString("format"))) {
        cli.out()
            .println(TreeJson.pretty(AuditJson.write(report, Tool.selvedge(Version.current()))));
      } else {
        AuditJson.text(cli.out(), report, TerminalText::escapeControls);
      }
      return report.exitCode();
    } finally {
      threads.shutdown();
    }
  }
}
