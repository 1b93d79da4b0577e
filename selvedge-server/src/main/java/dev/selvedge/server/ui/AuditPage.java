package dev.selvedge.server.ui;

import dev.selvedge.json.TreeJson;
import dev.selvedge.operations.AuditFilter;
import dev.selvedge.operations.render.OperationsRender;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Store;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The audit log in the web UI: {@code /ui/audit}, a filtered table newest first, paged by the same
 * cursor as {@code GET /api/v1/audit}, and {@code /ui/audit/export}, the whole filtered range as
 * JSON lines in the API's and the CLI's record shape, streamed page by page and bounded. Both are
 * reads: they are not audited themselves. The page needs the scope the API's audit read needs.
 */
public final class AuditPage {
  private static final System.Logger LOG = System.getLogger(AuditPage.class.getName());

  /** What reading the audit log needs, as {@code GET /api/v1/audit}. */
  static final Scope SCOPE = Scope.READ;

  /** Records per page. */
  static final int PAGE = 50;

  /** The most records one export holds; past it the last line says where to continue. */
  static final int EXPORT_MAX = 100_000;

  /** Records read from the store at a time while exporting. */
  static final int EXPORT_BATCH = 1000;

  static final String NDJSON = "application/x-ndjson";

  private static final Set<String> PARAMS =
      Set.of("actor", "action", "node", "stack", "since", "until", "before");
  private static final DateTimeFormatter FILE_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC);

  private final WebUi ui;
  private final Store store;
  private final Clock clock;
  private final int exportMax;

  AuditPage(WebUi ui, Store store, Clock clock, int exportMax) {
    this.ui = ui;
    this.store = store;
    this.clock = clock;
    this.exportMax = exportMax;
  }

  /** Whether the page's key may read the audit log (its nav link is shown). */
  public static boolean visible(Page page) {
    Scope scope = page.scope() == null ? null : Scope.parse(page.scope());
    return scope != null && scope.covers(SCOPE);
  }

  void register(RoutesConfig routes) {
    routes.get("/ui/audit", ui.page(this::page));
    routes.get("/ui/audit/export", ui.page(this::export));
  }

  // ----------------------------------------------------------------------------- filters

  /**
   * The filters as typed (shown again in the form) and as resolved (an age such as {@code 2h} is
   * turned into a time once, so the next page and the export cover the same range).
   */
  public record Filters(
      String actor,
      String action,
      String node,
      String stack,
      String since,
      String until,
      AuditLog.Query query) {

    /** The query string of these filters with times resolved, without a cursor. */
    String resolved() {
      List<String> parts = new ArrayList<>();
      param(parts, "actor", query.actor());
      param(parts, "action", query.action());
      param(parts, "node", query.node());
      param(parts, "stack", query.stack());
      param(parts, "since", query.since() == null ? null : query.since().toString());
      param(parts, "until", query.until() == null ? null : query.until().toString());
      return String.join("&", parts);
    }

    boolean any() {
      return query.actor() != null
          || query.action() != null
          || query.node() != null
          || query.stack() != null
          || query.since() != null
          || query.until() != null;
    }
  }

  private static void param(List<String> parts, String name, String value) {
    if (value != null) {
      parts.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }

  /** The request's filters and cursor; a bad one is a 400 naming the parameter. */
  private Filters filters(Context ctx, int limit) {
    for (String p : ctx.queryParamMap().keySet()) {
      if (!PARAMS.contains(p)) {
        throw UiError.badRequest(
            "Unknown parameter '"
                + p
                + "': the audit page knows actor, action, node, stack, since, until and"
                + " before.");
      }
    }
    Instant now = clock.instant();
    try {
      String before = blank(ctx.queryParam("before"));
      AuditLog.Query q =
          AuditFilter.query(
              ctx.queryParam("actor"),
              ctx.queryParam("node"),
              ctx.queryParam("stack"),
              ctx.queryParam("action"),
              AuditFilter.time("since", ctx.queryParam("since"), now),
              AuditFilter.time("until", ctx.queryParam("until"), now),
              AuditFilter.id("before", before),
              limit);
      return new Filters(
          text(ctx, "actor"),
          text(ctx, "action"),
          text(ctx, "node"),
          text(ctx, "stack"),
          text(ctx, "since"),
          text(ctx, "until"),
          q);
    } catch (IllegalArgumentException e) {
      // AuditFilter's messages start with the parameter's name.
      throw UiError.badRequest("Bad filter: " + e.getMessage() + ".");
    }
  }

  private static String text(Context ctx, String name) {
    String v = ctx.queryParam(name);
    return v == null ? "" : v.strip();
  }

  private static String blank(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static AuditLog.Query withCursor(AuditLog.Query q, Long before, int limit) {
    return new AuditLog.Query(
        q.actor(), q.node(), q.stack(), q.action(), q.since(), q.until(), before, limit);
  }

  // -------------------------------------------------------------------------------- page

  /** One record as the table shows it. */
  public record Row(
      long id,
      String at,
      String actor,
      String source,
      String action,
      String subject,
      String target,
      String outcome,
      String outcomeClass,
      String requestId,
      String before,
      String after,
      String detail) {}

  /** The table's model: rows newest first, the next page's link (null on the last page). */
  public record Table(
      List<Row> rows, String older, String newest, String export, boolean filtered) {}

  private void page(Context ctx) throws Exception {
    SessionAuth.Signed signed = ui.signedIn(ctx);
    if (!signed.key().scope().covers(SCOPE)) {
      throw new UiError(
          403,
          "Reading the audit log needs a key of scope "
              + SCOPE.label()
              + "; the key '"
              + signed.key().name()
              + "' is "
              + signed.key().scope().label()
              + ".");
    }
    Filters filters = filters(ctx, PAGE);
    List<AuditLog.Event> found =
        store.audit().find(withCursor(filters.query(), filters.query().beforeId(), PAGE + 1));
    List<AuditLog.Event> shown = found.size() > PAGE ? found.subList(0, PAGE) : found;
    String resolved = filters.resolved();
    String older =
        found.size() > PAGE
            ? "/ui/audit?"
                + (resolved.isEmpty() ? "" : resolved + "&")
                + "before="
                + shown.get(shown.size() - 1).id()
            : null;
    String newest =
        filters.query().beforeId() == null
            ? null
            : "/ui/audit" + (resolved.isEmpty() ? "" : "?" + resolved);
    String export = "/ui/audit/export" + (resolved.isEmpty() ? "" : "?" + resolved);
    Table table =
        new Table(
            shown.stream().map(AuditPage::row).toList(), older, newest, export, filters.any());
    if ("audit".equals(ctx.header("HX-Target"))) {
      ctx.contentType(WebUi.HTML).result(ui.render("audit_table.jte", Map.of("table", table)));
      return;
    }
    Map<String, Object> p = new HashMap<>();
    p.put("page", Page.of("Audit log", signed, ui.assets(), "audit"));
    p.put("filters", filters);
    p.put("table", table);
    ui.html(ctx, "audit.jte", p);
  }

  static Row row(AuditLog.Event e) {
    List<String> subject = new ArrayList<>();
    if (e.node() != null) {
      subject.add(e.node());
    }
    if (e.project() != null) {
      subject.add(e.project());
    }
    if (e.service() != null) {
      subject.add(e.service());
    }
    String outcome = e.outcome();
    String cls = outcome.startsWith("refused") || outcome.startsWith("failed") ? "bad" : "";
    return new Row(
        e.id(),
        e.at().toString(),
        e.actor(),
        e.source() == null ? "" : e.source(),
        e.action(),
        String.join(" / ", subject),
        e.target() == null ? (e.host() == null ? "" : e.host()) : e.target(),
        outcome,
        cls,
        e.requestId() == null ? "" : e.requestId(),
        e.before(),
        e.after(),
        e.detail());
  }

  // ------------------------------------------------------------------------------ export

  private void export(Context ctx) throws Exception {
    SessionAuth.Signed signed = ui.signedIn(ctx);
    if (!signed.key().scope().covers(SCOPE)) {
      throw new UiError(403, "Exporting the audit log needs a key of scope " + SCOPE.label() + ".");
    }
    Filters filters = filters(ctx, EXPORT_BATCH);
    AuditLog.Query q = filters.query();
    int batch = Math.min(EXPORT_BATCH, exportMax);
    // The first batch before anything is sent: a store that cannot be read is still an error page.
    List<AuditLog.Event> events = store.audit().find(withCursor(q, q.beforeId(), batch));
    ctx.contentType(NDJSON);
    ctx.header(
        "Content-Disposition",
        "attachment; filename=\"selvedge-audit-" + FILE_TIME.format(clock.instant()) + ".jsonl\"");
    OutputStream out = ctx.outputStream();
    int written = 0;
    long last = 0;
    try {
      while (!events.isEmpty()) {
        for (AuditLog.Event e : events) {
          if (written == exportMax) {
            String resolved = filters.resolved();
            tail(
                out,
                "{\"truncated\":true,\"exported\":"
                    + written
                    + ",\"limit\":"
                    + exportMax
                    + ",\"continue\":\"/ui/audit/export?"
                    + (resolved.isEmpty() ? "" : resolved + "&")
                    + "before="
                    + last
                    + "\"}");
            return;
          }
          out.write(TreeJson.compact(OperationsRender.auditEvent(e)));
          out.write('\n');
          written++;
          last = e.id();
        }
        if (events.size() < batch) {
          break;
        }
        out.flush();
        events = store.audit().find(withCursor(q, last, batch));
      }
    } catch (IOException e) {
      // The client went away (a cancelled download): nothing more to send, nothing to show.
      LOG.log(System.Logger.Level.DEBUG, "UI audit export ended by the client after " + written);
    } catch (RuntimeException e) {
      // The answer is under way: the last line says it is incomplete (the cause: the log only).
      LOG.log(System.Logger.Level.WARNING, "UI audit export cut after " + written + ": " + e);
      try {
        tail(
            out,
            "{\"error\":\"the store failed: the export is incomplete\",\"exported\":"
                + written
                + "}");
      } catch (IOException gone) {
        // the client went away too
      }
    }
  }

  private static void tail(OutputStream out, String line) throws IOException {
    out.write(line.getBytes(StandardCharsets.UTF_8));
    out.write('\n');
  }
}
