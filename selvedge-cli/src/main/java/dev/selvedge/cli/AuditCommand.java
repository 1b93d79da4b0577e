package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.json.TreeJson;
import dev.selvedge.operations.AuditFilter;
import dev.selvedge.operations.render.OperationsRender;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Store;
import java.time.Instant;
import java.util.List;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code selvedge audit}: the audit log of the store, newest first, with the same filters as {@code
 * GET /api/v1/audit}: who changed what through the API, the CLI or the retention job.
 */
final class AuditCommand implements Command {
  private final Cli cli;

  AuditCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "audit";
  }

  @Override
  public String summary() {
    return "read the audit log: every change and write request, newest first";
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        "The audit log kept in the store (the one `selvedge serve` uses): every write request to"
            + " the API (allowed or refused), every key change, every change the CLI or the server"
            + " made to a stack, every retention run. Newest first. Times are ISO-8601"
            + " (2026-03-01T10:00:00Z) or ages (15m, 2h, 7d).");
    OperateOptions.configureStore(p);
    p.addArgument("--actor").help("exactly this actor: key:NAME, anonymous, user@machine");
    p.addArgument("--node").help("this fleet node");
    p.addArgument("--stack").help("this stack (Compose project)");
    p.addArgument("--action").help("exactly this action (key.create, restart, ...)");
    p.addArgument("--since").metavar("TIME").help("at or after TIME (ISO-8601 or an age: 15m)");
    p.addArgument("--until").metavar("TIME").help("before TIME (ISO-8601 or an age)");
    p.addArgument("--before").metavar("ID").help("only events older than event ID (paging)");
    p.addArgument("--limit")
        .setDefault("50")
        .help("at most this many, 1 to " + AuditFilter.MAX_LIMIT + " (50)");
    p.addArgument("--format")
        .choices("text", "json", "jsonl")
        .setDefault("text")
        .help("text, json (one array) or jsonl (one event per line)");
  }

  @Override
  public int run(Namespace ns) {
    AuditLog.Query query;
    try {
      Instant now = Instant.now();
      query =
          AuditFilter.query(
              ns.getString("actor"),
              ns.getString("node"),
              ns.getString("stack"),
              ns.getString("action"),
              AuditFilter.time("--since", ns.getString("since"), now),
              AuditFilter.time("--until", ns.getString("until"), now),
              AuditFilter.id("--before", ns.getString("before")),
              AuditFilter.limit("--limit", ns.getString("limit"), 50));
    } catch (IllegalArgumentException e) {
      throw new SelvedgeException("audit: " + e.getMessage());
    }
    try (Store store = OperateOptions.store(ns, cli)) {
      List<AuditLog.Event> events = store.audit().find(query);
      switch (ns.getString("format")) {
        case "json" -> {
          var arr = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
          events.forEach(e -> arr.add(OperationsRender.auditEvent(e)));
          cli.out().println(TreeJson.pretty(arr));
        }
        case "jsonl" ->
            events.forEach(
                e ->
                    cli.out()
                        .println(
                            new String(
                                TreeJson.compact(OperationsRender.auditEvent(e)),
                                java.nio.charset.StandardCharsets.UTF_8)));
        default -> cli.out().print(OperationsRender.auditLogText(events));
      }
      return ExitCode.OK;
    }
  }
}
