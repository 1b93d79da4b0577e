package dev.selvedge.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.NotificationStore.Delivery;
import dev.selvedge.server.notify.Notifier;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;

/**
 * The webhook notifications over HTTP (docs/notifications.md): {@code GET
 * /api/v1/notifications/deliveries} lists the recorded delivery attempts, newest first (read scope;
 * webhooks shown redacted), and {@code POST /api/v1/notifications/test} sends a test message to
 * every webhook of the fleet file (operate scope). docs/api.md.
 */
public final class NotificationRoutes {
  private final ControlPlane.Settings settings;
  private volatile Notifier notifier;

  NotificationRoutes(ControlPlane.Settings settings) {
    this.settings = settings;
  }

  /** Serve's notifier, which {@code POST /api/v1/notifications/test} uses; returns this. */
  public NotificationRoutes attach(Notifier running) {
    this.notifier = running;
    return this;
  }

  void register(RoutesConfig routes) {
    routes.get("/api/v1/notifications/deliveries", this::deliveries);
    routes.post("/api/v1/notifications/test", this::test);
  }

  private void deliveries(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    Long cursor = ControlPlane.before(ctx, "a delivery id");
    int limit = ControlPlane.limit(ctx);
    List<Delivery> rows = settings.store().notifications().list(limit, cursor);
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ArrayNode items = o.putArray("deliveries");
    for (Delivery d : rows) {
      ObjectNode i = items.addObject();
      i.put("id", d.id());
      i.put("at", d.at().toString());
      i.put("webhook", d.webhook());
      i.put("notification", d.notification());
      i.put("event_type", d.eventType());
      i.put("subject", d.subject());
      i.put("kind", d.kind());
      i.put("attempt", d.attempt());
      i.put("status", d.status());
      if (d.httpStatus() == null) {
        i.putNull("http_status");
      } else {
        i.put("http_status", d.httpStatus());
      }
      i.put("error", d.error());
      i.put("millis", d.millis());
    }
    if (rows.size() == limit) {
      o.put("next_before", rows.get(rows.size() - 1).id());
    } else {
      o.putNull("next_before");
    }
    ControlPlane.json(ctx, o);
  }

  private void test(Context ctx) {
    ControlPlane.require(ctx, Scope.OPERATE);
    AuditNote.of(ctx).action("notifications.test");
    Notifier n = notifier;
    if (n == null) {
      throw new ApiError(503, "not_ready", "this server sends no notifications");
    }
    List<String> ids = n.test();
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ArrayNode arr = o.putArray("notifications");
    ids.forEach(arr::add);
    AuditNote.of(ctx).detail(ids.size() + " test messages");
    ctx.status(202);
    ControlPlane.json(ctx, o);
  }
}
