package dev.selvedge.server;

import dev.selvedge.fleet.FleetJson;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.json.TreeJson;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The answers of {@code GET /api/v1/fleet}, rendered once per version of the fleet's view and
 * query, not once per request: a 1,000-node answer is a third of a megabyte of JSON, and it only
 * changes when a sweep keeps a state, the fleet is reloaded, or a node's last sweep grows stale.
 * Each answer still carries the time it is served as {@code generated_at}. A view without a version
 * (the store's alone) is rendered every time.
 */
final class FleetAnswers {
  /** Distinct queries kept; past it the cache starts over (a client cycling through filters). */
  private static final int MAX_QUERIES = 64;

  private final FleetView fleet;
  private final Clock clock;
  private final Map<Query, Rendered> rendered = new ConcurrentHashMap<>();

  private record Query(String tag, String environment) {}

  /**
   * @param tail the answer after {@code "generated_at":"...",}
   * @param until when the first node shown fresh turns stale (the answer is redone then)
   */
  private record Rendered(long version, Instant until, byte[] tail) {}

  FleetAnswers(FleetView fleet, Clock clock) {
    this.fleet = fleet;
    this.clock = clock;
  }

  /** The answer's bytes: {@link FleetJson#fleet} of the nodes matching the filters, compact. */
  byte[] answer(String tag, String environment) {
    long version = fleet.version();
    Instant now = clock.instant();
    if (version < 0) {
      return TreeJson.compact(FleetJson.fleet(matching(fleet.view(), tag, environment), now));
    }
    Query query = new Query(tag, environment);
    Rendered r = rendered.get(query);
    if (r == null || r.version() != version || !now.isBefore(r.until())) {
      synchronized (this) {
        // One render per change: requests arriving meanwhile wait for it rather than redo it.
        r = rendered.get(query);
        version = fleet.version();
        now = clock.instant();
        if (r == null || r.version() != version || !now.isBefore(r.until())) {
          r = render(version, now, tag, environment);
          if (rendered.size() >= MAX_QUERIES) {
            rendered.clear();
          }
          rendered.put(query, r);
        }
      }
    }
    byte[] head = ("{\"generated_at\":\"" + now + "\",").getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[head.length + r.tail().length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(r.tail(), 0, out, head.length, r.tail().length);
    return out;
  }

  private Rendered render(long version, Instant now, String tag, String environment) {
    List<NodeView> views = matching(fleet.view(), tag, environment);
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
    byte[] whole = TreeJson.compact(FleetJson.fleet(views, now));
    byte[] head = ("{\"generated_at\":\"" + now + "\",").getBytes(StandardCharsets.UTF_8);
    if (!startsWith(whole, head)) {
      throw new IllegalStateException("the fleet answer no longer starts with generated_at");
    }
    byte[] tail = new byte[whole.length - head.length];
    System.arraycopy(whole, head.length, tail, 0, tail.length);
    return new Rendered(version, until, tail);
  }

  private static List<NodeView> matching(List<NodeView> views, String tag, String environment) {
    return views.stream().filter(v -> v.matches(tag, environment)).toList();
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
