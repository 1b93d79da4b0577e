package dev.selvedge.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.SelvedgeException;
import dev.selvedge.json.TreeJson;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.keys.KeyAudit;
import dev.selvedge.operations.AuditFilter;
import dev.selvedge.operations.render.OperationsRender;
import dev.selvedge.port.ApiKeyStore.ApiKey;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Store;
import dev.selvedge.port.StoreException;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.ParsedEndpoint;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The audit log's side of the API: every write request under {@code /api/v1} is recorded once it is
 * answered, allowed or refused (an after-handler, which Javalin runs even when authentication
 * threw, and before the answer is sent); API keys are created and revoked ({@code POST/DELETE
 * /api/v1/keys}, admin scope); the log is read with filters and pages ({@code GET /api/v1/audit},
 * read scope: operators reading what happened is its point, and it holds no secret).
 *
 * <p>A request that cannot be audited because the store fails is not turned into an error: its
 * answer is already decided (a mutation needs the store first, so it was refused with 503), the
 * failure is said on the server's log and counted.
 */
final class AuditRoutes {
  static final String AUDIT = "/api/v1/audit";
  static final String KEYS = "/api/v1/keys";
  static final String KEY = "/api/v1/keys/{name}";

  /** The largest body {@code POST /api/v1/keys} reads. */
  static final int MAX_BODY = 4096;

  private static final int DEFAULT_LIMIT = 50;
  private static final Set<String> AUDIT_PARAMS =
      Set.of("actor", "node", "stack", "action", "since", "until", "limit", "before");
  private static final Set<String> KEY_FIELDS = Set.of("name", "scope");
  private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final Store store;
  private final ApiKeys keys;
  private final Clock clock;
  private final Consumer<String> log;
  private final Runnable failed;
  private Supplier<Javalin> app = () -> null;

  /**
   * @param log where a request that could not be audited is said (the server's standard error)
   * @param failed counts such a request (a metric)
   */
  AuditRoutes(Store store, Clock clock, Consumer<String> log, Runnable failed) {
    this.store = store;
    this.keys = new ApiKeys(store.apiKeys(), clock);
    this.clock = clock;
    this.log = log;
    this.failed = failed;
  }

  /** Adds the routes and the after-handler; {@code javalin} gives the app once it exists. */
  void register(JavalinConfig config, Supplier<Javalin> javalin) {
    this.app = javalin;
    config.routes.post(KEYS, this::createKey);
    config.routes.delete(KEY, this::revokeKey);
    config.routes.get(AUDIT, this::read);
    config.routes.after("/api/v1/*", this::audit);
  }

  // --------------------------------------------------------------------------- the record

  /** Records the write request once (the after-handler's, and the web UI's forms' record). */
  void audit(Context ctx) {
    String method = ctx.req().getMethod();
    if (READS.contains(method) || Boolean.TRUE.equals(ctx.attribute(AUDITED))) {
      return;
    }
    try {
      store.audit().record(event(ctx, method));
    } catch (RuntimeException e) {
      failed.run();
      log.accept(
          "could not audit "
              + method
              + " "
              + ctx.path()
              + " (request "
              + ControlPlane.requestId(ctx)
              + ", answered "
              + ctx.statusCode()
              + "): "
              + e.getMessage());
    }
  }

  private static final String AUDITED = "selvedge.audited";

  /**
   * Records the request's event now, answered {@code status}, for a handler that must not act
   * before its request is in the audit log (an operation is started only once it is); the
   * after-handler then records nothing more for it.
   *
   * @throws dev.selvedge.port.StoreException when the store does not take it (then the request must
   *     do nothing: 503)
   */
  void recordNow(Context ctx, int status) {
    ctx.status(status);
    store.audit().record(event(ctx, ctx.req().getMethod()));
    ctx.attribute(AUDITED, Boolean.TRUE);
  }

  /** The request's audit event: the note its handler left, else what the route says. */
  AuditLog.Event event(Context ctx, String method) {
    ApiKey key = ControlPlane.key(ctx);
    AuditNote note = AuditNote.peek(ctx);
    if (note == null) {
      note = new AuditNote();
    }
    String route = ctx.path();
    Map<String, String> params = Map.of();
    ParsedEndpoint matched = route(ctx, method);
    if (matched != null) {
      route = matched.endpoint.path;
      params = matched.extractPathParams(ctx.path());
    }
    int status = ctx.statusCode();
    String detail = note.detail;
    if (detail == null) {
      detail = ControlPlane.errorMessage(ctx);
    }
    if (note.operation != null) {
      detail = "operation " + note.operation + (detail == null ? "" : ": " + detail);
    }
    return new AuditLog.Event(
        0,
        clock.instant(),
        key == null ? "anonymous" : "key:" + key.name(),
        ctx.ip(),
        note.action != null ? note.action : method + " " + route,
        note.node != null ? note.node : params.get("node"),
        null,
        note.stack != null ? note.stack : params.get("stack"),
        note.service != null ? note.service : params.get("service"),
        null,
        note.before,
        note.after,
        outcome(status),
        ControlPlane.requestId(ctx),
        detail);
  }

  /** {@code accepted 202}, {@code refused 403}, {@code failed 503}. */
  static String outcome(int status) {
    if (status < 400) {
      return "accepted " + status;
    }
    return (status < 500 ? "refused " : "failed ") + status;
  }

  /**
   * The route the request's path and method match, found again: a request refused before its
   * handler ran (401, 429) has none on its context, yet its route and path parameters say what was
   * asked.
   */
  private ParsedEndpoint route(Context ctx, String method) {
    try {
      Javalin javalin = app.get();
      if (javalin == null) {
        return null;
      }
      return javalin.unsafe.internalRouter.findFirstHttpHandlerEntry(
          new HandlerType(method), ctx.path());
    } catch (RuntimeException e) {
      return null; // the path alone is recorded
    }
  }

  // ------------------------------------------------------------------------------- keys

  private void createKey(Context ctx) {
    ControlPlane.require(ctx, Scope.ADMIN);
    JsonNode body = body(ctx);
    Map<String, String> fields = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = body.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!KEY_FIELDS.contains(e.getKey())) {
        throw ApiError.badRequest(
            e.getKey()
                + ": unknown field (known: "
                + String.join(", ", List.of("name", "scope"))
                + ")");
      }
      if (!e.getValue().isTextual()) {
        throw ApiError.badRequest(e.getKey() + ": must be a string");
      }
      fields.put(e.getKey(), e.getValue().asText());
    }
    String name = fields.get("name");
    if (name == null) {
      throw ApiError.badRequest("name: required");
    }
    if (!ApiKeys.validName(name)) {
      throw ApiError.badRequest(
          "name: use 1 to 100 letters, digits and . _ @ - (starting with a letter or digit)");
    }
    String label = fields.get("scope");
    if (label == null) {
      throw ApiError.badRequest("scope: required (read, operate or admin)");
    }
    Scope scope = Scope.parse(label);
    if (scope == null) {
      throw ApiError.badRequest("scope: '" + label + "' is not read, operate or admin");
    }
    AuditNote note = AuditNote.of(ctx).action(KeyAudit.CREATE);
    ApiKeys.Created created;
    try {
      created = keys.create(name, scope);
    } catch (StoreException e) {
      throw e;
    } catch (SelvedgeException e) {
      throw new ApiError(409, "conflict", e.getMessage());
    }
    note.change(null, KeyAudit.describe(created.key()));
    ObjectNode o = keyJson(created.key());
    o.put("token", created.token());
    ctx.status(201);
    ctx.header("Location", KEYS + "/" + URLEncoder.encode(name, StandardCharsets.UTF_8));
    ControlPlane.json(ctx, o);
  }

  private void revokeKey(Context ctx) {
    ControlPlane.require(ctx, Scope.ADMIN);
    String name = ctx.pathParam("name");
    AuditNote note = AuditNote.of(ctx).action(KeyAudit.REVOKE);
    ApiKey key =
        keys.list().stream()
            .filter(k -> k.name().equals(name))
            .findFirst()
            .orElseThrow(() -> ApiError.notFound("there is no API key named '" + name + "'"));
    if (key.revoked()) {
      throw new ApiError(409, "conflict", "the API key '" + name + "' is revoked already");
    }
    try {
      keys.revoke(name);
    } catch (StoreException e) {
      throw e;
    } catch (SelvedgeException e) {
      throw new ApiError(409, "conflict", e.getMessage());
    }
    note.change(KeyAudit.describe(key), "revoked");
    ApiKey revoked =
        keys.list().stream().filter(k -> k.name().equals(name)).findFirst().orElse(key);
    ControlPlane.json(ctx, keyJson(revoked));
  }

  private static ObjectNode keyJson(ApiKey k) {
    ObjectNode o = F.objectNode();
    o.put("name", k.name());
    o.put("scope", k.scope().label());
    o.put("created_at", k.createdAt() == null ? null : k.createdAt().toString());
    o.put("last_used_at", k.lastUsedAt() == null ? null : k.lastUsedAt().toString());
    o.put("revoked_at", k.revokedAt() == null ? null : k.revokedAt().toString());
    return o;
  }

  /** The request's JSON object body, at most {@link #MAX_BODY} bytes. */
  private static JsonNode body(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > MAX_BODY) {
      throw new ApiError(413, "too_large", "the body is larger than " + MAX_BODY + " bytes");
    }
    byte[] bytes;
    try {
      bytes = ctx.req().getInputStream().readNBytes(MAX_BODY + 1);
    } catch (IOException e) {
      throw ApiError.badRequest("the body could not be read: " + e.getMessage());
    }
    if (bytes.length > MAX_BODY) {
      throw new ApiError(413, "too_large", "the body is larger than " + MAX_BODY + " bytes");
    }
    JsonNode node;
    try {
      node = TreeJson.read(bytes, null);
    } catch (IOException | RuntimeException e) {
      throw ApiError.badRequest("the body is not JSON: send {\"name\": ..., \"scope\": ...}");
    }
    if (node == null || !node.isObject()) {
      throw ApiError.badRequest("the body must be a JSON object: {\"name\": ..., \"scope\": ...}");
    }
    return node;
  }

  // ----------------------------------------------------------------------------- reading

  private void read(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    for (String p : ctx.queryParamMap().keySet()) {
      if (!AUDIT_PARAMS.contains(p)) {
        throw ApiError.badRequest(
            p
                + ": unknown query parameter (known: actor, node, stack, action, since, until,"
                + " limit, before)");
      }
    }
    AuditLog.Query query;
    try {
      java.time.Instant now = clock.instant();
      query =
          AuditFilter.query(
              ctx.queryParam("actor"),
              ctx.queryParam("node"),
              ctx.queryParam("stack"),
              ctx.queryParam("action"),
              AuditFilter.time("since", ctx.queryParam("since"), now),
              AuditFilter.time("until", ctx.queryParam("until"), now),
              AuditFilter.id("before", ctx.queryParam("before")),
              AuditFilter.limit("limit", ctx.queryParam("limit"), DEFAULT_LIMIT));
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(e.getMessage());
    }
    // One more than asked: whether there is a next page.
    List<AuditLog.Event> found =
        store
            .audit()
            .find(
                new AuditLog.Query(
                    query.actor(),
                    query.node(),
                    query.stack(),
                    query.action(),
                    query.since(),
                    query.until(),
                    query.beforeId(),
                    query.limit() + 1));
    List<AuditLog.Event> page =
        found.size() > query.limit() ? found.subList(0, query.limit()) : found;
    ObjectNode root = F.objectNode();
    var arr = root.putArray("events");
    page.forEach(e -> arr.add(OperationsRender.auditEvent(e)));
    if (found.size() > query.limit()) {
      root.put("next", next(query, page.get(page.size() - 1).id()));
    } else {
      root.putNull("next");
    }
    ControlPlane.json(ctx, root);
  }

  /**
   * The next page: the same filters, times as resolved for this page (an age such as {@code 15m}
   * would move), before the page's last id.
   */
  private static String next(AuditLog.Query q, long lastId) {
    List<String> parts = new ArrayList<>();
    param(parts, "actor", q.actor());
    param(parts, "node", q.node());
    param(parts, "stack", q.stack());
    param(parts, "action", q.action());
    param(parts, "since", q.since() == null ? null : q.since().toString());
    param(parts, "until", q.until() == null ? null : q.until().toString());
    param(parts, "limit", Integer.toString(q.limit()));
    param(parts, "before", Long.toString(lastId));
    return AUDIT + "?" + String.join("&", parts);
  }

  private static void param(List<String> parts, String name, String value) {
    if (value != null) {
      parts.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }
}
