package dev.selvedge.store;

import dev.selvedge.port.NotificationStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The webhook notifications' delivery attempts in the {@code notification_delivery} table (V15).
 */
final class JdbcNotificationStore implements NotificationStore {
  private static final String COLUMNS =
      "id, at, webhook, notification, event_type, subject, kind, attempt, status, http_status,"
          + " error, millis";

  private final Db db;

  JdbcNotificationStore(Db db) {
    this.db = db;
  }

  @Override
  public Delivery add(Delivery d) {
    String webhook = cut(d.webhook(), 300);
    String subject = cut(d.subject(), 600);
    String error = cut(d.error(), 1000);
    long id =
        db.call(
            "record a notification delivery",
            h ->
                h.createUpdate(
                        "INSERT INTO notification_delivery (at, webhook, notification, event_type,"
                            + " subject, kind, attempt, status, http_status, error, millis) VALUES"
                            + " (:at, :webhook, :notification, :type, :subject, :kind, :attempt,"
                            + " :status, :http, :error, :millis)")
                    .bind("at", Db.timestamp(d.at()))
                    .bind("webhook", webhook)
                    .bind("notification", cut(d.notification(), 64))
                    .bind("type", cut(d.eventType(), 100))
                    .bind("subject", subject)
                    .bind("kind", d.kind())
                    .bind("attempt", d.attempt())
                    .bind("status", d.status())
                    .bind("http", d.httpStatus())
                    .bind("error", error)
                    .bind("millis", d.millis())
                    .executeAndReturnGeneratedKeys("id")
                    .mapTo(Long.class)
                    .one());
    return new Delivery(
        id,
        d.at(),
        webhook,
        d.notification(),
        d.eventType(),
        subject,
        d.kind(),
        d.attempt(),
        d.status(),
        d.httpStatus(),
        error,
        d.millis());
  }

  @Override
  public List<Delivery> list(int limit, Long before) {
    return db.call(
        "list notification deliveries",
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM notification_delivery"
                        + (before == null ? "" : " WHERE id < :before")
                        + " ORDER BY id DESC LIMIT :limit")
                .bind("before", before == null ? 0L : before)
                .bind("limit", Math.max(1, limit))
                .map(JdbcNotificationStore::row)
                .list());
  }

  @Override
  public int deleteBefore(Instant cutoff) {
    return db.call(
        "delete notification deliveries older than " + cutoff,
        h ->
            h.createUpdate("DELETE FROM notification_delivery WHERE at < :cutoff")
                .bind("cutoff", Db.timestamp(cutoff))
                .execute());
  }

  private static String cut(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  private static Delivery row(ResultSet rs, StatementContext ctx) throws SQLException {
    Integer http = rs.getInt("http_status");
    if (rs.wasNull()) {
      http = null;
    }
    return new Delivery(
        rs.getLong("id"),
        Db.instant(rs, "at"),
        rs.getString("webhook"),
        rs.getString("notification"),
        rs.getString("event_type"),
        rs.getString("subject"),
        rs.getString("kind"),
        rs.getInt("attempt"),
        rs.getString("status"),
        http,
        rs.getString("error"),
        rs.getLong("millis"));
  }
}
