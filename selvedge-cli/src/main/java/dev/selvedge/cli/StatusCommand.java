package dev.selvedge.cli;

import dev.selvedge.Version;
import dev.selvedge.drift.DriftJson;
import dev.selvedge.drift.DriftReport;
import dev.selvedge.evidence.Tool;
import dev.selvedge.status.Pill;
import dev.selvedge.status.render.StatusTextRenderer;
import java.time.Clock;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code selvedge status}: sync and health per service, rolled up to pills with reasons. */
final class StatusCommand implements Command {
  private final Cli cli;

  StatusCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "status";
  }

  @Override
  public String summary() {
    return "sync and health of each service, as green/yellow/red pills";
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        "Show each service's sync (in-sync, drifted, unknown) and health (healthy, progressing,"
            + " degraded, missing, unreachable), rolled up to a pill per service and for the stack,"
            + " with the reasons. Exit 0 when the stack is green, 1 otherwise, 2 when the engine"
            + " cannot be reached.");
    LiveCheck.configure(p);
    p.addArgument("--format").choices("text", "json").setDefault("text").help("output format");
  }

  @Override
  public int run(Namespace ns) {
    DriftReport report = LiveCheck.run(ns, cli);
    cli.out()
        .print(
            ns.getString("format").equals("json")
                ? DriftJson.write(report, Tool.selvedge(Version.current()), Clock.systemUTC())
                : StatusTextRenderer.render(report.status()));
    return report.status().pill() == Pill.GREEN ? ExitCode.OK : ExitCode.FINDINGS;
  }
}
