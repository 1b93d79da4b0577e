package dev.selvedge.fleet;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One webhook of the fleet file's {@code notifications:} list (docs/notifications.md): where the
 * control plane posts a message when an event it cares about happens, in which shape, and for which
 * nodes. The URL and the header values may carry secrets (a Slack hook's path, a bearer token):
 * {@link #toString()} and {@link #redactedUrl()} never show them.
 *
 * @param url an {@code http} or {@code https} URL
 * @param format the payload's shape
 * @param events the event types sent (a subset of {@link #KNOWN_EVENTS})
 * @param tags only nodes carrying one of these tags (empty: every node)
 * @param environments only nodes of one of these environments (empty: every node)
 * @param remind a reminder while a red pill or a drift persists this long after the last message;
 *     null: no reminders
 * @param headers extra request headers, values resolved from the environment (secret)
 */
public record Notification(
    URI url,
    Format format,
    List<String> events,
    List<String> tags,
    List<String> environments,
    Duration remind,
    Map<String, String> headers) {

  /** The events sent when a webhook names none: changes someone should look at. */
  public static final List<String> NOTABLE_EVENTS =
      List.of(
          "node.status.changed",
          "stack.status.changed",
          "drift.detected",
          "rollout.halted",
          "rollout.finished",
          "audit.finding");

  /** Every event type a webhook may name. */
  public static final List<String> KNOWN_EVENTS =
      List.of(
          "node.status.changed",
          "stack.status.changed",
          "drift.detected",
          "drift.resolved",
          "sweep.failed",
          "rollout.started",
          "rollout.node.failed",
          "rollout.halted",
          "rollout.finished",
          "rollout.aborted",
          "rollout.rolled_back",
          "autoupdate.started",
          "autoupdate.skipped",
          "audit.finding",
          "audit.tenants.finished",
          "fleet.reloaded",
          "fleet.reload_rejected");

  /** The shortest reminder period: a reminder is not a stream. */
  public static final Duration MIN_REMIND = Duration.ofMinutes(1);

  /** The payload's shape. */
  public enum Format {
    /** Selvedge's own JSON (docs/notifications.md). */
    JSON,
    /** Slack's incoming-webhook shape: {@code {"text", "blocks"}}. */
    SLACK;

    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public Notification {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(format, "format");
    events = List.copyOf(events);
    tags = List.copyOf(tags);
    environments = List.copyOf(environments);
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  /** Whether it sends events of {@code type}. */
  public boolean sends(String type) {
    return events.contains(type);
  }

  /**
   * Whether it is about a node with these tags and environment: every filter given must match
   * (tags: one of them). A null node (an event about no node) matches only a webhook without
   * filters unless the event names tags or an environment itself.
   */
  public boolean covers(List<String> nodeTags, String environment) {
    if (!tags.isEmpty() && (nodeTags == null || nodeTags.stream().noneMatch(tags::contains))) {
      return false;
    }
    return environments.isEmpty() || (environment != null && environments.contains(environment));
  }

  /** {@code scheme://host[:port]/…}: what logs, the API and the UI show of the URL. */
  public String redactedUrl() {
    return redact(url);
  }

  /** {@code scheme://host[:port]}, and {@code /…} when anything follows the authority. */
  public static String redact(URI url) {
    StringBuilder sb = new StringBuilder();
    sb.append(url.getScheme()).append("://").append(url.getHost());
    if (url.getPort() >= 0) {
      sb.append(':').append(url.getPort());
    }
    String path = url.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/"))
        || url.getRawQuery() != null
        || url.getRawUserInfo() != null) {
      sb.append("/…");
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "Notification["
        + redactedUrl()
        + ", "
        + format.id()
        + ", events="
        + events
        + ", tags="
        + tags
        + ", environments="
        + environments
        + ", remind="
        + remind
        + ", headers="
        + headers.keySet()
        + "]";
  }
}
