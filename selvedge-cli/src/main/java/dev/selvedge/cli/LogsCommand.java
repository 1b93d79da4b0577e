package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.LogLines;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
    Service service = project.services().get(name);
    if (service == null) {
      throw new SelvedgeException(
          "no service '"
              + name
              + "' in project "
              + project.name()
              + "; it has "
              + String.join(", ", project.services().keySet()));
    }
    int tail = LogsArguments.tail(ns.getString("tail"));
    Instant since =
        LogsArguments.since(ns.getString("since"), Instant.now(), ZoneId.systemDefault());
    Duration timeout = ProbeCommand.duration(ns.getString("timeout"));
    boolean raw = ns.getBoolean("raw");
    try (DockerEngine engine = RuntimeOptions.engine(ns, cli, timeout)) {
      List<ContainerSummary> containers =
          new ArrayList<>(
              engine.listContainers(
                  Map.of(
                      LiveOptions.PROJECT_LABEL,
                      project.name(),
                      "com.docker.compose.service",
                      name),
                  true));
      if (containers.isEmpty()) {
        cli.err().println("selvedge: no container of service " + name + " on " + engine.endpoint());
        return ExitCode.FINDINGS;
      }
      containers.sort(Comparator.comparing(c -> c.names().isEmpty() ? c.id() : c.names().get(0)));
      // What runs may hold other secret values than the contract does now (a rotated .env):
      // each container's own secret environment is masked too.
      List<String> running = new ArrayList<>();
      for (ContainerSummary c : containers) {
        for (String kv : engine.inspectContainer(c.id()).env()) {
          int eq = kv.indexOf('=');
          if (eq > 0 && Secrets.isSecretKey(kv.substring(0, eq), project.secretKeys())) {
            running.add(kv.substring(eq + 1));
          }
        }
      }
      // A value that is also a name or image of the contract is public already (weak-secret).
      SecretValues scrub =
          project
              .secretValues()
              .and(
                  SecretValues.of(running)
                      .withoutPublic(Secrets.publicValues(project, project.secretKeys()).values()));
      boolean truncated = false;
      for (ContainerSummary c : containers) {
        String label = c.names().isEmpty() ? c.id().substring(0, 12) : c.names().get(0);
        LogLines lines = engine.logs(c.id(), since, tail, timeout);
        truncated |= lines.truncated();
        for (LogLines.Line line : lines.lines()) {
          String text = scrub.scrub(line.text());
          cli.out().println(label + " | " + (raw ? text : TerminalText.escapeControls(text)));
        }
        if (lines.lines().size() >= tail && ns.getString("tail").equals("all")) {
          cli.err()
              .println(
                  "selvedge: "
                      + label
                      + ": showing the last "
                      + LogsArguments.MAX_TAIL
                      + " lines, the most logs prints");
        }
      }
      if (truncated) {
        cli.err().println("selvedge: stopped reading after " + ns.getString("timeout"));
      }
      return ExitCode.OK;
    }
  }
}
