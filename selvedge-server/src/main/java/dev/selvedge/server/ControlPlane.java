package dev.selvedge.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.SelvedgeException;
import dev.selvedge.Version;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.FleetJson;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.fleet.StackState;
import dev.selvedge.json.TreeJson;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.operations.HostIdentity;
import dev.selvedge.operations.render.OperationsRender;
import dev.selvedge.port.ApiKeyStore.ApiKey;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.Store;
import dev.selvedge.port.StoreException;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.EventPublisher;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The control plane's HTTP side: health, readiness, version, metrics and the OpenAPI document
 * without a key; the read API under {@code /api/v1} with a bearer token. Every error is a JSON
 * {@code {"error", "message"}} body, never a stack trace.
 */
public final class ControlPlane implements AutoCloseable {

  /**
   * What the server reads.
   *
   * @param host the address to bind (loopback unless told otherwise)
   * @param port 0 for any free port
   * @param fleet the fleet registry and each node's last known state (the poller)
   * @param schemaVersion the store's schema version, for {@code /version}
   * @param stream the live event stream ({@code GET /api/v1/events})
   * @param events where the server's parts publish their events: the stream, or a test's recorder
   *     in front of it
   * @param operations what the operations API needs; null: no operations API (a read-only server)
   */
  public record Settings(
      String host,
      int port,
      Store store,
      FleetView fleet,
      ServerMetrics metrics,
      Clock clock,
      String schemaVersion,
      EventHub stream,
      EventPublisher events,
      OperationSettings operations) {
    public Settings {
      Objects.requireNonNull(events, "events");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(fleet, "fleet");
      Objects.requireNonNull(metrics, "metrics");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(stream, "stream");
      Objects.requireNonNull(events, "events");
    }

    /** A read-only server: no operations API. */
    public Settings(
        String host,
        int port,
        Store store,
        FleetView fleet,
        ServerMetrics metrics,
        Clock clock,
        String schemaVersion,
        EventHub stream) {
      this(host, port, store, fleet, metrics, clock, schemaVersion, stream, stream, null);
    }
  }

  static final String JSON = "application/json";

  /** What a client is told when the store fails: never the store's host, database or file. */
  static final String STORE_DOWN = "the store cannot be reached; try again shortly";

  private static final String KEY = "selvedge.key";
  private static final String STARTED = "selvedge.started";
  private static final String REQUEST_ID = "selvedge.request";
  private static final String ERROR = "selvedge.error";
  private static final java.util.regex.Pattern CLIENT_REQUEST_ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final java.security.SecureRandom IDS = new java.security.SecureRandom();
  private static final int DEFAULT_LIMIT = 50;
  private static final int MAX_LIMIT = 1000;

  /** Failed authentications allowed per address and minute before it gets 429. */
  static final int AUTH_FAILURES = 10;

  static final Duration AUTH_WINDOW = Duration.ofMinutes(1);

  private final Settings settings;
  private final ApiKeys keys;
  private final FailedAuthLimiter limiter;
  private final byte[] openApi;
  private final FleetAnswers fleetAnswers;
  private final AuditRoutes audit;
  private final dev.selvedge.server.ui.WebUi ui;
  private final Javalin app;
  private final OperationRoutes operations;
  private final TenantAudits tenantAudits;
  private final AutoUpdates autoUpdates;
  private final Rollouts rollouts;
  private final NotificationRoutes notifications;

  private ControlPlane(Settings settings) {
    this.settings = settings;
    this.keys = new ApiKeys(settings.store().apiKeys(), settings.clock());
    this.limiter = new FailedAuthLimiter(AUTH_FAILURES, AUTH_WINDOW, settings.clock());
    this.openApi = openApiDocument();
    this.fleetAnswers = new FleetAnswers(settings.fleet(), settings.clock());
    this.audit =
        new AuditRoutes(
            settings.store(),
            settings.clock(),
            line -> System.err.println("selvedge: " + line),
            settings.metrics()::auditFailed);
    this.operations = settings.operations() == null ? null : new OperationRoutes(this, settings);
    this.tenantAudits = new TenantAudits(settings, line -> System.err.println("selvedge: " + line));
    this.autoUpdates = new AutoUpdates(settings, line -> System.err.println("selvedge: " + line));
    this.rollouts = new Rollouts(settings);
    this.notifications = new NotificationRoutes(settings);
    this.ui =
        webUi(settings, keys, limiter)
            .actions(operations == null ? null : new StackActions(operations, audit))
            .rollouts(new RolloutActions(settings, rollouts, autoUpdates, audit));
    this.app =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              config.startup.startupWatcherEnabled = false;
              config.concurrency.useVirtualThreads = true;
              config.http.prefer405over404 = true;
              config.http.maxRequestSize = OperationRoutes.MAX_BODY;
              config.jetty.modifyHttpConfiguration(http -> http.setSendServerVersion(false));
              config.jetty.modifyServer(server -> server.setStopTimeout(5_000));
              // The event stream's clients send one small message at most; the server pings
              // every 30 s, so a live connection is never idle for long.
              config.jetty.modifyWebSocketServletFactory(
                  ws -> {
                    ws.setMaxTextMessageSize(1024);
                    ws.setMaxBinaryMessageSize(1024);
                    ws.setIdleTimeout(Duration.ofMinutes(2));
                  });
              config.routes.before(this::begin);
              config.routes.before("/api/v1/*", this::authenticate);
              config.routes.get("/healthz", ctx -> json(ctx, "{\"status\":\"ok\"}"));
              config.routes.get("/readyz", this::ready);
              config.routes.get("/version", this::version);
              config.routes.get("/metrics", this::metrics);
              config.routes.get("/openapi.json", ctx -> ctx.contentType(JSON).result(openApi));
              config.routes.get("/api/v1/fleet", this::fleet);
              config.routes.get("/api/v1/nodes/{node}", this::node);
              config.routes.get("/api/v1/nodes/{node}/history", this::history);
              config.routes.get("/api/v1/nodes/{node}/stacks/{stack}", this::stackReport);
              config.routes.get("/api/v1/nodes/{node}/stacks/{stack}/drift", this::stackReport);
              config.routes.get(
                  "/api/v1/nodes/{node}/stacks/{stack}/deployments", this::deployments);
              config.routes.get("/api/v1/keys", this::listKeys);
              new ClusterRoutes(
                      settings.store().replicas(), settings.clock(), ReplicaHeartbeat.PERIOD)
                  .register(config.routes);
              audit.register(config, this::javalin);
              if (operations != null) {
                operations.register(config.routes);
              }
              new ParityRoutes(settings).register(config.routes);
              new TenantAuditRoutes(settings, tenantAudits).register(config.routes);
              new AutoUpdateRoutes(settings, autoUpdates).register(config.routes);
              new RolloutRoutes(settings, rollouts).register(config.routes);
              notifications.register(config.routes);
              EventStream.register(config.routes, settings.stream(), this::authenticateUpgrade);
              ui.register(config.routes); // the web UI: /, /ui/... (after the API's routes)
              config.routes.exception(
                  ApiError.class, (e, ctx) -> error(ctx, e.status, e.code, e.getMessage()));
              config.routes.exception(
                  HttpResponseException.class,
                  (e, ctx) -> error(ctx, e.getStatus(), code(e.getStatus()), message(e)));
              config.routes.exception(
                  StoreException.class,
                  (e, ctx) -> {
                    // The store's text names its host and database, or its file: the log only.
                    System.err.println("selvedge: " + ctx.path() + ": " + e.getMessage());
                    error(ctx, 503, "store_unavailable", STORE_DOWN);
                  });
              config.routes.exception(
                  EngineUnreachableException.class,
                  (e, ctx) -> error(ctx, 502, "engine_failed", e.getMessage()));
              config.routes.exception(
                  EngineException.class,
                  (e, ctx) -> error(ctx, 502, "engine_failed", e.getMessage()));
              // Any other deliberate error (its message is written for users, secret-free) is
              // the server's own failure, not the store's.
              config.routes.exception(
                  SelvedgeException.class, (e, ctx) -> error(ctx, 500, "internal", e.getMessage()));
              config.routes.exception(
                  Exception.class,
                  (e, ctx) ->
                      error(
                          ctx,
                          500,
                          "internal",
                          "internal error ("
                              + e.getClass().getSimpleName()
                              + "): please report it"));
              config.routes.after(this::end);
            });
  }

  /**
   * Starts serving.
   *
   * @throws SelvedgeException when the address cannot be bound
   */
  public static ControlPlane start(Settings settings) {
    ControlPlane plane = new ControlPlane(settings);
    if (plane.operations != null) {
      // A server stopped mid-operation left it queued or running: it will never end now.
      plane.operations.interruptUnfinished();
    }
    try {
      plane.app.start(settings.host(), settings.port());
    } catch (RuntimeException e) {
      plane.app.stop();
      throw new SelvedgeException(
          "cannot listen on " + settings.host() + ":" + settings.port() + ": " + rootMessage(e), e);
    }
    return plane;
  }

  /** The audit's side of the API (a handler records its request before it acts). */
  AuditRoutes audit() {
    return audit;
  }

  /** The app, for the audit's route lookup (null until constructed). */
  private Javalin javalin() {
    return app;
  }

  /** The cross-tenant audit: {@code serve} starts its schedule. */
  TenantAudits tenantAudits() {
    return tenantAudits;
  }

  /** Auto-update: {@code serve} gives it its rollout starter and starts its schedule. */
  AutoUpdates autoUpdates() {
    return autoUpdates;
  }

  /**
   * The rollouts' use case on this server (auto-update starts rollouts through {@link
   * RolloutService#start}), or null when it runs no operations. {@code serve} starts the take-over
   * of expired rollouts with {@link #startRollouts}.
   */
  public dev.selvedge.fleet.rollout.RolloutService rollouts() {
    return rollouts.service();
  }

  /** How auto-update starts rollouts on this server. */
  dev.selvedge.fleet.update.RolloutStarter rolloutStarter() {
    return rollouts.starter();
  }

  /** Takes over rollouts whose owner's lease ran out, now and periodically (until closed). */
  public void startRollouts() {
    rollouts.start();
  }

  /** The notification routes, to attach serve's notifier to. */
  public NotificationRoutes notifications() {
    return notifications;
  }

  /** The port it listens on. */
  public int port() {
    return app.port();
  }

  /** Stops accepting, lets requests under way finish (a few seconds at most). */
  @Override
  public void close() {
    tenantAudits.close();
    autoUpdates.close();
    rollouts.close();
    app.stop();
    if (operations != null) {
      operations.close();
    }
  }

  // ------------------------------------------------------------------------- request life

  private void begin(Context ctx) {
    ctx.attribute(STARTED, System.nanoTime());
    String given = ctx.header("X-Request-Id");
    String requestId =
        given != null && CLIENT_REQUEST_ID.matcher(given).matches() ? given : newRequestId();
    ctx.attribute(REQUEST_ID, requestId);
    ctx.header("X-Request-Id", requestId);
    String origin = ctx.header("Origin");
    if (origin == null || !settings.fleet().fleet().corsOrigins().contains(origin)) {
      return; // CORS off, or not an allowed origin: no header, the browser refuses
    }
    ctx.header("Access-Control-Allow-Origin", origin);
    ctx.header("Vary", "Origin");
    ctx.header("Access-Control-Expose-Headers", "Retry-After, X-Request-Id");
    if ("OPTIONS".equals(ctx.req().getMethod())
        && ctx.header("Access-Control-Request-Method") != null) {
      ctx.header("Access-Control-Allow-Methods", "GET");
      ctx.header("Access-Control-Allow-Headers", "Authorization");
      ctx.header("Access-Control-Max-Age", "600");
      ctx.status(204);
      ctx.skipRemainingHandlers();
    }
  }

  private void end(Context ctx) {
    Long started = ctx.attribute(STARTED);
    Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
    String route;
    if (endpoint != null) {
      route = endpoint.path;
    } else {
      route = ctx.path().startsWith("/api/v1/") ? "/api/v1/*" : "unmatched";
    }
    settings
        .metrics()
        .httpRequest(
            ctx.req().getMethod(),
            route,
            ctx.statusCode(),
            started == null ? 0 : System.nanoTime() - started);
  }

  private void authenticate(Context ctx) {
    if ("OPTIONS".equals(ctx.req().getMethod())) {
      return; // a preflight carries no credentials
    }
    String address = ctx.ip();
    Duration wait = limiter.retryAfter(address);
    if (!wait.isZero()) {
      long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
      ctx.header("Retry-After", Long.toString(seconds));
      throw new ApiError(
          429,
          "too_many_attempts",
          "too many failed authentications from this address: wait "
              + seconds
              + " s (Retry-After)");
    }
    String header = ctx.header("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      limiter.failed(address);
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ApiError(401, "unauthorized", "send an API key: Authorization: Bearer TOKEN");
    }
    Optional<ApiKey> key = keys.authenticate(header.substring(7).strip());
    if (key.isEmpty()) {
      limiter.failed(address);
      ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      throw new ApiError(401, "unauthorized", "the API key is unknown or revoked");
    }
    ctx.attribute(KEY, key.get());
  }

  /**
   * A WebSocket upgrade under {@code /api/v1} (Javalin runs no HTTP before-handler on one): a
   * request id, then a bearer key as every API request, or (without an {@code Authorization}
   * header) the web UI's session cookie. A browser sends cookies on a cross-site WebSocket too and
   * the same-origin policy does not cover WebSockets, so a session is taken only from this server's
   * own pages: the upgrade's {@code Origin} must name this server.
   */
  private EventStream.StillAllowed authenticateUpgrade(Context ctx) {
    begin(ctx);
    String session = ctx.cookie(dev.selvedge.server.ui.SessionAuth.COOKIE);
    if (ctx.header("Authorization") == null && session != null && !session.isEmpty()) {
      if (!dev.selvedge.server.ui.WebUi.fromOwnPage(ctx)) {
        throw new ApiError(
            403,
            "forbidden",
            "a session's event stream is opened only by this server's own pages (Origin)");
      }
      Optional<ApiKey> key = ui.sessions().keyFor(ctx);
      if (key.isEmpty()) {
        // Not counted as a failed authentication: a session token (256 random bits) cannot be
        // guessed, and a page left open would otherwise lock its whole address out of sign-in.
        return EventStream.SESSION_ENDED;
      }
      ctx.attribute(KEY, key.get());
      return new EventStream.StillAllowed(
          () -> ui.sessions().stillSignedIn(session),
          "the session ended (signed out or expired) or its API key was revoked");
    }
    authenticate(ctx);
    return EventStream.keyStillValid(settings.store().apiKeys(), key(ctx).tokenHash());
  }

  private static dev.selvedge.server.ui.WebUi webUi(
      Settings settings, ApiKeys keys, FailedAuthLimiter limiter) {
    var sessions =
        new dev.selvedge.server.ui.SessionAuth(
            settings.store().uiSessions(), settings.store().apiKeys(), settings.clock());
    return new dev.selvedge.server.ui.WebUi(
        settings.store(),
        settings.fleet(),
        keys,
        sessions,
        settings.clock(),
        limiter::retryAfter,
        limiter::failed);
  }

  /**
   * The key of the request's web UI session (the session cookie), for routes the UI's pages call
   * (such as the event stream); empty without a valid session. The JSON API takes bearer keys only.
   */
  java.util.Optional<ApiKey> sessionKey(Context ctx) {
    return ui.sessions().keyFor(ctx);
  }

  /** The request's id: the client's {@code X-Request-Id} when it is a plain token, else made. */
  static String requestId(Context ctx) {
    return ctx.attribute(REQUEST_ID);
  }

  private static String newRequestId() {
    byte[] b = new byte[12];
    IDS.nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }

  /** The message of the error the request was answered with; null when it succeeded. */
  static String errorMessage(Context ctx) {
    return ctx.attribute(ERROR);
  }

  /** The request's authenticated key; null before authentication or on an open route. */
  static ApiKey key(Context ctx) {
    return ctx.attribute(KEY);
  }

  /** Makes {@code key} the request's key, for a web UI request authenticated by its session. */
  static void actAs(Context ctx, ApiKey key) {
    ctx.attribute(KEY, key);
  }

  static void require(Context ctx, Scope needed) {
    ApiKey key = ctx.attribute(KEY);
    if (key == null || !key.scope().covers(needed)) {
      throw new ApiError(
          403,
          "forbidden",
          "this needs a key of scope "
              + needed.label()
              + (key == null ? "" : "; the key '" + key.name() + "' is " + key.scope().label()));
    }
  }

  // ---------------------------------------------------------------------------- open routes

  private void ready(Context ctx) {
    Optional<String> reason;
    try {
      settings.store().apiKeys().count();
      reason = settings.fleet().readiness();
    } catch (SelvedgeException e) {
      System.err.println("selvedge: /readyz: " + e.getMessage());
      reason = Optional.of(STORE_DOWN);
    }
    if (reason.isPresent()) {
      ctx.status(503);
      json(ctx, ApiJson.error("not_ready", reason.get()));
    } else {
      json(ctx, "{\"status\":\"ready\"}");
    }
  }

  private void version(Context ctx) {
    var o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    o.put("version", Version.current());
    o.put("revision", Version.revision());
    o.put("schema_version", settings.schemaVersion());
    json(ctx, o);
  }

  private void metrics(Context ctx) {
    settings.metrics().pills(settings.fleet().view());
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(settings.metrics().scrape());
  }

  // ------------------------------------------------------------------------------- the API

  private void fleet(Context ctx) {
    require(ctx, Scope.READ);
    String tag = ctx.queryParam("tag");
    String environment = ctx.queryParam("environment");
    ctx.contentType(JSON).result(fleetAnswers.answer(tag, environment));
  }

  private void node(Context ctx) {
    require(ctx, Scope.READ);
    json(ctx, FleetJson.node(nodeView(ctx)));
  }

  private void history(Context ctx) {
    require(ctx, Scope.READ);
    NodeView node = nodeView(ctx);
    String id = node.node().id();
    json(ctx, FleetJson.history(id, settings.store().fleetState().history(id, limit(ctx))));
  }

  /** The stored evidence report: what {@code selvedge status/drift --format json} print. */
  private void stackReport(Context ctx) {
    require(ctx, Scope.READ);
    NodeView view = nodeView(ctx);
    Fleet.Node node = view.node();
    Fleet.Stack stack = fleetStack(ctx, node);
    StackState st = stack(view.state(), stack.name());
    if (st == null) {
      throw new ApiError(
          409,
          "not_swept",
          "stack '" + stack.name() + "' on node '" + node.id() + "' has not been swept yet");
    }
    if (st.report() == null) {
      throw new ApiError(
          502,
          "engine_failed",
          "stack '"
              + stack.name()
              + "' on node '"
              + node.id()
              + "' could not be read: "
              + String.join("; ", st.reasons()));
    }
    json(ctx, st.report());
  }

  private void deployments(Context ctx) {
    require(ctx, Scope.READ);
    NodeView view = nodeView(ctx);
    Fleet.Stack stack = fleetStack(ctx, view.node());
    String host = historyKey(view.node(), view.state());
    json(
        ctx,
        OperationsRender.historyJson(
            settings.store().deployments().history(host, stack.project(), limit(ctx))));
  }

  /**
   * The key a node's deployment history is stored under: the engine's identity ({@link
   * HostIdentity}), from the daemon ID of the node's last sweep that reached it; the endpoint as
   * written in the fleet file while it was never reached (where an older Selvedge kept it).
   */
  static String historyKey(Fleet.Node node, NodeState state) {
    String daemonId = state == null || state.facts() == null ? null : state.facts().daemonId();
    return HostIdentity.of(daemonId, node.engine());
  }

  private void listKeys(Context ctx) {
    require(ctx, Scope.ADMIN);
    json(ctx, ApiJson.keys(keys.list()));
  }

  NodeView nodeView(Context ctx) {
    String id = ctx.pathParam("node");
    if (!settings.fleet().fleet().nodes().containsKey(id)) {
      throw ApiError.notFound("no node '" + id + "' in the fleet");
    }
    return settings.fleet().view().stream()
        .filter(v -> v.node().id().equals(id))
        .findFirst()
        .orElseThrow(() -> ApiError.notFound("no node '" + id + "' in the fleet"));
  }

  private static StackState stack(NodeState state, String name) {
    if (state == null) {
      return null;
    }
    return state.stacks().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
  }

  static Fleet.Stack fleetStack(Context ctx, Fleet.Node node) {
    String name = ctx.pathParam("stack");
    Fleet.Stack stack = node.stacks().get(name);
    if (stack == null) {
      throw ApiError.notFound("node '" + node.id() + "' runs no stack '" + name + "'");
    }
    return stack;
  }

  static int limit(Context ctx) {
    String raw = ctx.queryParam("limit");
    if (raw == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(raw);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw ApiError.badRequest("limit: a whole number from 1 to " + MAX_LIMIT);
  }

  /**
   * The {@code before} cursor of a list read newest first (rows with a smaller id), or null when
   * not given.
   *
   * @param what what the id names, for the error ("a delivery id")
   */
  static Long before(Context ctx, String what) {
    String raw = ctx.queryParam("before");
    if (raw == null) {
      return null;
    }
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("before: " + what + ", not '" + raw + "'");
    }
  }

  // ------------------------------------------------------------------------------- writing

  static void json(Context ctx, JsonNode node) {
    ctx.contentType(JSON).result(TreeJson.compact(node));
  }

  static void json(Context ctx, String text) {
    ctx.contentType(JSON).result(text);
  }

  private static void error(Context ctx, int status, String code, String message) {
    ctx.attribute(ERROR, message);
    ctx.status(status);
    json(ctx, ApiJson.error(code, message));
  }

  private static String code(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 413 -> "too_large";
      default -> "http_" + status;
    };
  }

  private static String message(HttpResponseException e) {
    return e.getStatus() == 404 ? "no such route" : e.getMessage();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  private static byte[] openApiDocument() {
    try (InputStream in = ControlPlane.class.getResourceAsStream("openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is not beside ControlPlane");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
