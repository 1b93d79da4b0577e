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
  public synchronized boolean touch(
      Claim claim, String node, Instant at, EngineFacts facts, boolean release) {
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
    if (release) {
      release(claim);
    }
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

  @Override
  public synchronized List<Claim> hold(
      String replica, List<String> nodes, int replicas, Duration ttl, Duration orphanAfter) {
    Instant now = clock.instant();
    Instant expires = now.plus(ttl);
    int share =
        nodes.isEmpty() ? 0 : (nodes.size() + Math.max(1, replicas) - 1) / Math.max(1, replicas);
    java.util.Set<String> wanted = new java.util.HashSet<>(nodes);
    List<String> kept = new java.util.ArrayList<>();
    for (Claim c : List.copyOf(claims.values())) {
      if (!c.replica().equals(replica)) {
        continue;
      }
      if (wanted.contains(c.node())) {
        kept.add(c.node());
      } else {
        claims.put(c.node(), new Claim(c.node(), "", c.token(), now));
      }
    }
    java.util.Collections.sort(kept);
    for (String n : kept.subList(Math.min(share, kept.size()), kept.size())) {
      claims.put(n, new Claim(n, "", claims.get(n).token(), now));
    }
    kept = new java.util.ArrayList<>(kept.subList(0, Math.min(share, kept.size())));
    for (String n : kept) {
      claims.put(n, new Claim(n, replica, claims.get(n).token(), expires));
    }
    int need = share - kept.size();
    for (String n : free(nodes, now)) {
      if (need-- <= 0) {
        break;
      }
      take(n, replica, expires);
    }
    for (String n : free(nodes, now.minus(orphanAfter))) {
      if (claims.get(n) != null) { // claimed once, then left
        take(n, replica, expires);
      }
    }
    return claims.values().stream()
        .filter(c -> c.replica().equals(replica))
        .sorted(java.util.Comparator.comparing(Claim::node))
        .toList();
  }

  private List<String> free(List<String> nodes, Instant cutoff) {
    return nodes.stream()
        .filter(n -> claims.get(n) == null || !claims.get(n).expiresAt().isAfter(cutoff))
        .sorted(
            java.util.Comparator.comparing(
                    (String n) -> claims.get(n) == null ? Instant.EPOCH : claims.get(n).expiresAt())
                .thenComparing(n -> n))
        .toList();
  }

  private void take(String node, String replica, Instant expires) {
    long token = tokens.merge(node, 1L, Long::sum);
    claims.put(node, new Claim(node, replica, token, expires));
  }
}
