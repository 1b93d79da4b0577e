package dev.selvedge.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.compose.GoDuration;
import dev.selvedge.fleet.update.AutoUpdate.StackCheck;
import dev.selvedge.fleet.update.AutoUpdateJson;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.AutoUpdateStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;

/**
 * Auto-update over HTTP: {@code GET /api/v1/autoupdate} (read scope) shows each stack that
 * auto-updates with its next check, its last check, the digests last seen and its attempts; {@code
 * POST /api/v1/autoupdate/check} (operate scope: it may start rollouts) checks every stack now.
 * docs/api.md, docs/auto-update.md.
 */
final class AutoUpdateRoutes {
  /** Attempts shown per stack. */
  static final int ATTEMPTS = 20;

  private final ControlPlane.Settings settings;
  private final AutoUpdates updates;

  AutoUpdateRoutes(ControlPlane.Settings settings, AutoUpdates updates) {
    this.settings = settings;
    this.updates = updates;
  }

  void register(RoutesConfig routes) {
    routes.get("/api/v1/autoupdate", this::list);
    routes.post("/api/v1/autoupdate/check", this::check);
  }

  private void list(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("available", updates.available());
    ArrayNode stacks = o.putArray("stacks");
    AutoUpdateStore store = settings.store().autoUpdates();
    for (AutoUpdates.StackView v : updates.view()) {
      ObjectNode s = stacks.addObject();
      var t = v.target();
      s.put("stack", t.name());
      s.put("schedule", t.policy().schedule().toString());
      if (t.policy().window() == null) {
        s.putNull("window");
      } else {
        s.put("window", t.policy().window().toString());
      }
      ArrayNode services = s.putArray("services");
      t.policy().services().forEach(services::add);
      ArrayNode waves = s.putArray("waves");
      t.policy().waves().forEach(waves::add);
      s.put("gate_timeout", GoDuration.format(t.policy().gateTimeout()));
      ArrayNode nodes = s.putArray("nodes");
      t.nodes().keySet().forEach(nodes::add);
      time(s, "next_check", v.nextCheck());
      if (v.lastCheck() == null) {
        s.putNull("last_check");
      } else {
        s.set("last_check", AutoUpdateJson.check(v.lastCheck()));
      }
      ArrayNode seen = s.putArray("seen");
      for (AutoUpdateStore.Seen x : store.seen(t.name()).values()) {
        seen.addObject()
            .put("service", x.service())
            .put("reference", x.reference())
            .put("digest", x.digest())
            .put("at", x.at().toString());
      }
      ArrayNode attempts = s.putArray("attempts");
      for (AutoUpdateStore.Attempt a : store.attempts(t.name(), ATTEMPTS)) {
        ObjectNode x =
            attempts
                .addObject()
                .put("service", a.service())
                .put("digest", a.digest())
                .put("rollout", a.rolloutId())
                .put("started_at", a.startedAt().toString());
        if (a.outcome() == null) {
          x.putNull("outcome");
        } else {
          x.put("outcome", a.outcome());
        }
      }
    }
    ControlPlane.json(ctx, o);
  }

  private void check(Context ctx) {
    List<StackCheck> checks = check(ctx, "request:" + ControlPlane.key(ctx).name());
    ControlPlane.json(ctx, AutoUpdateJson.checks(checks));
  }

  /**
   * Checks every stack now for the request's key (operate scope), noting the audit's action and
   * detail: the API's path, also the web UI's ({@link RolloutActions}).
   *
   * @param trigger who asked, as the {@code autoupdate.checked} event names it
   * @throws ApiError 403 (scope), 409 (a check is running), 503 (no registries read here)
   */
  List<StackCheck> check(Context ctx, String trigger) {
    ControlPlane.require(ctx, Scope.OPERATE);
    AuditNote.of(ctx).action("autoupdate.check");
    if (!updates.available()) {
      throw new ApiError(
          503, "not_ready", "this server reads no registries (no operations settings)");
    }
    List<StackCheck> checks =
        updates
            .checkNow(trigger)
            .orElseThrow(
                () ->
                    new ApiError(
                        409,
                        "conflict",
                        "an auto-update check is running; ask again when it ends"));
    long started = checks.stream().filter(c -> c.rolloutId() != null).count();
    AuditNote.of(ctx).detail(checks.size() + " stacks checked, " + started + " rollouts started");
    return checks;
  }

  private static void time(ObjectNode o, String key, Instant at) {
    if (at == null || at.equals(Instant.MAX)) {
      o.putNull(key);
    } else {
      o.put(key, at.toString());
    }
  }
}
