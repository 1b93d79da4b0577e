package dev.selvedge.server.ui;

import dev.selvedge.fleet.Notification;
import dev.selvedge.port.NotificationStore.Delivery;
import dev.selvedge.port.Store;
import io.javalin.http.Context;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The webhook deliveries in the web UI: {@code /ui/notifications}, every recorded attempt newest
 * first, paged by the API's cursor ({@code before}), as {@code GET
 * /api/v1/notifications/deliveries} shows them. A webhook is shown as {@code
 * scheme://host[:port]/…} (what the store keeps; redacted again here, so a row written otherwise
 * cannot show a path or query either); its headers are never read here. A read: every signed-in key
 * sees it.
 */
public final class NotificationsPage {
  /** Attempts a page shows. */
  static final int SHOWN = 50;

  private final WebUi web;
  private final Store store;

  NotificationsPage(WebUi web, Store store) {
    this.web = web;
    this.store = store;
  }

  /** An attempt as shown. */
  public record Row(
      long id,
      String at,
      String webhook,
      String notification,
      String eventType,
      String subject,
      String kind,
      int attempt,
      String status,
      Integer httpStatus,
      String error,
      long millis) {}

  void register(io.javalin.config.RoutesConfig routes) {
    routes.get("/ui/notifications", web.page(this::page));
  }

  private void page(Context ctx) {
    SessionAuth.Signed signed = web.signedIn(ctx);
    String raw = ctx.queryParam("before");
    Long before = null;
    if (raw != null && !raw.isBlank()) {
      try {
        before = Long.parseLong(raw.strip());
      } catch (NumberFormatException e) {
        throw UiError.badRequest("before: a delivery id (a number).");
      }
    }
    List<Delivery> found = store.notifications().list(SHOWN, before);
    List<Row> rows = found.stream().map(NotificationsPage::row).toList();
    Map<String, Object> p = new HashMap<>();
    p.put("page", Page.of("Notifications", signed, web.assets(), "notifications"));
    p.put("rows", rows);
    p.put("older", found.size() == SHOWN ? found.get(found.size() - 1).id() : null);
    p.put("paged", before != null);
    web.html(ctx, "notifications.jte", p);
  }

  static Row row(Delivery d) {
    return new Row(
        d.id(),
        d.at().toString(),
        redacted(d.webhook()),
        d.notification(),
        d.eventType(),
        d.subject(),
        d.kind(),
        d.attempt(),
        d.status(),
        d.httpStatus(),
        d.error(),
        d.millis());
  }

  /**
   * The webhook as the API shows it, {@code scheme://host[:port]/…}: the notifier stores it so, and
   * redacting it again changes nothing; anything else is cut to its scheme and host.
   */
  static String redacted(String webhook) {
    try {
      URI u = new URI(webhook);
      if (u.getScheme() != null && u.getHost() != null) {
        return Notification.redact(u);
      }
    } catch (java.net.URISyntaxException e) {
      // not a URL: below
    }
    return "(webhook not shown)";
  }
}
