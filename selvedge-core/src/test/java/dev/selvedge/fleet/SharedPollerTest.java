package dev.selvedge.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.fleet.PollerTest.ManualTime;
import dev.selvedge.fleet.PollerTest.Script;
import dev.selvedge.status.Pill;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Replicas sharing the nodes by claims held across sweeps ({@link Poller#share}), on one in-memory
 * store, with time moved by hand. Replica {@code c} runs on a clock of its own, so the test can
 * stop it (dead, or paused as by SIGSTOP) and let it wake later.
 */
class SharedPollerTest {
  static final Duration INTERVAL = Duration.ofSeconds(10);
  static final Duration EXPIRY = Duration.ofSeconds(30);

  final ManualTime time = new ManualTime(PollerTest.T0);
  final ManualTime cTime = new ManualTime(PollerTest.T0);
  final MemoryFleetState store = new MemoryFleetState(time);
  final AtomicInteger alive = new AtomicInteger(3);
  final List<Poller> pollers = new ArrayList<>();
  final Fleet fleet;

  SharedPollerTest() {
    String[] ids = new String[30];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = String.format("n%02d", i);
    }
    fleet = PollerTest.fleet(PollerTest.poll(INTERVAL, 8, 2, Duration.ofMinutes(5)), ids);
  }

  @AfterEach
  void close() {
    pollers.forEach(Poller::close);
  }

  Poller replica(String name, ManualTime clock, Script reader) {
    Poller p =
        new Poller(
            fleet,
            reader,
            store,
            clock,
            clock,
            Runnable::run,
            new Random(name.hashCode()),
            name,
            SweepListener.NONE);
    p.share(Poller.Sharing.of(alive::get, EXPIRY, fleet));
    pollers.add(p);
    return p;
  }

  /** Moves both clocks (or only the shared one while c is stopped) a second at a time. */
  void advance(Duration d, boolean cRuns) {
    for (long s = 0; s < d.toSeconds(); s++) {
      time.advance(Duration.ofSeconds(1));
      if (cRuns) {
        cTime.advance(Duration.ofSeconds(1));
      }
    }
  }

  @Test
  void eachNodeIsSweptOncePerIntervalAcrossTheReplicasWhichHoldEvenShares() {
    Script reads = new Script(time, n -> PollerTest.stacks(time, n, Pill.GREEN));
    Script cReads = new Script(cTime, n -> PollerTest.stacks(cTime, n, Pill.GREEN));
    Poller a = replica("a", time, reads);
    Poller b = replica("b", time, reads);
    Poller c = replica("c", cTime, cReads);
    a.start();
    b.start();
    c.start();
    advance(Duration.ofSeconds(120), true);
    assertThat(a.held()).hasSize(10);
    assertThat(b.held()).hasSize(10);
    assertThat(c.held()).hasSize(10);
    Set<String> all = new HashSet<>(a.held());
    all.addAll(b.held());
    all.addAll(c.held());
    assertThat(all).hasSize(30);
    for (String id : fleet.nodes().keySet()) {
      List<Instant> times = new ArrayList<>(reads.of(id));
      times.addAll(cReads.of(id));
      times.sort(null);
      // 120 s at 10 s (+ up to 1 s of jitter): 11 or 12 sweeps, never two within an interval
      assertThat(times).as(id).hasSizeBetween(10, 12);
      for (int i = 1; i < times.size(); i++) {
        assertThat(Duration.between(times.get(i - 1), times.get(i)))
            .as(id + " swept twice within an interval")
            .isGreaterThanOrEqualTo(INTERVAL);
      }
    }
    // every replica shows every node fresh (read from the store), and is ready
    for (Poller p : List.of(a, b, c)) {
      assertThat(p.view()).allSatisfy(v -> assertThat(v.stale()).as(v.node().id()).isFalse());
      assertThat(p.readiness()).isEmpty();
    }
  }

  @Test
  void aStoppedReplicasNodesAreTakenWithinTheBoundAndItsLateResultsAreFenced() {
    Script reads = new Script(time, n -> PollerTest.stacks(time, n, Pill.GREEN));
    Script cReads = new Script(cTime, n -> PollerTest.stacks(cTime, n, Pill.RED));
    Poller a = replica("a", time, reads);
    Poller b = replica("b", time, reads);
    Poller c = replica("c", cTime, cReads);
    a.start();
    b.start();
    c.start();
    advance(Duration.ofSeconds(60), true);
    List<String> cNodes = c.held();
    assertThat(cNodes).hasSize(10);

    // c stops (SIGSTOP); after three missed beats the others count two replicas
    Instant stopped = time.instant();
    int cReadsBefore = cReads.reads.values().stream().mapToInt(List::size).sum();
    advance(Duration.ofSeconds(15), false);
    alive.set(2);
    // the bound: the claim expiry plus a renewal period, then one interval to sweep
    Duration bound = EXPIRY.plus(INTERVAL).plus(INTERVAL).plusSeconds(2);
    advance(bound.minusSeconds(15), false);
    for (String id : cNodes) {
      NodeState s = store.node(id).orElseThrow();
      assertThat(s.sweptBy()).as(id).isIn("a", "b");
      assertThat(s.lastSweptAt()).as(id).isAfter(stopped.plus(EXPIRY));
    }
    assertThat(a.held().size() + b.held().size()).isEqualTo(30);

    // c wakes (SIGCONT): its sweeps due meanwhile run first, under claims it lost: fenced
    cTime.advance(Duration.between(cTime.instant(), time.instant()));
    assertThat(cReads.reads.values().stream().mapToInt(List::size).sum())
        .as("c swept again on waking")
        .isGreaterThan(cReadsBefore);
    for (String id : fleet.nodes().keySet()) {
      NodeState s = store.node(id).orElseThrow();
      assertThat(s.sweptBy()).as(id).isIn("a", "b");
      assertThat(s.stacks()).allSatisfy(st -> assertThat(st.reasons()).containsExactly("all good"));
    }
    assertThat(c.held()).as("c holds nothing any more: a and b hold their shares").isEmpty();
  }
}
