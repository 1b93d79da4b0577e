package dev.selvedge.cli;

import dev.selvedge.contract.model.Project;
import dev.selvedge.operations.LogRead;
import dev.selvedge.port.DockerEngine;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code selvedge logs SERVICE}: the last lines of a service's containers, bounded by time, line
 * count and a timeout. There is deliberately no follow mode.
 */
final class LogsCommand implements Command {
  private final Cli cli;

  LogsCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "logs";
  }

  @Override
  public String summary() {
    return "bounded recent logs of a service (no follow)";
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        "Print the recent log lines of a service's containers: at most --tail lines from the"
            + " last --since, read within --timeout. There is no follow mode. Values of the"
            + " secret values (of the contract and of the running containers) are masked.");
    ProjectOptions.configure(p);
    RuntimeOptions.configure(p);
    p.addArgument("service").metavar("SERVICE").help("service name in the contract");
    p.addArgument("--since")
        .setDefault("15m")
        .help(
            "how far back: a duration (15m, 2h), an RFC 3339 time (2026-01-02T15:04:05Z), a"
                + " local date or date-time (2026-01-02, 2026-01-02T15:04:05) or Unix seconds"
                + " (default 15m)");
    p.addArgument("--tail")
        .setDefault("120")
        .help(
            "at most this many lines per container, 1 to "
                + LogsArguments.MAX_TAIL
                + ", or all (= "
                + LogsArguments.MAX_TAIL
                + ")");
    p.addArgument("--timeout")
        .setDefault("10s")
        .help(
            "bounds every engine call of this command and the reading of the logs (default 10s;"
                + " a shorter --engine-timeout wins)");
    p.addArgument("--raw")
        .action(Arguments.storeTrue())
        .help(
            "print control characters as they are; by default they show escaped (\\x1b), so"
                + " a container cannot recolour, retitle or rewrite your terminal");
  }

  @Override
  public int run(Namespace ns) {
    Project project = ProjectOptions.load(ns, cli);
    String name = ns.getString("service");
    LogRead.checkService(project, name);
    int tail = LogsArguments.tail(ns.getString("tail"));
    Instant since =
        LogsArguments.since(ns.getString("since"), Instant.now(), ZoneId.systemDefault());
    Duration timeout = ProbeCommand.duration(ns.getString("timeout"));
    boolean raw = ns.getBoolean("raw");
    boolean all = ns.getString("tail").equals("all");
    try (DockerEngine engine = RuntimeOptions.engine(ns, cli, timeout)) {
      boolean[] truncated = {false};
      int containers =
          LogRead.read(
              engine,
              new LogRead.Request(project, name, since, tail, timeout),
              log -> {
                truncated[0] |= log.truncated();
                for (String text : log.lines()) {
                  cli.out()
                      .println(
                          log.label() + " | " + (raw ? text : TerminalText.escapeControls(text)));
                }
                if (log.lines().size() >= tail && all) {
                  cli.err()
                      .println(
                          "selvedge: "
                              + log.label()
                              + ": showing the last "
                              + LogsArguments.MAX_TAIL
                              + " lines, the most logs prints");
                }
              });
      if (containers == 0) {
        cli.err().println("selvedge: no container of service " + name + " on " + engine.endpoint());
        return ExitCode.FINDINGS;
      }
      if (truncated[0]) {
        cli.err().println("selvedge: stopped reading after " + ns.getString("timeout"));
      }
      return ExitCode.OK;
    }
  }
}
