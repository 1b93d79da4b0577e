package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.model.Project;
import dev.selvedge.operations.HostIdentity;
import dev.selvedge.operations.render.OperationsRender;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.Store;
import java.util.List;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code selvedge history}: the project's deployments on the engine host, newest first. */
final class HistoryCommand implements Command {
  private final Cli cli;

  HistoryCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "history";
  }

  @Override
  public String summary() {
    return "list the project's deployments, newest first (or --show ID)";
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        "List the project's deployments on the engine host: who, when, outcome, summary. --show"
            + " prints one deployment with its pinned images, env fingerprints and (redacted)"
            + " rendered config.");
    ProjectOptions.configure(p);
    RuntimeOptions.configure(p);
    OperateOptions.configureStore(p);
    p.addArgument("--limit").type(Integer.class).setDefault(20).help("at most this many (20)");
    p.addArgument("--show").type(Long.class).metavar("ID").help("one deployment in full (JSON)");
    p.addArgument("--audit")
        .action(net.sourceforge.argparse4j.impl.Arguments.storeTrue())
        .help(
            "the audit trail instead: every change made to the project's containers (restart,"
                + " stop, start, down, apply), newest first");
    p.addArgument("--format").choices("text", "json").setDefault("text").help("text or json");
  }

  @Override
  public int run(Namespace ns) {
    Project project = ProjectOptions.load(ns, cli);
    try (DockerEngine engine = RuntimeOptions.engine(ns, cli);
        Store store = OperateOptions.store(ns, cli)) {
      // Kept per engine, whichever endpoint reaches it: asking its ID is the one engine call.
      HostIdentity.Reading host = HostIdentity.forReading(engine, store.deployments());
      if (host.warning() != null) {
        cli.err().println("warning: " + host.warning());
      }
      Long show = ns.get("show");
      if (show != null) {
        Deployment d =
            store
                .deployments()
                .find(show)
                .filter(x -> x.project().equals(project.name()))
                .filter(x -> x.host().equals(host.identity()))
                .orElseThrow(
                    () ->
                        new SelvedgeException(
                            "project '"
                                + project.name()
                                + "' on "
                                + engine.endpoint()
                                + " has no deployment "
                                + show));
        cli.out().print(OperationsRender.pretty(OperationsRender.deploymentJson(d, true)));
        return ExitCode.OK;
      }
      boolean json = "json".equals(ns.getString("format"));
      if (ns.getBoolean("audit")) {
        List<AuditLog.Event> events =
            store.audit().recent(host.identity(), project.name(), ns.getInt("limit"));
        cli.out()
            .print(json ? OperationsRender.auditJson(events) : OperationsRender.auditText(events));
      } else {
        List<Deployment> history =
            store.deployments().history(host.identity(), project.name(), ns.getInt("limit"));
        cli.out()
            .print(
                json
                    ? OperationsRender.historyJson(history)
                    : OperationsRender.historyText(history));
      }
      return ExitCode.OK;
    }
  }
}
