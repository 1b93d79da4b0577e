package dev.selvedge.fleet.rollout;

import dev.selvedge.port.RolloutStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rollout store in memory, as the JDBC one behaves (StoreContract), for unit tests: its clock
 * stands for the database's, on which leases are written and judged.
 */
final class MemoryRolloutStore implements RolloutStore {
  private final Clock clock;
  private final Map<String, Rollout> rollouts = new LinkedHashMap<>();
  private final Map<String, Map<String, NodeStep>> steps = new LinkedHashMap<>();

  /** When set, a renewal throws it (the store away). */
  volatile RuntimeException renewFailure;

  /** When set, a step write throws it. */
  volatile RuntimeException stepFailure;

  MemoryRolloutStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized void create(Rollout r, List<NodeStep> list, Duration lease) {
    active(r.stack())
        .ifPresent(
            a -> {
              throw new Busy(r.stack(), a.id());
            });
    rollouts.put(
        r.id(),
        with(r, r.state(), r.owner(), r.owner() == null ? null : clock.instant().plus(lease)));
    Map<String, NodeStep> m = new LinkedHashMap<>();
    list.forEach(s -> m.put(s.node(), s));
    steps.put(r.id(), m);
  }

  @Override
  public synchronized Optional<Rollout> find(String id) {
    return Optional.ofNullable(rollouts.get(id));
  }

  @Override
  public synchronized List<NodeStep> steps(String id) {
    List<NodeStep> l = new ArrayList<>(steps.getOrDefault(id, Map.of()).values());
    l.sort(Comparator.comparingInt(NodeStep::position));
    return l;
  }

  @Override
  public synchronized List<Rollout> list(int limit) {
    return rollouts.values().stream().limit(limit).toList();
  }

  @Override
  public synchronized Optional<Rollout> active(String stack) {
    return rollouts.values().stream()
        .filter(r -> r.stack().equals(stack) && r.state().active())
        .findFirst();
  }

  private static Rollout with(Rollout r, RolloutStore.State s, String owner, Instant until) {
    return new Rollout(
        r.id(),
        r.stack(),
        r.selector(),
        r.waves(),
        r.images(),
        r.gateTimeout(),
        r.parallel(),
        r.force(),
        s,
        r.actor(),
        r.createdAt(),
        r.updatedAt(),
        owner,
        until,
        r.reason(),
        r.failedNode());
  }

  @Override
  public synchronized Optional<Rollout> claim(String id, String owner, Duration lease) {
    Instant now = clock.instant();
    Instant until = now.plus(lease);
    Rollout r = rollouts.get(id);
    if (r == null
        || !r.state().active()
        || !(r.owner() == null || r.owner().equals(owner) || r.leaseUntil().isBefore(now))) {
      return Optional.empty();
    }
    Rollout c = with(r, r.state(), owner, until);
    rollouts.put(id, c);
    return Optional.of(c);
  }

  @Override
  public synchronized List<Rollout> claimExpired(String owner, Duration lease, int limit) {
    Instant now = clock.instant();
    List<Rollout> out = new ArrayList<>();
    for (Rollout r : new ArrayList<>(rollouts.values())) {
      if (r.state().active() && (r.owner() == null || r.leaseUntil().isBefore(now))) {
        out.add(claim(r.id(), owner, lease).orElseThrow());
      }
    }
    return out;
  }

  @Override
  public synchronized List<String> abandonedAborts(int limit) {
    Instant now = clock.instant();
    return rollouts.values().stream()
        .filter(r -> r.state() == State.ABORTED && r.owner() != null)
        .filter(r -> r.leaseUntil() == null || r.leaseUntil().isBefore(now))
        .map(Rollout::id)
        .limit(limit)
        .toList();
  }

  @Override
  public synchronized Optional<Rollout> renew(String id, String owner, Duration lease) {
    Instant until = clock.instant().plus(lease);
    if (renewFailure != null) {
      throw renewFailure;
    }
    Rollout r = rollouts.get(id);
    if (r == null || !owner.equals(r.owner())) {
      return Optional.empty();
    }
    Rollout c = with(r, r.state(), owner, until);
    rollouts.put(id, c);
    return Optional.of(c);
  }

  @Override
  public synchronized boolean step(String id, String owner, NodeStep s) {
    if (stepFailure != null) {
      throw stepFailure;
    }
    Rollout r = rollouts.get(id);
    if (r == null || !owner.equals(r.owner())) {
      return false;
    }
    NodeStep was = steps.get(id).get(s.node());
    steps
        .get(id)
        .put(
            s.node(),
            new NodeStep(
                s.node(),
                was.wave(),
                was.position(),
                s.step(),
                was.host() != null ? was.host() : s.host(),
                was.previous() != null ? was.previous() : s.previous(),
                s.deployment(),
                s.detail(),
                s.updatedAt()));
    return true;
  }

  @Override
  public synchronized int skipPending(String id, String owner, String detail, Instant at) {
    Rollout r = rollouts.get(id);
    if (r == null || !owner.equals(r.owner())) {
      return 0;
    }
    int n = 0;
    for (NodeStep s : steps(id)) {
      if (s.step() == Step.PENDING) {
        steps.get(id).put(s.node(), s.with(Step.SKIPPED, detail, at));
        n++;
      }
    }
    return n;
  }

  @Override
  public synchronized boolean transition(
      String id,
      String owner,
      State next,
      String reason,
      String failedNode,
      Instant at,
      Duration lease) {
    Rollout r = rollouts.get(id);
    if (r == null || !r.state().canGo(next)) {
      return false;
    }
    Instant now = clock.instant();
    boolean leased = r.owner() != null && r.leaseUntil() != null && !r.leaseUntil().isBefore(now);
    if (owner != null && leased && !owner.equals(r.owner())) {
      return false;
    }
    if (next.active()) {
      active(r.stack())
          .filter(a -> !a.id().equals(id))
          .ifPresent(
              a -> {
                throw new Busy(r.stack(), a.id());
              });
    }
    boolean keep = !next.active() && owner == null && leased;
    if (r.state() == State.ABORTED && next == State.ABORTED && (keep || r.owner() == null)) {
      return false; // aborted again: only an owner whose lease ran out is left to clear
    }
    if (!next.active() && owner == null && !keep) {
      for (NodeStep s : steps(id)) {
        if (s.step() == Step.PENDING) {
          steps
              .get(id)
              .put(
                  s.node(),
                  s.with(Step.SKIPPED, "not reached: the rollout was " + next.label(), at));
        }
      }
    }
    rollouts.put(
        id,
        new Rollout(
            r.id(),
            r.stack(),
            r.selector(),
            r.waves(),
            r.images(),
            r.gateTimeout(),
            r.parallel(),
            r.force(),
            next,
            r.actor(),
            r.createdAt(),
            at,
            next.active() ? owner : keep ? r.owner() : null,
            next.active() ? (lease == null ? null : now.plus(lease)) : keep ? r.leaseUntil() : null,
            reason,
            failedNode));
    return true;
  }
}
