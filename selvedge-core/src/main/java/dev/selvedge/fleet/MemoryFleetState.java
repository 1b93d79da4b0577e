package dev.selvedge.fleet;

import dev.selvedge.port.FleetStateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The fleet state kept in this process only: for {@code selvedge fleet status}, which sweeps once
 * and keeps nothing, and for tests. Claims behave as the database's do, within the process.
 */
public final class MemoryFleetState implements FleetStateStore {
  private final Clock clock;
  private final Map<String, NodeState> nodes = new TreeMap<>();
  private final Map<String, List<PillChange>> history = new HashMap<>();
  private final Map<String, Claim> claims = new HashMap<>();
  private final Map<String, Long> tokens = new HashMap<>();

  public MemoryFleetState(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized void record(NodeState state, List<PillChange> changes) {
    nodes.put(state.id(), state);
    history.computeIfAbsent(state.id(), k -> new ArrayList<>()).addAll(changes);
  }

  @Override
  public synchronized boolean record(Claim claim, NodeState state, List<PillChange> changes) {
    Claim current = claims.get(claim.node());
    if (current == null || current.token() != claim.token()) {
      return false;
    }
    record(state.sweptBy(claim.replica()), changes);
    return true;
  }

  @Override
  public synchronized boolean touch(Claim claim, String node, Instant at, EngineFacts facts) {
    Claim current = claims.get(claim.node());
    NodeState s = nodes.get(node);
    if (current == null || current.token() != claim.token() || s == null) {
      return false;
    }
    List<StackState> stacks = new ArrayList<>();
    for (StackState st : s.stacks()) {
      stacks.add(
          new StackState(
              st.node(),
              st.name(),
              st.project(),
              st.sync(),
              st.health(),
              st.pill(),
              st.reasons(),
              st.report(),
              at));
    }
    nodes.put(
        node,
        new NodeState(
            s.id(),
            s.pill(),
            s.reasons(),
            at,
            s.failures(),
            facts == null ? s.facts() : facts,
            stacks,
            claim.replica()));
    release(claim);
    return true;
  }

  @Override
  public synchronized List<NodeState> nodes() {
    return List.copyOf(nodes.values());
  }

  @Override
  public synchronized Optional<NodeState> node(String id) {
    return Optional.ofNullable(nodes.get(id));
  }

  @Override
  public synchronized List<PillChange> history(String node, int limit) {
    List<PillChange> all = new ArrayList<>(history.getOrDefault(node, List.of()));
    java.util.Collections.reverse(all);
    return List.copyOf(all.subList(0, Math.min(limit, all.size())));
  }

  @Override
  public synchronized Optional<Claim> claim(String node, String replica, Duration ttl) {
    Instant now = clock.instant();
    Claim current = claims.get(node);
    if (current != null && !current.replica().equals(replica) && current.expiresAt().isAfter(now)) {
      return Optional.empty();
    }
    long token = tokens.merge(node, 1L, Long::sum);
    Claim granted = new Claim(node, replica, token, now.plus(ttl));
    claims.put(node, granted);
    return Optional.of(granted);
  }

  @Override
  public synchronized Optional<Claim> renew(Claim claim, Duration ttl) {
    Claim current = claims.get(claim.node());
    if (current == null || current.token() != claim.token()) {
      return Optional.empty();
    }
    Claim renewed =
        new Claim(claim.node(), claim.replica(), claim.token(), clock.instant().plus(ttl));
    claims.put(claim.node(), renewed);
    return Optional.of(renewed);
  }

  @Override
  public synchronized void release(Claim claim) {
    // Kept, expired, as the database keeps its row: its holder may renew it while nobody else
    // claimed the node.
    Claim current = claims.get(claim.node());
    Instant now = clock.instant();
    if (current != null && current.token() == claim.token() && current.expiresAt().isAfter(now)) {
      claims.put(claim.node(), new Claim(current.node(), current.replica(), current.token(), now));
    }
  }
}
