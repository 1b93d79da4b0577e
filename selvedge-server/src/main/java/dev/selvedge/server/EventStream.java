package dev.selvedge.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.ApiKeyStore;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.EventStore.Filter;
import dev.selvedge.port.StoreException;
import dev.selvedge.server.events.EventHub;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * {@code GET /api/v1/events}: the live event stream as a WebSocket over the {@link EventHub}. The
 * upgrade is authenticated like every API request (a read key in {@code Authorization: Bearer};
 * never a key in the URL), or by the web UI's session cookie when it comes from this server's own
 * pages (its {@code Origin}), and refused with a JSON error otherwise; the query ({@code after},
 * {@code node}, {@code stack}, {@code type}) is checked before the upgrade (400 naming the
 * parameter). A plain GET without an upgrade is answered 426. See docs/api.md, "Live events".
 */
final class EventStream {
  static final String PATH = "/api/v1/events";

  /** Close code: the client's message was not {@code {"after": ID}} as the first message. */
  static final int BAD_MESSAGE = 4000;

  /** Close code: the stream's API key was revoked (or deleted) since the upgrade. */
  static final int KEY_REVOKED = 4001;

  private static final System.Logger LOG = System.getLogger(EventStream.class.getName());

  /**
   * Looks up open streams' keys again. One daemon thread for every server in the JVM: a lookup is
   * one indexed read, and a close is handed to a virtual thread so a slow client holds no one up.
   */
  private static final ScheduledExecutorService RECHECKS =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "selvedge-events-key-recheck");
            t.setDaemon(true);
            return t;
          });

  private static final String REQUEST = "selvedge.events.request";
  private static final String SUBSCRIPTION = "selvedge.events.subscription";
  private static final String STILL_ALLOWED = "selvedge.events.allowed";
  private static final String RECHECK = "selvedge.events.recheck";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@/-]{1,255}");
  private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*\\.?");
  private static final int MAX_VALUES = 50;
  private static final Duration PING = Duration.ofSeconds(30);

  private final EventHub hub;

  private EventStream(EventHub hub) {
    this.hub = hub;
  }

  /**
   * Authenticates an upgrade (throws {@link ApiError} to refuse it) and answers how to tell later
   * whether the stream may stay open.
   */
  @FunctionalInterface
  interface Upgrade {
    StillAllowed authenticate(Context ctx);
  }

  /**
   * Whether an open stream's credentials still hold (its key not revoked, its session not ended);
   * {@code check} throws when the store cannot tell.
   *
   * @param ended the close reason once they do not
   */
  record StillAllowed(java.util.function.BooleanSupplier check, String ended) {}

  /**
   * A UI session that had already ended at the upgrade (its page was left open while the server was
   * away or the session expired): the stream is opened and closed at once with {@link
   * #KEY_REVOKED}, which a browser's page can read, where a refused upgrade shows it only a bare
   * 1006 and it would try again and again.
   */
  static final StillAllowed SESSION_ENDED =
      new StillAllowed(() -> false, "the session has ended: sign in again");

  /** A bearer key's check: the key is still known and not revoked. */
  static StillAllowed keyStillValid(ApiKeyStore keys, String tokenHash) {
    return new StillAllowed(
        () -> keys.findByHash(tokenHash).filter(k -> !k.revoked()).isPresent(),
        "the API key was revoked");
  }

  /**
   * What a client asked for at the upgrade.
   *
   * @param from for a client without {@code after}: the last event handed out when its upgrade was
   *     accepted, where it starts unless it resumes by its first message (so "from now" means from
   *     the upgrade, not from the moment the connection is set up after it)
   */
  record Request(Long after, Filter filter, Long from) {
    Request(Long after, Filter filter) {
      this(after, filter, null);
    }
  }

  /**
   * Registers the route; {@code upgrade} runs first on the upgrade (the API's bearer keys, or the
   * UI's session cookie from this server's own pages); an open stream's credentials are checked
   * again every {@link EventHub.Limits#keyRecheck()}, and the stream closed with {@link
   * #KEY_REVOKED} once the key is revoked or the session ended.
   */
  static void register(RoutesConfig routes, EventHub hub, Upgrade upgrade) {
    EventStream stream = new EventStream(hub);
    routes.wsBeforeUpgrade(
        PATH,
        ctx -> {
          try {
            StillAllowed allowed = upgrade.authenticate(ctx);
            if (allowed != SESSION_ENDED) {
              ControlPlane.require(ctx, Scope.READ);
            }
            Request asked = request(ctx);
            ctx.attribute(
                REQUEST,
                asked.after() != null ? asked : new Request(null, asked.filter(), hub.handedOut()));
            ctx.attribute(STILL_ALLOWED, allowed);
          } catch (ApiError e) {
            refuse(ctx, e.status, e.code, e.getMessage());
          } catch (StoreException e) {
            System.err.println("selvedge: " + PATH + ": " + e.getMessage());
            refuse(ctx, 503, "store_unavailable", ControlPlane.STORE_DOWN);
          }
        });
    routes.ws(PATH, stream::configure);
    routes.get(
        PATH,
        ctx -> {
          ControlPlane.require(ctx, Scope.READ);
          request(ctx); // a bad query is a 400 here too
          ctx.header("Upgrade", "websocket");
          throw new ApiError(
              426,
              "upgrade_required",
              "this route is a WebSocket: connect with an Upgrade: websocket request");
        });
  }

  /**
   * Answers a refused upgrade with the API's JSON error: Javalin's exception mappers set a result
   * that an upgrade request never writes, so it is written here and the upgrade skipped.
   */
  private static void refuse(Context ctx, int status, String code, String message)
      throws IOException {
    ctx.skipRemainingHandlers();
    byte[] body = TreeJson.compact(ApiJson.error(code, message));
    HttpServletResponse res = ctx.res();
    res.setStatus(status);
    res.setContentType(ControlPlane.JSON);
    res.setContentLength(body.length);
    res.getOutputStream().write(body);
    res.flushBuffer();
  }

  private void configure(WsConfig ws) {
    ws.onConnect(this::connect);
    ws.onMessage(ctx -> message(ctx, ctx.message()));
    ws.onClose(ctx -> cancel(ctx));
    ws.onError(ctx -> cancel(ctx));
  }

  private void connect(WsConnectContext ctx) {
    if (ctx.attribute(STILL_ALLOWED) == SESSION_ENDED) {
      Session ended = ctx.session;
      Thread.startVirtualThread(
          () -> new SessionSink(ended).close(KEY_REVOKED, SESSION_ENDED.ended()));
      return;
    }
    Request request = ctx.attribute(REQUEST);
    ctx.enableAutomaticPings(PING.toSeconds(), TimeUnit.SECONDS);
    EventHub.Subscription sub =
        hub.subscribe(
            new SessionSink(ctx.session), request.filter(), request.after(), request.from());
    ctx.attribute(SUBSCRIPTION, sub);
    StillAllowed allowed = ctx.attribute(STILL_ALLOWED);
    Session session = ctx.session;
    long every = hub.limits().keyRecheck().toMillis();
    ScheduledFuture<?> recheck =
        RECHECKS.scheduleWithFixedDelay(
            () -> recheck(allowed, sub, session), every, every, TimeUnit.MILLISECONDS);
    ctx.attribute(RECHECK, recheck);
  }

  /**
   * Closes the stream with {@link #KEY_REVOKED} when its key is revoked or gone, or its UI session
   * ended. A store that cannot be read keeps the stream open (a revocation is a write to that
   * store) and is asked again next time.
   */
  private static void recheck(StillAllowed allowed, EventHub.Subscription sub, Session session) {
    if (!session.isOpen()) {
      throw new CancellationException(); // ends the schedule
    }
    boolean live;
    try {
      live = allowed.check().getAsBoolean();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot look up an event stream's key: " + e);
      return;
    }
    if (!live) {
      sub.cancel();
      Thread.startVirtualThread(() -> new SessionSink(session).close(KEY_REVOKED, allowed.ended()));
      throw new CancellationException(); // ends the schedule
    }
  }

  private static void message(WsContext ctx, String text) {
    EventHub.Subscription sub = ctx.attribute(SUBSCRIPTION);
    if (sub == null) {
      return;
    }
    Long after = null;
    try {
      JsonNode node = TreeJson.readFirst(text);
      JsonNode value = node == null ? null : node.get("after");
      if (value != null && value.canConvertToExactIntegral() && value.asLong() >= 0) {
        after = value.asLong();
      }
    } catch (IOException | RuntimeException e) {
      after = null;
    }
    if (after == null || !sub.resumeAfter(after)) {
      sub.cancel();
      ctx.closeSession(
          BAD_MESSAGE,
          "send {\"after\": ID} once, as the first message, within "
              + "0.5 s of connecting, and only without ?after");
    }
  }

  private static void cancel(WsContext ctx) {
    EventHub.Subscription sub = ctx.attribute(SUBSCRIPTION);
    if (sub != null) {
      sub.cancel();
    }
    ScheduledFuture<?> recheck = ctx.attribute(RECHECK);
    if (recheck != null) {
      recheck.cancel(false);
    }
  }

  /** The upgrade's query, checked: 400 naming the parameter. */
  static Request request(Context ctx) {
    Long after = null;
    String raw = ctx.queryParam("after");
    if (raw != null) {
      try {
        after = Long.parseLong(raw);
      } catch (NumberFormatException e) {
        after = -1L;
      }
      if (after < 0) {
        throw ApiError.badRequest("after: an event id (a whole number, 0 or more)");
      }
    }
    return new Request(
        after,
        new Filter(
            values(ctx, "node", NAME), values(ctx, "stack", NAME), values(ctx, "type", TYPE)));
  }

  private static List<String> values(Context ctx, String name, Pattern valid) {
    List<String> out = new ArrayList<>();
    for (String given : ctx.queryParams(name)) {
      for (String v : given.split(",", -1)) {
        String t = v.strip();
        if (!valid.matcher(t).matches()) {
          throw ApiError.badRequest(
              name
                  + ": '"
                  + (t.length() > 60 ? t.substring(0, 60) + "..." : t)
                  + "' is not a "
                  + (name.equals("type")
                      ? "type (such as drift.detected) or prefix (such as operation.)"
                      : name + " name"));
        }
        if (!out.contains(t)) {
          out.add(t);
        }
      }
    }
    if (out.size() > MAX_VALUES) {
      throw ApiError.badRequest(name + ": at most " + MAX_VALUES + " values");
    }
    return out;
  }

  /** A Jetty session as the hub's sink. */
  private record SessionSink(Session session) implements EventHub.Sink {
    @Override
    public void send(String text, Runnable done, Consumer<Throwable> failed) {
      session.sendText(text, Callback.from(done, failed));
    }

    @Override
    public void close(int code, String reason) {
      CompletableFuture<Void> closed = new CompletableFuture<>();
      session.close(
          code, reason, Callback.from(() -> closed.complete(null), closed::completeExceptionally));
      try {
        closed.get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        // A client that reads nothing cannot take the close frame either: cut it off.
        session.disconnect();
      }
    }
  }
}
