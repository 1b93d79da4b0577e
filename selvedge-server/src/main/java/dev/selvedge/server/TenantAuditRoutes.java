package dev.selvedge.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.TenantAuditStore.AuditRun;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;

/**
 * The cross-tenant audit over HTTP: {@code POST /api/v1/audit/tenants} runs it now (operate scope:
 * it only reads, but it reads every node's engine and readbacks at once, which a read-only
 * dashboard key should not be able to set off), {@code GET /api/v1/audit/tenants} lists the kept
 * runs and {@code GET /api/v1/audit/tenants/latest} (or {@code /{id}}) answers one run with its
 * evidence (read scope). docs/api.md.
 */
final class TenantAuditRoutes {
  private final ControlPlane.Settings settings;
  private final TenantAudits audits;

  TenantAuditRoutes(ControlPlane.Settings settings, TenantAudits audits) {
    this.settings = settings;
    this.audits = audits;
  }

  void register(RoutesConfig routes) {
    routes.post("/api/v1/audit/tenants", this::run);
    routes.get("/api/v1/audit/tenants", this::list);
    routes.get("/api/v1/audit/tenants/latest", this::latest);
    routes.get("/api/v1/audit/tenants/{id}", this::one);
  }

  private void run(Context ctx) {
    ControlPlane.require(ctx, Scope.OPERATE);
    AuditNote.of(ctx).action("audit.tenants.run");
    if (!audits.available()) {
      throw new ApiError(503, "not_ready", "this server reads no engines (no operations settings)");
    }
    AuditRun run =
        audits
            .run("request:" + ControlPlane.key(ctx).name())
            .orElseThrow(
                () ->
                    new ApiError(
                        409,
                        "conflict",
                        "a cross-tenant audit is running; ask again when it ends"));
    AuditNote.of(ctx).detail("audit " + run.id() + ": " + run.result());
    ControlPlane.json(ctx, full(run));
  }

  private void list(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    Long cursor = ControlPlane.before(ctx, "an audit id");
    int limit = ControlPlane.limit(ctx);
    List<AuditRun> runs = settings.store().tenantAudits().list(limit, cursor);
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ArrayNode items = o.putArray("audits");
    runs.forEach(r -> summary(items.addObject(), r));
    if (runs.size() == limit) {
      o.put("next_before", runs.get(runs.size() - 1).id());
    } else {
      o.putNull("next_before");
    }
    ControlPlane.json(ctx, o);
  }

  private void latest(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    AuditRun run =
        settings
            .store()
            .tenantAudits()
            .latest()
            .orElseThrow(() -> ApiError.notFound("no cross-tenant audit has run yet"));
    ControlPlane.json(ctx, full(run));
  }

  private void one(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    long id;
    try {
      id = Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw ApiError.notFound("no cross-tenant audit '" + ctx.pathParam("id") + "'");
    }
    AuditRun run =
        settings
            .store()
            .tenantAudits()
            .find(id)
            .orElseThrow(() -> ApiError.notFound("no cross-tenant audit " + id));
    ControlPlane.json(ctx, full(run));
  }

  private static void summary(ObjectNode o, AuditRun r) {
    o.put("id", r.id());
    o.put("at", r.at().toString());
    o.put("trigger", r.trigger());
    o.put("result", r.result());
    o.put("findings", r.findings());
  }

  private static ObjectNode full(AuditRun r) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    summary(o, r);
    o.set("evidence", evidence(r));
    return o;
  }

  static JsonNode evidence(AuditRun r) {
    try {
      return TreeJson.readFirst(r.evidence());
    } catch (IOException e) {
      throw new IllegalStateException("a kept audit is not JSON", e);
    }
  }
}
