package dev.selvedge.cli;

import dev.selvedge.Version;
import dev.selvedge.drift.DriftJson;
import dev.selvedge.drift.DriftReport;
import dev.selvedge.drift.render.DriftTextRenderer;
import dev.selvedge.evidence.Tool;
import java.time.Clock;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code selvedge drift}: the four layers compared, every difference classed. */
final class DriftCommand implements Command {
  private final Cli cli;

  DriftCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "drift";
  }

  @Override
  public String summary() {
    return "compare contract, host files, containers and readback";
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        "Compare the four layers: repo contract, the deploy directory on the host, the running"
            + " containers and the application readback. Exit 0 in sync, 1 drift, 2 when a layer"
            + " cannot be read or reached. Secret values are compared by keyed fingerprint.");
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
                : DriftTextRenderer.render(report));
    return report.outcome().exitCode();
  }
}
