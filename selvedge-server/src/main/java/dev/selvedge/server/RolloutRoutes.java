package dev.selvedge.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.compose.GoDuration;
import dev.selvedge.fleet.rollout.RolloutException;
import dev.selvedge.fleet.rollout.RolloutJson;
import dev.selvedge.fleet.rollout.RolloutRequest;
import dev.selvedge.fleet.rollout.RolloutService;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.RolloutStore;
import dev.selvedge.port.RolloutStore.Rollout;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rollouts over HTTP (docs/rollouts.md): {@code POST /api/v1/rollouts} starts one (operate scope;
 * answered 202 once recorded, run in the background), {@code GET /api/v1/rollouts} and {@code
 * /{id}} read them (read scope), {@code POST /api/v1/rollouts/{id}/resume|abort|rollback} act on
 * one (operate scope). Every write is audited.
 */
final class RolloutRoutes {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final ControlPlane.Settings settings;
  private final Rollouts rollouts;

  RolloutRoutes(ControlPlane.Settings settings, Rollouts rollouts) {
    this.settings = settings;
    this.rollouts = rollouts;
  }

  void register(RoutesConfig routes) {
    routes.post("/api/v1/rollouts", this::start);
    routes.get("/api/v1/rollouts", this::list);
    routes.get("/api/v1/rollouts/{id}", this::one);
    routes.post("/api/v1/rollouts/{id}/resume", ctx -> act(ctx, "resume"));
    routes.post("/api/v1/rollouts/{id}/abort", ctx -> act(ctx, "abort"));
    routes.post("/api/v1/rollouts/{id}/rollback", ctx -> act(ctx, "rollback"));
  }

  private RolloutService service() {
    RolloutService s = rollouts.service();
    if (s == null) {
      throw new ApiError(503, "not_ready", "this server runs no operations");
    }
    return s;
  }

  private void start(Context ctx) {
    ControlPlane.require(ctx, Scope.OPERATE);
    AuditNote.of(ctx).action("rollout.start");
    ObjectNode body = OperationRoutes.body(ctx);
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!java.util.Set.of(
              "stack", "tag", "environment", "waves", "images", "gate_timeout", "parallel", "force")
          .contains(f)) {
        throw ApiError.badRequest("unknown field '" + f + "'");
      }
    }
    String stack = text(body, "stack", null);
    if (stack == null || stack.isBlank()) {
      throw ApiError.badRequest("stack: the stack to roll out is required");
    }
    AuditNote.of(ctx).subject(null, stack, null);
    Map<String, String> images = new TreeMap<>();
    JsonNode i = body.get("images");
    if (i != null && !i.isNull()) {
      if (!i.isObject()) {
        throw ApiError.badRequest("images: an object of service → image reference");
      }
      for (var e : i.properties()) {
        if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
          throw ApiError.badRequest("images." + e.getKey() + ": an image reference");
        }
        images.put(e.getKey(), e.getValue().asText());
      }
    }
    String gateText = text(body, "gate_timeout", "120s");
    Duration gate;
    try {
      gate = GoDuration.parse(gateText.strip());
    } catch (RuntimeException e) {
      throw ApiError.badRequest(
          "gate_timeout: write a duration such as 90s, not '" + gateText + "'");
    }
    if (gate.compareTo(Duration.ofSeconds(1)) < 0) {
      throw ApiError.badRequest("gate_timeout: at least 1s");
    }
    JsonNode p = body.get("parallel");
    if (p != null && !p.isNull() && !p.canConvertToInt()) {
      throw ApiError.badRequest("parallel: a number of nodes");
    }
    JsonNode force = body.get("force");
    if (force != null && !force.isNull() && !force.isBoolean()) {
      throw ApiError.badRequest("force: true or false");
    }
    RolloutRequest request =
        new RolloutRequest(
            stack,
            text(body, "tag", null),
            text(body, "environment", null),
            text(body, "waves", "1,25%,100%"),
            images,
            gate,
            p == null || p.isNull() ? 4 : p.asInt(),
            force != null && force.asBoolean(),
            "key:" + ControlPlane.key(ctx).name());
    String id;
    try {
      id = service().start(request);
    } catch (RolloutStore.Busy e) {
      throw new ApiError(409, "conflict", e.getMessage());
    } catch (RolloutException e) {
      throw new ApiError(422, "invalid_rollout", e.getMessage());
    }
    AuditNote.of(ctx).operation(id).detail("rollout " + id + " of " + stack);
    ctx.status(202);
    ControlPlane.json(ctx, full(service().find(id)));
  }

  private static String text(ObjectNode body, String field, String fallback) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isTextual()) {
      throw ApiError.badRequest(field + ": a string");
    }
    return n.asText();
  }

  private void list(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    ObjectNode o = F.objectNode();
    ArrayNode items = o.putArray("rollouts");
    for (Rollout r : settings.store().rollouts().list(ControlPlane.limit(ctx))) {
      items.add(RolloutJson.summary(r));
    }
    ControlPlane.json(ctx, o);
  }

  private Rollout found(String id) {
    return settings
        .store()
        .rollouts()
        .find(id)
        .orElseThrow(() -> ApiError.notFound("no rollout '" + id + "'"));
  }

  private void one(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    ControlPlane.json(ctx, full(found(ctx.pathParam("id"))));
  }

  private ObjectNode full(Rollout r) {
    return RolloutJson.full(r, settings.store().rollouts().steps(r.id()));
  }

  private void act(Context ctx, String action) {
    Rollout after = act(ctx, ctx.pathParam("id"), action);
    ctx.status(202);
    ControlPlane.json(ctx, full(after));
  }

  /**
   * Resumes, aborts or rolls back rollout {@code id} for the request's key (operate scope), noting
   * the audit's action, subject and change: the API's path, also the web UI's ({@link
   * RolloutActions}).
   *
   * @return the rollout as it is after the action
   * @throws ApiError 403 (scope), 404 (no such rollout), 409 (refused in its state), 503
   */
  Rollout act(Context ctx, String id, String action) {
    ControlPlane.require(ctx, Scope.OPERATE);
    AuditNote.of(ctx).action("rollout." + action).operation(id);
    Rollout r = found(id);
    AuditNote.of(ctx).subject(null, r.stack(), null).change(r.state().label(), null);
    RolloutService s = service();
    Rollout after;
    try {
      after =
          switch (action) {
            case "resume" -> s.resume(id);
            case "abort" -> s.abort(id, "aborted by key:" + ControlPlane.key(ctx).name());
            default -> s.rollback(id);
          };
    } catch (RolloutStore.Busy | RolloutException e) {
      throw new ApiError(409, "conflict", e.getMessage());
    }
    AuditNote.of(ctx).change(r.state().label(), after.state().label());
    return after;
  }
}
