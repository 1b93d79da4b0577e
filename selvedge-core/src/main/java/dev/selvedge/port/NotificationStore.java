package dev.selvedge.port;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Every attempt to deliver a notification to a webhook and its outcome, so an operator can see what
 * was sent, what failed and why ({@code GET /api/v1/notifications/deliveries}). Nothing in it is
 * secret: the webhook is kept redacted ({@code scheme://host/…}), never its path or headers. Old
 * attempts are removed by retention.
 */
public interface NotificationStore {

  /**
   * One attempt.
   *
   * @param id assigned by the store, increasing
   * @param at when the attempt ended (or the message was dropped)
   * @param webhook the webhook's redacted URL
   * @param notification the message's id (all attempts of one message share it)
   * @param eventType the event type the message is about ({@code stack.status.changed}, {@code
   *     test})
   * @param subject what it is about ({@code node/stack}, {@code node}, or the event's own key)
   * @param kind {@code change}, {@code reminder} or {@code test}
   * @param attempt 1 for the first try; 0 for a message dropped before any try
   * @param status {@code sent}, {@code failed} (a retry follows), {@code gave_up} (the last try
   *     failed) or {@code dropped} (the queue was full)
   * @param httpStatus the webhook's answer; null when there was none
   * @param error why it failed, without secrets; null when sent
   * @param millis how long the attempt took
   */
  record Delivery(
      long id,
      Instant at,
      String webhook,
      String notification,
      String eventType,
      String subject,
      String kind,
      int attempt,
      String status,
      Integer httpStatus,
      String error,
      long millis) {
    public Delivery {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(webhook, "webhook");
      Objects.requireNonNull(notification, "notification");
      Objects.requireNonNull(eventType, "eventType");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(status, "status");
    }
  }

  /** Records an attempt; its id is assigned (the given one is ignored). */
  Delivery add(Delivery delivery);

  /**
   * Attempts newest first, at most {@code limit}, with ids below {@code before} (null: from the
   * newest).
   */
  List<Delivery> list(int limit, Long before);

  /** Removes attempts that ended before {@code cutoff}; how many. */
  int deleteBefore(Instant cutoff);
}
