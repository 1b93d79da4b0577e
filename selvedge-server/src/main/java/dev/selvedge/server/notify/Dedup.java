package dev.selvedge.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.fleet.Notification;
import dev.selvedge.json.TreeJson;
import dev.selvedge.server.events.ServerEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Which messages an event makes, per webhook: one per state change of a subject, and reminders
 * while a bad state persists. A pill is told when it turns red and when it turns back to green (a
 * yellow in between changes nothing told); a drift when it is detected and when it is resolved; any
 * other event (rollouts, audit findings) once per distinct content, again only after the webhook's
 * reminder period. States are kept per (webhook, subject) in memory, bounded: the oldest are
 * forgotten first. Not thread-safe on its own: the notifier calls it from one thread.
 */
final class Dedup {
  /** Subjects remembered at most; the least recently changed are forgotten first. */
  static final int MAX_SUBJECTS = 20_000;

  /** What to send: an event to a webhook, as a change or as a reminder. */
  record Message(Notification hook, ServerEvent event, String subject, String kind) {}

  private record Key(Notification hook, String subject) {}

  private static final class State {
    String alert; // red, drifted, or null (nothing bad told)
    String current; // the pill or sync now
    ServerEvent event; // what was told last
    Instant told;
  }

  private final Map<Key, State> states =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, State> eldest) {
          return size() > MAX_SUBJECTS;
        }
      };

  /** The messages {@code event} makes for these webhooks (already filtered by node). */
  List<Message> on(ServerEvent event, List<Notification> hooks, Instant now) {
    List<Message> out = new ArrayList<>();
    for (Notification hook : hooks) {
      Message m = decide(hook, event, now);
      if (m != null) {
        out.add(m);
      }
    }
    return out;
  }

  private Message decide(Notification hook, ServerEvent e, Instant now) {
    String type = e.type();
    switch (type) {
      case "node.status.changed", "stack.status.changed" -> {
        String subject = subject(e);
        State s = states.computeIfAbsent(new Key(hook, "status:" + subject), k -> new State());
        String to = text(e.data(), "to");
        s.current = to;
        if (s.alert == null && s.event == null && "red".equals(text(e.data(), "from"))) {
          // The first this process sees of the subject is a change away from red: that red was
          // told by the replica that swept the node before this one took it over (or before a
          // restart), so its way back to green is this process's to tell.
          s.alert = "red";
        }
        if ("red".equals(to) && !"red".equals(s.alert)) {
          s.alert = "red";
          return tell(hook, e, s, subject, now);
        }
        if ("green".equals(to) && "red".equals(s.alert)) {
          s.alert = null;
          return tell(hook, e, s, subject, now);
        }
        return null;
      }
      case "drift.detected", "drift.resolved" -> {
        String subject = subject(e);
        State s = states.computeIfAbsent(new Key(hook, "drift:" + subject), k -> new State());
        boolean detected = type.equals("drift.detected");
        s.current = detected ? "drifted" : "in_sync";
        if (detected && !"drifted".equals(s.alert)) {
          s.alert = "drifted";
          return tell(hook, e, s, subject, now);
        }
        if (!detected && ("drifted".equals(s.alert) || s.event == null)) {
          // resolved: a drift is only resolved after one was detected, here or on another replica
          s.alert = null;
          return tell(hook, e, s, subject, now);
        }
        return null;
      }
      default -> {
        if (!hook.sends(type)) {
          return null;
        }
        String subject = subject(e);
        String key = type + ":" + subject + ":" + content(e.data());
        Key k = new Key(hook, key);
        State s = states.get(k);
        if (s != null
            && (hook.remind() == null
                || Duration.between(s.told, now).compareTo(hook.remind()) < 0)) {
          return null; // the same thing told already
        }
        if (s == null) {
          s = new State();
          states.put(k, s);
        }
        return tell(hook, e, s, subject, now);
      }
    }
  }

  private static Message tell(
      Notification hook, ServerEvent e, State s, String subject, Instant now) {
    s.event = e;
    s.told = now;
    return hook.sends(e.type()) ? new Message(hook, e, subject, "change") : null;
  }

  /**
   * Reminders due at {@code now}: a red pill still red, a drift still drifted, told to a webhook
   * with a {@code remind} period that long ago or longer. Each resets its period. Subjects of nodes
   * not {@code sweptHere} (another replica holds them now) are forgotten.
   */
  List<Message> due(List<Notification> hooks, Instant now, Predicate<String> sweptHere) {
    List<Message> out = new ArrayList<>();
    for (java.util.Iterator<Map.Entry<Key, State>> it = states.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Key, State> en = it.next();
      Notification hook = en.getKey().hook();
      State s = en.getValue();
      if (s.event != null && s.event.node() != null && !sweptHere.test(s.event.node())) {
        // Another replica sweeps the node now: it tells what follows; reminding from here would
        // repeat a state this process no longer sees change.
        it.remove();
        continue;
      }
      if (hook.remind() == null || s.alert == null || s.event == null || !hooks.contains(hook)) {
        continue;
      }
      if (!s.alert.equals(s.current) || !hook.sends(s.event.type())) {
        continue; // red turned yellow: not the state told any more
      }
      if (Duration.between(s.told, now).compareTo(hook.remind()) >= 0) {
        s.told = now;
        out.add(new Message(hook, s.event, subject(s.event), "reminder"));
      }
    }
    return out;
  }

  /** {@code node/stack}, {@code node}, or {@code -} for an event about no node. */
  static String subject(ServerEvent e) {
    StringBuilder sb = new StringBuilder(e.node() == null ? "-" : e.node());
    if (e.stack() != null) {
      sb.append('/').append(e.stack());
    }
    if (e.service() != null) {
      sb.append('/').append(e.service());
    }
    return sb.toString();
  }

  /** The event's data without what changes every run (an audit's run id): what makes it new. */
  private static String content(ObjectNode data) {
    ObjectNode copy = data.deepCopy();
    copy.remove("audit");
    return new String(TreeJson.compact(copy), StandardCharsets.UTF_8);
  }

  static String text(ObjectNode data, String field) {
    JsonNode n = data.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }
}
