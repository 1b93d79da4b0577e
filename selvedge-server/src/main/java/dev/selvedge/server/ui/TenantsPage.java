package dev.selvedge.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.Store;
import dev.selvedge.port.TenantAuditStore.AuditRun;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The latest cross-tenant audit in the web UI: {@code /ui/tenants}, its findings as a table (kept
 * evidence: fingerprints only) and what could not be read. A read: any signed-in key sees it, as
 * {@code GET /api/v1/audit/tenants/latest}.
 */
public final class TenantsPage {
  private final WebUi ui;
  private final Store store;

  TenantsPage(WebUi ui, Store store) {
    this.ui = ui;
    this.store = store;
  }

  /** A finding as the page shows it. */
  public record Row(
      String node,
      String stack,
      String service,
      String kind,
      String key,
      String others,
      String message) {}

  /** What could not be read. */
  public record Unread(String node, String stack, String reason) {}

  void register(RoutesConfig routes) {
    routes.get("/ui/tenants", ui.page(this::page));
  }

  private void page(Context ctx) {
    SessionAuth.Signed signed = ui.signedIn(ctx);
    Optional<AuditRun> run = store.tenantAudits().latest();
    List<Row> rows = new ArrayList<>();
    List<Unread> unread = new ArrayList<>();
    if (run.isPresent()) {
      JsonNode evidence;
      try {
        evidence = TreeJson.readFirst(run.get().evidence());
      } catch (IOException e) {
        throw new IllegalStateException("a kept audit is not JSON", e);
      }
      for (JsonNode f : evidence.path("findings")) {
        List<String> others = new ArrayList<>();
        f.path("others").forEach(o -> others.add(o.asText()));
        rows.add(
            new Row(
                text(f, "node"),
                text(f, "stack"),
                text(f, "service"),
                text(f, "class"),
                text(f, "key"),
                String.join(", ", others),
                text(f, "message")));
      }
      for (JsonNode u : evidence.path("unread")) {
        unread.add(new Unread(text(u, "node"), text(u, "stack"), text(u, "reason")));
      }
    }
    Map<String, Object> p = new HashMap<>();
    p.put("page", Page.of("Tenants", signed, ui.assets(), "tenants"));
    p.put("run", run.orElse(null));
    p.put("rows", rows);
    p.put("unread", unread);
    ui.html(ctx, "tenants.jte", p);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
