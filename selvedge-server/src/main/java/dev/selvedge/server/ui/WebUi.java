package dev.selvedge.server.ui;

import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.fleet.PillChange;
import dev.selvedge.fleet.StackState;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.operations.HostIdentity;
import dev.selvedge.port.ApiKeyStore.ApiKey;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.Store;
import dev.selvedge.port.StoreException;
import dev.selvedge.server.FleetView;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The web UI served by {@code selvedge serve}: server-rendered pages (jte templates compiled at
 * build time) with htmx for in-place updates and Pico CSS, all from the jar. Pages under {@code
 * /ui/}, a session cookie from {@link SessionAuth} instead of a bearer token; errors are pages with
 * a readable message, never a trace. Pages that change live carry a {@code data-live} element for
 * the UI's script, which follows the event stream with the session (see docs/ui.md).
 */
public final class WebUi {
  static final String HTML = "text/html; charset=utf-8";
  private static final System.Logger LOG = System.getLogger(WebUi.class.getName());

  /** What a page says when the store fails: never its host, database or file. */
  static final String STORE_DOWN = "The store cannot be reached; try again shortly.";

  private static final int HISTORY = 50;
  private static final int DEPLOYMENTS = 20;
  private static final int MAX_GRIDS = 64;

  /** The pages' Content-Security-Policy: everything from the jar, nothing inline. */
  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

  private final Store store;
  private final FleetView fleet;
  private final ApiKeys keys;
  private final SessionAuth sessions;
  private final Clock clock;
  private final Function<String, Duration> retryAfter;
  private final Consumer<String> failed;
  private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);
  private final Assets assets = Assets.load();
  private final Map<FleetGrid.Query, RenderedGrid> grids = new ConcurrentHashMap<>();
  private int auditExportMax = AuditPage.EXPORT_MAX;
  private ActionPages actions;
  private dev.selvedge.server.RolloutActions rollouts;

  /**
   * A grid rendered for one version of the fleet's view and one query.
   *
   * @param until when a node shown fresh turns stale (render again then)
   * @param token what the grid shows, not when it was made ({@link FleetGrid#fingerprint}): a page
   *     that shows the same is answered 204 when it asks again
   */
  private record RenderedGrid(
      long version, Instant until, String html, FleetGrid.Grid grid, String token) {}

  /**
   * @param retryAfter how long an address must wait after too many failed sign-ins (zero: not)
   * @param failed notes a failed sign-in of an address (shared with the API's bearer checks)
   */
  public WebUi(
      Store store,
      FleetView fleet,
      ApiKeys keys,
      SessionAuth sessions,
      Clock clock,
      Function<String, Duration> retryAfter,
      Consumer<String> failed) {
    this.store = store;
    this.fleet = fleet;
    this.keys = keys;
    this.sessions = sessions;
    this.clock = clock;
    this.retryAfter = retryAfter;
    this.failed = failed;
  }

  /**
   * Adds the UI's routes; call after the API's, its catch-all answers unknown {@code /ui/} paths.
   */
  public void register(RoutesConfig routes) {
    routes.get("/", this::home);
    routes.get("/ui", this::home);
    routes.get("/ui/", this::home);
    routes.get("/ui/assets/{name}", this::asset);
    routes.get("/ui/sign-in", page(this::signInForm));
    routes.post("/ui/sign-in", page(this::signIn));
    routes.post("/ui/sign-out", page(this::signOut));
    routes.get("/ui/fleet", page(this::fleetPage));
    routes.get("/ui/nodes/{node}", page(this::nodePage));
    routes.get("/ui/nodes/{node}/stacks/{stack}", page(this::stackPage));
    routes.get("/ui/events", page(this::eventsPage));
    new AuditPage(this, store, clock, auditExportMax).register(routes);
    new TenantsPage(this, store).register(routes);
    new RolloutPages(this, store, rollouts).register(routes);
    new NotificationsPage(this, store).register(routes);
    if (actions != null) {
      actions.register(routes);
    }
    routes.get(
        "/ui/*",
        page(
            ctx -> {
              signedIn(ctx);
              throw UiError.notFound("There is no page at " + ctx.path() + ".");
            }));
  }

  /** Bounds the audit export lower than {@link AuditPage#EXPORT_MAX} (tests); before register. */
  WebUi auditExportMax(int max) {
    this.auditExportMax = max;
    return this;
  }

  /**
   * Adds the actions (confirmations, operation pages, logs and plan; see {@link ActionPages}) run
   * by the operations API's code; null on a server without operations.
   */
  public WebUi actions(dev.selvedge.server.StackActions operations) {
    this.actions = operations == null ? null : new ActionPages(this, operations);
    return this;
  }

  /**
   * Adds the rollouts' actions and auto-update's "check now" (see {@link RolloutPages}), run by the
   * API's code; the pages read the store without it.
   */
  public WebUi rollouts(dev.selvedge.server.RolloutActions rolloutActions) {
    this.rollouts = rolloutActions;
    return this;
  }

  Store store() {
    return store;
  }

  Assets assets() {
    return assets;
  }

  /** The session hook: the request's signed-in key, for the event stream and other UI routes. */
  public SessionAuth sessions() {
    return sessions;
  }

  // ----------------------------------------------------------------------------- plumbing

  /** A page handler that turns every failure into an error page. */
  interface PageHandler {
    void handle(Context ctx) throws Exception;
  }

  Handler page(PageHandler h) {
    return ctx -> {
      headers(ctx);
      try {
        h.handle(ctx);
      } catch (NotSignedIn e) {
        if (ctx.header("HX-Request") != null) {
          ctx.header("HX-Redirect", "/ui/sign-in");
          ctx.status(401);
        } else {
          ctx.status(303).header("Location", "/ui/sign-in");
        }
      } catch (UiError e) {
        error(ctx, e.status, e.getMessage());
      } catch (StoreException e) {
        // The store's text names its JDBC host and database or its file: for the log only.
        LOG.log(System.Logger.Level.WARNING, "UI " + ctx.path() + ": " + e.getMessage());
        error(ctx, 503, STORE_DOWN);
      } catch (Exception e) {
        // Engine and other failures may carry hosts, paths or addresses: for the log only.
        LOG.log(System.Logger.Level.ERROR, "UI " + ctx.path() + " failed", e);
        error(ctx, 500, "Internal error: please report it with the time it happened.");
      }
    };
  }

  private static final class NotSignedIn extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotSignedIn() {
      super(null, null, false, false);
    }
  }

  private static void headers(Context ctx) {
    ctx.header("Content-Security-Policy", CSP);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Referrer-Policy", "same-origin");
    ctx.header("Cache-Control", "no-store");
  }

  SessionAuth.Signed signedIn(Context ctx) {
    return sessions.signed(ctx).orElseThrow(NotSignedIn::new);
  }

  private void error(Context ctx, int status, String message) {
    Optional<SessionAuth.Signed> signed;
    try {
      signed = sessions.signed(ctx);
    } catch (RuntimeException e) {
      signed = Optional.empty(); // the store may be what failed
    }
    Page page =
        signed.isPresent()
            ? Page.of(title(status), signed.get(), assets, "")
            : Page.signedOut(title(status), assets);
    ctx.status(status);
    html(ctx, "error.jte", Map.of("page", page, "status", status, "message", message));
  }

  private static String title(int status) {
    return switch (status) {
      case 400 -> "Bad request";
      case 401 -> "Not signed in";
      case 403 -> "Refused";
      case 404 -> "Not found";
      case 409 -> "Busy";
      case 428 -> "Confirmation needed";
      case 429 -> "Too many attempts";
      case 503 -> "Unavailable";
      default -> "Error";
    };
  }

  String render(String template, Map<String, Object> params) {
    StringOutput out = new StringOutput(64 * 1024);
    templates.render(template, params, out);
    return out.toString();
  }

  void html(Context ctx, String template, Map<String, Object> params) {
    ctx.contentType(HTML).result(render(template, params));
  }

  // ------------------------------------------------------------------------------- routes

  private void home(Context ctx) {
    headers(ctx);
    boolean in;
    try {
      in = sessions.signed(ctx).isPresent();
    } catch (RuntimeException e) {
      in = false;
    }
    ctx.status(303).header("Location", in ? "/ui/fleet" : "/ui/sign-in");
  }

  private void asset(Context ctx) {
    Assets.Asset a = assets.byName().get(ctx.pathParam("name"));
    if (a == null) {
      headers(ctx);
      error(ctx, 404, "There is no file " + ctx.path() + ".");
      return;
    }
    ctx.header("Cache-Control", "public, max-age=31536000, immutable");
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.contentType(a.contentType()).result(a.bytes());
  }

  private void signInForm(Context ctx) {
    if (sessions.signed(ctx).isPresent()) {
      ctx.status(303).header("Location", "/ui/fleet");
      return;
    }
    html(ctx, "signin.jte", signInParams(null));
  }

  private Map<String, Object> signInParams(String error) {
    Map<String, Object> p = new HashMap<>();
    p.put("page", Page.signedOut("Sign in", assets));
    p.put("error", error);
    return p;
  }

  private void signIn(Context ctx) {
    // Sign-in carries no session yet, so no CSRF token: the cookie is SameSite=Strict and a
    // cross-site form is refused by its Origin.
    if (!sameOrigin(ctx)) {
      throw new UiError(403, "Signing in from another site is refused.");
    }
    String address = ctx.ip();
    Duration wait = retryAfter.apply(address);
    if (!wait.isZero()) {
      ctx.header("Retry-After", Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000)));
      throw new UiError(
          429, "Too many failed sign-ins from this address: wait a minute and try again.");
    }
    String given = ctx.formParam("key");
    Optional<ApiKey> key = keys.authenticate(given == null ? null : given.strip());
    if (key.isEmpty()) {
      failed.accept(address);
      ctx.status(401);
      html(
          ctx,
          "signin.jte",
          signInParams(
              given == null || given.isBlank()
                  ? "Paste an API key to sign in."
                  : "That key is unknown or revoked. Check it, or ask an admin for a new one."));
      return;
    }
    sessions.signIn(ctx, key.get());
    ctx.status(303).header("Location", "/ui/fleet");
  }

  /** Whether a form post came from this server's own pages (Origin, else Sec-Fetch-Site). */
  static boolean sameOrigin(Context ctx) {
    String origin = ctx.header("Origin");
    if (origin != null) {
      return namesThisServer(ctx, origin);
    }
    String site = ctx.header("Sec-Fetch-Site");
    return site == null || site.equals("same-origin") || site.equals("none");
  }

  /**
   * Whether a WebSocket upgrade came from this server's own pages: its {@code Origin}, which every
   * browser sends on one, names this server. Without an Origin it is not a browser's page.
   */
  public static boolean fromOwnPage(Context ctx) {
    String origin = ctx.header("Origin");
    return origin != null && namesThisServer(ctx, origin);
  }

  /**
   * Whether {@code origin} ({@code scheme://host[:port]}) is this server as the request addressed
   * it ({@code Host}). The scheme is not compared: behind a TLS-terminating proxy the browser's
   * {@code https} reaches this server as {@code http}; no other site can have this host and port.
   */
  private static boolean namesThisServer(Context ctx, String origin) {
    int sep = origin.indexOf("://");
    String host = ctx.host();
    return sep > 0 && host != null && origin.substring(sep + 3).equalsIgnoreCase(host);
  }

  private void signOut(Context ctx) {
    if (sessions.signed(ctx).isPresent() && !sessions.csrfValid(ctx)) {
      throw new UiError(
          403, "The form's token is missing or stale: reload the page and try again.");
    }
    sessions.signOut(ctx);
    ctx.status(303).header("Location", "/ui/sign-in");
  }

  private void fleetPage(Context ctx) {
    SessionAuth.Signed signed = signedIn(ctx);
    FleetGrid.Query query =
        FleetGrid.Query.parse(
            ctx.queryParam("tag"),
            ctx.queryParam("environment"),
            ctx.queryParam("pill"),
            ctx.queryParam("q"),
            ctx.queryParam("sort"));
    String after = ctx.header("HX-Target") == null ? latestEventId() : ""; // before the view
    RenderedGrid grid = grid(query);
    if ("grid".equals(ctx.header("HX-Target"))) {
      if (grid.token().equals(ctx.header("X-Grid-Token"))) {
        ctx.status(204); // the page shows this grid already (the live script's refresh)
        return;
      }
      ctx.contentType(HTML).result(grid.html());
      return;
    }
    Map<String, Object> p = new HashMap<>();
    p.put("page", Page.of("Fleet", signed, assets, "fleet"));
    p.put("grid", grid.grid());
    p.put("gridHtml", grid.html());
    p.put("readiness", fleet.readiness().orElse(null));
    p.put("after", after);
    p.put("refresh", refreshSeconds());
    html(ctx, "fleet.jte", p);
  }

  /** The grid's HTML, rendered once per version of the fleet's view and query. */
  RenderedGrid grid(FleetGrid.Query query) {
    long version = fleet.version();
    Instant now = clock.instant();
    if (version < 0) {
      return renderGrid(version, now, query);
    }
    RenderedGrid r = grids.get(query);
    if (r == null || r.version() != version || !now.isBefore(r.until())) {
      synchronized (this) {
        r = grids.get(query);
        version = fleet.version();
        now = clock.instant();
        if (r == null || r.version() != version || !now.isBefore(r.until())) {
          r = renderGrid(version, now, query);
          if (grids.size() >= MAX_GRIDS) {
            grids.clear();
          }
          grids.put(query, r);
        }
      }
    }
    return r;
  }

  /**
   * The id of the newest stored event, as text ("" when the store cannot tell): read before the
   * fleet's view, so a page shows at least every change up to it and its live script asks the
   * stream for what came after (an event both shown and sent is applied twice, to the same end).
   */
  String latestEventId() {
    try {
      OptionalLong id = store.events().latestId();
      return Long.toString(id.orElse(0));
    } catch (StoreException e) {
      LOG.log(System.Logger.Level.WARNING, "UI: cannot read the newest event id: " + e);
      return "";
    }
  }

  /** How often the fleet page asks for a fresh grid (stale marks): the poll interval, 10-60 s. */
  private long refreshSeconds() {
    long every = fleet.fleet().poll().interval().toSeconds();
    return Math.max(10, Math.min(60, every));
  }

  private RenderedGrid renderGrid(long version, Instant now, FleetGrid.Query query) {
    String after = latestEventId();
    List<NodeView> views = fleet.view();
    Duration staleAfter = fleet.fleet().poll().interval().multipliedBy(2);
    Instant until = Instant.MAX;
    for (NodeView v : views) {
      if (!v.stale() && v.state() != null && v.state().lastSweptAt() != null) {
        Instant turns = v.state().lastSweptAt().plus(staleAfter);
        if (turns.isBefore(until)) {
          until = turns;
        }
      }
    }
    FleetGrid.Grid grid = FleetGrid.build(views, query, now);
    String token = FleetGrid.fingerprint(grid);
    String html = render("fleet_grid.jte", Map.of("grid", grid, "after", after, "token", token));
    return new RenderedGrid(version, until, html, grid, token);
  }

  NodeView nodeView(Context ctx) {
    String id = ctx.pathParam("node");
    if (!fleet.fleet().nodes().containsKey(id)) {
      throw UiError.notFound("There is no node '" + id + "' in the fleet.");
    }
    return fleet.view().stream()
        .filter(v -> v.node().id().equals(id))
        .findFirst()
        .orElseThrow(() -> UiError.notFound("There is no node '" + id + "' in the fleet."));
  }

  private void nodePage(Context ctx) {
    SessionAuth.Signed signed = signedIn(ctx);
    String after = latestEventId(); // before the view: see latestEventId
    NodeView view = nodeView(ctx);
    Fleet.Node node = view.node();
    NodeState state = view.state();
    List<FleetGrid.Cell> stacks =
        node.stacks().keySet().stream()
            .map(
                name ->
                    FleetGrid.cell(
                        node.id(), name, state == null ? null : FleetGrid.stack(state, name)))
            .toList();
    List<PillChange> history = store.fleetState().history(node.id(), HISTORY);
    Map<String, Object> p = new HashMap<>();
    p.put("after", after);
    p.put("page", Page.of("Node " + node.id(), signed, assets, ""));
    p.put("view", view);
    p.put("pill", state == null ? "unknown" : FleetGrid.pill(state.pill()));
    p.put("stacks", stacks);
    p.put("history", history);
    html(ctx, "node.jte", p);
  }

  private void stackPage(Context ctx) {
    SessionAuth.Signed signed = signedIn(ctx);
    String after = latestEventId();
    NodeView view = nodeView(ctx);
    Fleet.Node node = view.node();
    String name = ctx.pathParam("stack");
    Fleet.Stack stack = node.stacks().get(name);
    if (stack == null) {
      throw UiError.notFound("Node '" + node.id() + "' runs no stack '" + name + "'.");
    }
    StackState st = view.state() == null ? null : FleetGrid.stack(view.state(), name);
    StackDetail.Report report =
        st == null || st.report() == null ? null : StackDetail.read(st.report());
    String daemonId =
        view.state() == null || view.state().facts() == null
            ? null
            : view.state().facts().daemonId();
    List<Deployment> deployments =
        store
            .deployments()
            .history(HostIdentity.of(daemonId, node.engine()), stack.project(), DEPLOYMENTS);
    Map<String, Object> p = new HashMap<>();
    p.put("page", Page.of("Stack " + name + " on " + node.id(), signed, assets, ""));
    p.put("node", node.id());
    p.put("project", stack.project());
    p.put("cell", FleetGrid.cell(node.id(), name, st));
    p.put("sweptAt", st == null || st.sweptAt() == null ? null : st.sweptAt().toString());
    p.put("report", report);
    p.put("deployments", deployments);
    p.put("after", after);
    p.put("controls", ActionPages.controls(actions, signed, node.id(), name, deployments));
    html(ctx, "stack.jte", p);
  }

  private void eventsPage(Context ctx) {
    SessionAuth.Signed signed = signedIn(ctx);
    EventsPage.Query query =
        EventsPage.Query.parse(
            ctx.queryParam("node"), ctx.queryParam("stack"), ctx.queryParam("type"));
    String after = latestEventId();
    Map<String, Object> p = new HashMap<>();
    p.put("page", Page.of("Events", signed, assets, "events"));
    p.put("query", query);
    p.put("events", after.isEmpty() ? List.of() : EventsPage.recent(store.events(), query, after));
    p.put("after", after);
    html(ctx, "events.jte", p);
  }
}
