package dev.selvedge.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.Notification;
import dev.selvedge.json.TreeJson;
import dev.selvedge.server.events.ServerEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The bodies a webhook gets (docs/notifications.md): Selvedge's own JSON, or Slack's {@code
 * {"text", "blocks"}}. Built only from the event (scrubbed by its publisher: secret values never
 * reach an event) and the fleet file's node (id, environment, tags); never from the webhook's URL
 * or headers.
 */
final class Payloads {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** Reasons listed at most in one message. */
  static final int MAX_REASONS = 10;

  private Payloads() {}

  /** The body for {@code hook}. */
  static byte[] body(
      Notification.Format format, String id, String kind, ServerEvent e, Fleet.Node node) {
    ObjectNode json = json(id, kind, e, node);
    return TreeJson.compact(format == Notification.Format.SLACK ? slack(json) : json);
  }

  /** The generic JSON message. */
  static ObjectNode json(String id, String kind, ServerEvent e, Fleet.Node node) {
    ObjectNode o = F.objectNode();
    o.put("id", id);
    o.put("kind", kind);
    o.put("type", e.type());
    o.put("at", e.at().toString());
    if (e.id() > 0) {
      o.put("event_id", e.id());
    } else {
      o.putNull("event_id");
    }
    o.put("node", e.node());
    o.put("stack", e.stack());
    o.put("service", e.service());
    o.put("environment", node == null ? null : node.environment());
    ArrayNode tags = o.putArray("tags");
    if (node != null) {
      node.tags().forEach(tags::add);
    }
    ObjectNode data = e.data();
    ObjectNode pill = o.putObject("pill");
    if (e.type().endsWith(".status.changed")) {
      pill.put("before", Dedup.text(data, "from"));
      pill.put("after", Dedup.text(data, "to"));
    } else {
      pill.putNull("before");
      pill.put("after", Dedup.text(data, "pill"));
    }
    ArrayNode reasons = o.putArray("reasons");
    for (String r : reasons(data)) {
      reasons.add(r);
    }
    o.put("summary", summary(kind, e));
    o.put("link", link(e));
    o.set("data", data.deepCopy());
    return o;
  }

  /** Slack's shape: a one-line text (the notification's fallback) and blocks. */
  static ObjectNode slack(ObjectNode json) {
    ObjectNode o = F.objectNode();
    String summary = json.get("summary").asText();
    o.put("text", summary);
    ArrayNode blocks = o.putArray("blocks");
    ObjectNode section = blocks.addObject();
    section.put("type", "section");
    ObjectNode text = section.putObject("text");
    text.put("type", "mrkdwn");
    StringBuilder sb = new StringBuilder("*").append(escape(summary)).append('*');
    int n = 0;
    for (JsonNode r : json.get("reasons")) {
      if (n++ >= MAX_REASONS) {
        break;
      }
      sb.append("\n• ").append(escape(r.asText()));
    }
    text.put("text", sb.toString());
    ObjectNode context = blocks.addObject();
    context.put("type", "context");
    ArrayNode elements = context.putArray("elements");
    List<String> parts = new ArrayList<>();
    parts.add("`" + json.get("type").asText() + "`");
    if (!json.get("environment").isNull()) {
      parts.add("environment " + escape(json.get("environment").asText()));
    }
    if (!json.get("tags").isEmpty()) {
      List<String> tags = new ArrayList<>();
      json.get("tags").forEach(t -> tags.add(escape(t.asText())));
      parts.add("tags " + String.join(", ", tags));
    }
    parts.add(json.get("at").asText());
    parts.add(json.get("link").asText());
    ObjectNode el = elements.addObject();
    el.put("type", "mrkdwn");
    el.put("text", String.join(" · ", parts));
    return o;
  }

  private static List<String> reasons(ObjectNode data) {
    List<String> out = new ArrayList<>();
    JsonNode r = data.get("reasons");
    if (r != null && r.isArray()) {
      for (JsonNode x : r) {
        if (out.size() >= MAX_REASONS) {
          break;
        }
        out.add(x.asText());
      }
    } else if (data.hasNonNull("message")) {
      out.add(data.get("message").asText());
    } else if (data.hasNonNull("reason")) {
      out.add(data.get("reason").asText());
    }
    return out;
  }

  /** One line: what happened to what. */
  static String summary(String kind, ServerEvent e) {
    String what = Dedup.subject(e);
    ObjectNode d = e.data();
    String line =
        switch (e.type()) {
          case "node.status.changed", "stack.status.changed" ->
              (e.stack() == null ? "node " : "stack ")
                  + what
                  + " is "
                  + Dedup.text(d, "to")
                  + (Dedup.text(d, "from") == null ? "" : " (was " + Dedup.text(d, "from") + ")");
          case "drift.detected" -> "stack " + what + " drifted from its contract";
          case "drift.resolved" -> "stack " + what + " is back in sync";
          case "sweep.failed" -> "node " + what + " could not be read";
          case "audit.finding" ->
              "audit finding on " + what + ": " + String.valueOf(Dedup.text(d, "class"));
          case "fleet.reloaded" -> "fleet file reloaded: " + Dedup.text(d, "file");
          case "fleet.reload_rejected" ->
              "fleet file not reloaded, the running fleet is kept: " + Dedup.text(d, "reason");
          case "test" -> "test message from Selvedge";
          default -> e.type() + (what.equals("-") ? "" : " on " + what);
        };
    return kind.equals("reminder") ? "reminder: " + line : line;
  }

  /** The web UI's page of the subject, as a path (the server's address is the reader's). */
  static String link(ServerEvent e) {
    if (e.node() == null) {
      return "/ui/events";
    }
    String node = "/ui/nodes/" + enc(e.node());
    return e.stack() == null ? node : node + "/stacks/" + enc(e.stack());
  }

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8)
        .replace("+", "%20");
  }

  /** Slack's mrkdwn control characters. */
  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
