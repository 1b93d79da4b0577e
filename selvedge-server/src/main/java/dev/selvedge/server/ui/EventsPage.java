package dev.selvedge.server.ui;

import dev.selvedge.port.EventStore;
import dev.selvedge.port.EventStore.Filter;
import dev.selvedge.port.EventStore.StoredEvent;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The events page's parts: its filters (the stream's own: node, stack, type or type prefix) and the
 * newest events it shows before the live script adds what comes next.
 */
public final class EventsPage {
  /** How many events the page shows when it is loaded. */
  static final int SHOWN = 50;

  /** How far back (in event ids) the page looks for events that pass its filters. */
  static final int LOOK_BACK = 2_000;

  /** The type filters offered: exact types, or prefixes ending with a dot. */
  public static final List<String> TYPES =
      List.of(
          "stack.status.changed",
          "node.status.changed",
          "drift.",
          "sweep.failed",
          "operation.",
          "rollout.",
          "autoupdate.",
          "audit.",
          "fleet.",
          "stream.");

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@/-]{1,255}");

  private EventsPage() {}

  /** A type filter in words: a prefix ends with {@code *}. */
  public static String typeLabel(String type) {
    return type.endsWith(".") ? type + "*" : type;
  }

  /** The page's filters; null where not given. */
  public record Query(String node, String stack, String type) {
    static Query parse(String node, String stack, String type) {
      node = blankToNull(node);
      stack = blankToNull(stack);
      type = blankToNull(type);
      if (node != null && !NAME.matcher(node).matches()) {
        throw UiError.badRequest("node: a node name (letters, digits and ._:@/-)");
      }
      if (stack != null && !NAME.matcher(stack).matches()) {
        throw UiError.badRequest("stack: a stack name (letters, digits and ._:@/-)");
      }
      if (type != null && !TYPES.contains(type)) {
        throw UiError.badRequest("type: one of " + String.join(", ", TYPES));
      }
      return new Query(node, stack, type);
    }

    private static String blankToNull(String s) {
      return s == null || s.isBlank() ? null : s.strip();
    }

    Filter filter() {
      return new Filter(
          node == null ? List.of() : List.of(node),
          stack == null ? List.of() : List.of(stack),
          type == null ? List.of() : List.of(type));
    }

    /** The event stream's query for these filters (without {@code after}). */
    public String stream() {
      List<String> parts = new ArrayList<>();
      add(parts, "node", node);
      add(parts, "stack", stack);
      add(parts, "type", type);
      return String.join("&", parts);
    }

    private static void add(List<String> parts, String name, String value) {
      if (value != null) {
        parts.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    }
  }

  /**
   * The newest events (at most {@link #SHOWN}, newest first) among the last {@link #LOOK_BACK} up
   * to {@code latest} that pass the query.
   */
  static List<StoredEvent> recent(EventStore events, Query query, String latest) {
    long upTo = Long.parseLong(latest);
    List<StoredEvent> found =
        events.after(Math.max(0, upTo - LOOK_BACK), query.filter(), LOOK_BACK);
    List<StoredEvent> shown = new ArrayList<>(SHOWN);
    for (int i = found.size() - 1; i >= 0 && shown.size() < SHOWN; i--) {
      if (found.get(i).id() <= upTo) {
        shown.add(found.get(i));
      }
    }
    return shown;
  }
}
