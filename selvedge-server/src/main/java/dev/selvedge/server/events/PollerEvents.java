package dev.selvedge.server.events;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.fleet.NodeReading;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.PillChange;
import dev.selvedge.fleet.StackState;
import dev.selvedge.fleet.SweepListener;
import dev.selvedge.status.Sync;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The poller's part of the event stream: after each kept sweep, {@code node.status.changed} and
 * {@code stack.status.changed} for every pill change (after anti-flap: from, to, reasons), {@code
 * drift.detected} / {@code drift.resolved} when a stack's sync turns drifted / back in sync (a
 * sweep that could not tell, {@code unknown}, changes nothing), and {@code sweep.failed} when the
 * node's engine did not answer. The node is the fleet file's node id. Reasons are the fleet API's
 * own (drift shows secret keys by name and fingerprint, never their values); URL passwords in them
 * (an engine endpoint's, in an unreachable engine's message) are masked here once more.
 */
public final class PollerEvents implements SweepListener {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final EventPublisher publisher;
  // The last sync known (in-sync or drifted) of each stack: what drift events compare with.
  private final Map<String, Sync> syncs = new ConcurrentHashMap<>();

  public PollerEvents(EventPublisher publisher) {
    this.publisher = publisher;
  }

  @Override
  public void swept(String node, Duration took, boolean reachable) {}

  @Override
  public void kept(
      NodeState before, NodeState after, List<PillChange> changes, NodeReading reading) {
    String node = after.id();
    for (PillChange c : changes) {
      ObjectNode data = F.objectNode();
      data.put("from", c.from() == null ? null : c.from().id());
      data.put("to", c.to().id());
      reasons(data, c.reasons());
      StackState st = c.stack() == null ? null : stack(after, c.stack());
      if (st != null) {
        data.put("project", st.project());
        data.put("sync", st.sync() == null ? null : st.sync().id());
        data.put("health", st.health() == null ? null : st.health().id());
      }
      publisher.publish(
          ServerEvent.of(
              c.stack() == null ? "node.status.changed" : "stack.status.changed",
              c.at(),
              node,
              c.stack(),
              null,
              null,
              data));
    }
    for (StackState st : after.stacks()) {
      drift(before, st, reading);
    }
    if (!reading.reachable()) {
      ObjectNode data = F.objectNode();
      reasons(data, reading.reasons());
      data.put("failures", after.failures());
      data.put("pill", after.pill() == null ? null : after.pill().id());
      publisher.publish(ServerEvent.of("sweep.failed", reading.at(), node, null, null, null, data));
    }
  }

  private void drift(NodeState before, StackState st, NodeReading reading) {
    Sync now = st.sync();
    if (now != Sync.IN_SYNC && now != Sync.DRIFTED) {
      return; // unknown: not read, or a layer unreadable; tells nothing about drift
    }
    String key = st.node() + "\u0000" + st.name();
    Sync was = syncs.get(key);
    if (was == null && before != null) {
      StackState earlier = stack(before, st.name());
      if (earlier != null && (earlier.sync() == Sync.IN_SYNC || earlier.sync() == Sync.DRIFTED)) {
        was = earlier.sync();
      }
    }
    syncs.put(key, now);
    if (now == was || (was == null && now == Sync.IN_SYNC)) {
      return;
    }
    ObjectNode data = F.objectNode();
    data.put("project", st.project());
    data.put("pill", st.pill() == null ? null : st.pill().id());
    // What this sweep saw (the stack's shown reasons may still be the old colour's: anti-flap).
    List<String> seen = st.reasons();
    for (NodeReading.StackReading r : reading.stacks()) {
      if (r.name().equals(st.name())) {
        seen = r.reasons();
      }
    }
    reasons(data, seen);
    publisher.publish(
        ServerEvent.of(
            now == Sync.DRIFTED ? "drift.detected" : "drift.resolved",
            st.sweptAt(),
            st.node(),
            st.name(),
            null,
            null,
            data));
  }

  private static StackState stack(NodeState state, String name) {
    for (StackState s : state.stacks()) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  private static void reasons(ObjectNode data, List<String> reasons) {
    ArrayNode arr = data.putArray("reasons");
    for (String r : reasons) {
      arr.add(Secrets.maskUrlPasswords(r, SecretValues.MASK));
    }
  }
}
