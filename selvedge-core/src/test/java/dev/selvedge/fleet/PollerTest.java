package dev.selvedge.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The poller's scheduling and judgement with a node reader of the test's and time moved by hand:
 * sweeps run on the test's thread when the manual scheduler's time comes, so nothing sleeps.
 */
class PollerTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  final ManualTime time = new ManualTime(T0);
  final MemoryFleetState store = new MemoryFleetState(time);
  final List<Poller> pollers = new ArrayList<>();

  @AfterEach
  void close() {
    pollers.forEach(Poller::close);
  }

  // ---- the fake reader --------------------------------------------------------------------

  /** Answers each node with what {@code answer} says now; notes when each node was read. */
  static final class Script implements NodeReader {
    volatile Function<Fleet.Node, NodeReading> answer;
    final Map<String, List<Instant>> reads = new ConcurrentHashMap<>();
    final List<String> forgotten = Collections.synchronizedList(new ArrayList<>());
    final Clock clock;

    Script(Clock clock, Function<Fleet.Node, NodeReading> answer) {
      this.clock = clock;
      this.answer = answer;
    }

    @Override
    public NodeReading read(Fleet.Node node, Duration timeout) {
      reads
          .computeIfAbsent(node.id(), k -> Collections.synchronizedList(new ArrayList<>()))
          .add(clock.instant());
      return answer.apply(node);
    }

    @Override
    public void forget(String node) {
      forgotten.add(node);
    }

    List<Instant> of(String node) {
      return reads.getOrDefault(node, List.of());
    }
  }

  static NodeReading stacks(Clock clock, Fleet.Node node, Pill pill) {
    List<NodeReading.StackReading> stacks = new ArrayList<>();
    for (Fleet.Stack s : node.stacks().values()) {
      stacks.add(
          new NodeReading.StackReading(
              s.name(),
              s.project(),
              pill == Pill.GREEN ? Sync.IN_SYNC : Sync.DRIFTED,
              pill == Pill.RED ? Health.DEGRADED : Health.HEALTHY,
              pill,
              List.of(pill == Pill.GREEN ? "all good" : "web: " + pill.id() + " reason"),
              "{\"kind\":\"drift\"}"));
    }
    EngineFacts facts =
        new EngineFacts(
            "ID-" + node.id(),
            "27.0",
            "1.47",
            "linux",
            "x86_64",
            2,
            1L << 30,
            "/var/lib/docker",
            null);
    return new NodeReading(node.id(), clock.instant(), true, List.of(), facts, stacks);
  }

  static NodeReading unreachable(Clock clock, Fleet.Node node) {
    String why = "engine unreachable: " + node.engine() + ": connection refused";
    return new NodeReading(
        node.id(),
        clock.instant(),
        false,
        List.of(why),
        null,
        node.stacks().values().stream().map(s -> NodeReading.StackReading.unread(s, why)).toList());
  }

  static Fleet fleet(Fleet.Poll poll, String... ids) {
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    for (String id : ids) {
      nodes.put(id, node(id));
    }
    return new Fleet(Path.of("/fleet.yaml"), poll, nodes, List.of());
  }

  static Fleet.Node node(String id) {
    return new Fleet.Node(
        id,
        "tcp://127.0.0.1:1",
        null,
        null,
        "prod",
        List.of("eu"),
        Map.of("shop", new Fleet.Stack("shop", Path.of("/c/shop"), "shop", null, null)));
  }

  static Fleet.Poll poll(Duration interval, int concurrency, int flap, Duration cap) {
    return new Fleet.Poll(interval, Duration.ofSeconds(5), concurrency, flap, cap);
  }

  Poller poller(Fleet fleet, NodeReader reader) {
    return poller(fleet, reader, Runnable::run, "replica-a");
  }

  Poller poller(Fleet fleet, NodeReader reader, java.util.concurrent.Executor ex, String replica) {
    Poller p =
        new Poller(
            fleet, reader, store, time, time, ex, new Random(7), replica, SweepListener.NONE);
    pollers.add(p);
    return p;
  }

  // ---- scheduling -------------------------------------------------------------------------

  @Test
  void everyNodeIsSweptWithinTheFirstTenthThenEveryIntervalPlusAtMostATenth() {
    String[] ids = new String[20];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = "n" + i;
    }
    Script reader = new Script(time, null);
    reader.answer = n -> stacks(time, n, Pill.GREEN);
    Poller p =
        poller(fleet(poll(Duration.ofSeconds(60), 4, 2, Duration.ofMinutes(10)), ids), reader);
    p.start();

    time.advance(Duration.ofSeconds(6));
    for (String id : ids) {
      assertThat(reader.of(id)).as(id).hasSize(1);
      assertThat(reader.of(id).get(0)).isBefore(T0.plusSeconds(6));
    }
    time.advance(Duration.ofSeconds(600));
    List<Duration> gaps = new ArrayList<>();
    for (String id : ids) {
      List<Instant> r = reader.of(id);
      assertThat(r.size()).as(id).isBetween(9, 11);
      for (int i = 1; i < r.size(); i++) {
        gaps.add(Duration.between(r.get(i - 1), r.get(i)));
      }
    }
    assertThat(gaps)
        .allSatisfy(
            g ->
                assertThat(g)
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(60))
                    .isLessThan(Duration.ofSeconds(66)));
    // jitter: not all the same
    assertThat(gaps.stream().distinct().count()).isGreaterThan(5);
  }

  @Test
  void aFailingNodeBacksOffExponentiallyUpToTheCapAndRecovers() {
    Script reader = new Script(time, null);
    reader.answer = n -> unreachable(time, n);
    Poller p =
        poller(fleet(poll(Duration.ofSeconds(10), 4, 2, Duration.ofSeconds(60)), "a"), reader);
    p.start();
    time.advance(Duration.ofMinutes(6));
    List<Instant> r = reader.of("a");
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < r.size(); i++) {
      gaps.add(Duration.between(r.get(i - 1), r.get(i)).toMillis());
    }
    // after failure 1: 10s (+ up to 1s), 2: 20s (+2), 3: 40s (+4), then the cap of 60s
    assertThat(gaps.get(0)).isBetween(10_000L, 11_000L);
    assertThat(gaps.get(1)).isBetween(20_000L, 22_000L);
    assertThat(gaps.get(2)).isBetween(40_000L, 44_000L);
    assertThat(gaps.subList(3, gaps.size()))
        .isNotEmpty()
        .allSatisfy(g -> assertThat(g).isEqualTo(60_000L));

    reader.answer = n -> stacks(time, n, Pill.GREEN);
    time.advance(Duration.ofSeconds(60));
    int before = reader.of("a").size();
    time.advance(Duration.ofSeconds(33));
    // reachable again: back to the interval
    assertThat(reader.of("a").size() - before).isEqualTo(3);
    assertThat(p.view("a").orElseThrow().state().failures()).isZero();
  }

  @Test
  void aNodeIsNeverSweptTwiceAtOnceAndConcurrencyIsBounded() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    Map<String, AtomicInteger> perNode = new ConcurrentHashMap<>();
    AtomicInteger maxPerNode = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch twoIn = new CountDownLatch(2);
    NodeReader reader =
        new NodeReader() {
          @Override
          public NodeReading read(Fleet.Node node, Duration timeout) {
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            int mine =
                perNode.computeIfAbsent(node.id(), k -> new AtomicInteger()).incrementAndGet();
            maxPerNode.accumulateAndGet(mine, Math::max);
            twoIn.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            perNode.get(node.id()).decrementAndGet();
            running.decrementAndGet();
            return stacks(time, node, Pill.GREEN);
          }
        };
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    Poller p =
        poller(
            fleet(poll(Duration.ofSeconds(60), 2, 2, Duration.ofMinutes(10)), "a", "b", "c", "d"),
            reader,
            threads,
            "replica-a");
    ExecutorService callers = Executors.newFixedThreadPool(3);
    var s1 = callers.submit(p::sweepAll);
    var s2 = callers.submit(p::sweepAll);
    p.start();
    time.advance(Duration.ofSeconds(6)); // the scheduled first sweeps find the nodes busy
    assertThat(twoIn.await(10, TimeUnit.SECONDS)).isTrue();
    release.countDown();
    assertThat(s1.get(10, TimeUnit.SECONDS)).hasSize(4);
    assertThat(s2.get(10, TimeUnit.SECONDS)).hasSize(4);
    callers.shutdown();
    assertThat(maxPerNode.get()).isEqualTo(1);
    assertThat(maxRunning.get()).isEqualTo(2);
  }

  @Test
  void aSweepNowRunsOutOfScheduleButNeverBesideOneUnderWay() throws Exception {
    AtomicInteger reads = new AtomicInteger();
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    NodeReader reader =
        new NodeReader() {
          @Override
          public NodeReading read(Fleet.Node node, Duration timeout) {
            reads.incrementAndGet();
            inside.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return stacks(time, node, Pill.GREEN);
          }
        };
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    Poller p =
        poller(
            fleet(poll(Duration.ofSeconds(60), 2, 2, Duration.ofMinutes(10)), "a"),
            reader,
            threads,
            "replica-a");
    assertThat(p.sweepNow("nowhere")).isEmpty();
    var first = p.sweepNow("a").orElseThrow();
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
    // Asked again while the first is under way: none starts beside it.
    var second = p.sweepNow("a").orElseThrow();
    assertThat(second.get(10, TimeUnit.SECONDS)).isNull(); // no state kept yet
    release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).id()).isEqualTo("a");
    assertThat(reads.get()).isEqualTo(1);
    assertThat(store.node("a")).isPresent();
    // Not started: nothing scheduled, yet it swept; once closed it sweeps no more.
    p.close();
    assertThat(p.sweepNow("a")).isEmpty();
  }

  // ---- anti-flap --------------------------------------------------------------------------

  @Test
  void aStackChangesColourOnlyAfterTheNewColourHeldForFlapSweeps() {
    Script reader = new Script(time, null);
    reader.answer = n -> stacks(time, n, Pill.GREEN);
    Poller p =
        poller(fleet(poll(Duration.ofSeconds(60), 4, 2, Duration.ofMinutes(10)), "a"), reader);

    assertThat(pill(p.sweepAll())).isEqualTo(Pill.GREEN);
    reader.answer = n -> stacks(time, n, Pill.RED);
    List<NodeState> once = p.sweepAll();
    assertThat(pill(once)).as("one red sweep is a flap").isEqualTo(Pill.GREEN);
    assertThat(once.get(0).stacks().get(0).reasons())
        .anySatisfy(r -> assertThat(r).contains("turning red"));
    reader.answer = n -> stacks(time, n, Pill.GREEN);
    assertThat(pill(p.sweepAll())).isEqualTo(Pill.GREEN);
    reader.answer = n -> stacks(time, n, Pill.RED);
    assertThat(pill(p.sweepAll())).isEqualTo(Pill.GREEN);
    List<NodeState> twice = p.sweepAll();
    assertThat(pill(twice)).isEqualTo(Pill.RED);
    assertThat(twice.get(0).pill()).isEqualTo(Pill.RED);

    List<PillChange> history = store.history("a", 10);
    assertThat(history)
        .extracting(c -> c.stack() + ":" + c.from() + "->" + c.to())
        .containsExactly(
            "shop:GREEN->RED", "null:GREEN->RED", "shop:null->GREEN", "null:null->GREEN");
  }

  @Test
  void anUnreachableNodeTurnsRedOnItsSecondFailedSweepWithTheReasonAndItsStacksUnknown() {
    Script reader = new Script(time, null);
    reader.answer = n -> stacks(time, n, Pill.GREEN);
    Poller p =
        poller(fleet(poll(Duration.ofSeconds(60), 4, 2, Duration.ofMinutes(10)), "a", "b"), reader);
    p.sweepAll();
    reader.answer = n -> n.id().equals("a") ? unreachable(time, n) : stacks(time, n, Pill.GREEN);
    NodeState first = p.sweepAll().get(0);
    assertThat(first.pill()).isEqualTo(Pill.GREEN);
    assertThat(first.failures()).isEqualTo(1);
    List<NodeState> second = p.sweepAll();
    NodeState a = second.get(0);
    assertThat(a.pill()).isEqualTo(Pill.RED);
    assertThat(a.reasons()).singleElement().asString().contains("connection refused");
    assertThat(a.stacks().get(0).sync()).isEqualTo(Sync.UNKNOWN);
    assertThat(a.stacks().get(0).health()).isNull();
    assertThat(a.facts()).as("the last facts known stay").isNotNull();
    assertThat(second.get(1).pill()).as("the other node is untouched").isEqualTo(Pill.GREEN);
  }

  @Test
  void theFirstColourEverSeenIsShownAtOnce() {
    Script reader = new Script(time, n -> unreachable(time, n));
    Poller p = poller(fleet(Fleet.Poll.DEFAULT, "a"), reader);
    assertThat(pill(p.sweepAll())).isEqualTo(Pill.RED);
  }

  // ---- reload, readiness, restart, claims, close -------------------------------------------

  @Test
  void aReloadStartsNewNodesStopsRemovedOnesAndReadinessWaitsForTheNew() {
    Script reader = new Script(time, null);
    reader.answer = n -> stacks(time, n, Pill.GREEN);
    Fleet.Poll poll = poll(Duration.ofSeconds(60), 4, 2, Duration.ofMinutes(10));
    Poller p = poller(fleet(poll, "a", "b"), reader);
    assertThat(p.readiness()).contains("waiting for the first sweep of 2 of 2 nodes: a, b");
    p.start();
    time.advance(Duration.ofSeconds(6));
    assertThat(p.readiness()).isEmpty();

    p.update(fleet(poll, "b", "c"));
    assertThat(p.readiness()).contains("waiting for the first sweep of 1 of 2 nodes: c");
    assertThat(reader.forgotten).containsExactly("a");
    int aReads = reader.of("a").size();
    int bReads = reader.of("b").size();
    time.advance(Duration.ofSeconds(300));
    assertThat(reader.of("a")).hasSize(aReads);
    assertThat(reader.of("b").size()).isGreaterThan(bReads);
    assertThat(reader.of("c").size()).isBetween(5, 6);
    assertThat(p.readiness()).isEmpty();
    assertThat(p.view()).extracting(v -> v.node().id()).containsExactly("b", "c");
  }

  @Test
  void afterARestartTheLastStateShowsAtOnceMarkedStaleUntilSweptAgain() {
    Script reader = new Script(time, n -> stacks(time, n, Pill.YELLOW));
    Fleet fleet = fleet(poll(Duration.ofSeconds(60), 4, 2, Duration.ofMinutes(10)), "a");
    Poller first = poller(fleet, reader);
    first.sweepAll();
    assertThat(first.view("a").orElseThrow().stale()).isFalse();
    first.close();

    time.advance(Duration.ofSeconds(5));
    reader.answer = n -> stacks(time, n, Pill.GREEN);
    Poller second = poller(fleet, reader);
    NodeView v = second.view("a").orElseThrow();
    assertThat(v.stale()).isTrue();
    assertThat(v.state().pill()).isEqualTo(Pill.YELLOW);
    // the stored colour is the shown one: green must hold for two sweeps
    assertThat(pill(second.sweepAll())).isEqualTo(Pill.YELLOW);
    assertThat(second.view("a").orElseThrow().stale()).isFalse();
    assertThat(pill(second.sweepAll())).isEqualTo(Pill.GREEN);

    time.advance(Duration.ofSeconds(121));
    assertThat(second.view("a").orElseThrow().stale()).as("older than two intervals").isTrue();
  }

  /** The fleet state of the test, counting what is written through it. */
  static final class Counting implements dev.selvedge.port.FleetStateStore {
    final MemoryFleetState inner;
    final AtomicInteger records = new AtomicInteger();
    final AtomicInteger touches = new AtomicInteger();
    final AtomicInteger claims = new AtomicInteger();
    final AtomicInteger renewals = new AtomicInteger();
    final AtomicInteger holds = new AtomicInteger();

    Counting(MemoryFleetState inner) {
      this.inner = inner;
    }

    @Override
    public void record(NodeState state, List<PillChange> changes) {
      records.incrementAndGet();
      inner.record(state, changes);
    }

    @Override
    public boolean record(Claim claim, NodeState state, List<PillChange> changes) {
      records.incrementAndGet();
      return inner.record(claim, state, changes);
    }

    @Override
    public boolean touch(Claim claim, String node, Instant at, EngineFacts facts, boolean release) {
      touches.incrementAndGet();
      return inner.touch(claim, node, at, facts, release);
    }

    @Override
    public List<Claim> hold(
        String replica, List<String> nodes, int replicas, Duration ttl, Duration orphanAfter) {
      holds.incrementAndGet();
      return inner.hold(replica, nodes, replicas, ttl, orphanAfter);
    }

    @Override
    public List<NodeState> nodes() {
      return inner.nodes();
    }

    @Override
    public java.util.Optional<NodeState> node(String id) {
      return inner.node(id);
    }

    @Override
    public List<PillChange> history(String node, int limit) {
      return inner.history(node, limit);
    }

    @Override
    public java.util.Optional<Claim> claim(String node, String replica, Duration ttl) {
      claims.incrementAndGet();
      return inner.claim(node, replica, ttl);
    }

    @Override
    public java.util.Optional<Claim> renew(Claim claim, Duration ttl) {
      renewals.incrementAndGet();
      return inner.renew(claim, ttl);
    }

    @Override
    public void release(Claim claim) {
      inner.release(claim);
    }
  }

  @Test
  void aSweepThatFindsTheNodeAsRecordedOnlyTouchesItAndRenewsItsClaim() {
    Counting counting = new Counting(store);
    Script reader = new Script(time, n -> stacks(time, n, Pill.GREEN));
    Fleet fleet = fleet(poll(Duration.ofSeconds(60), 4, 2, Duration.ofMinutes(10)), "a");
    Poller p =
        new Poller(
            fleet,
            reader,
            counting,
            time,
            time,
            Runnable::run,
            new Random(7),
            "replica-a",
            SweepListener.NONE);
    pollers.add(p);
    long v0 = p.version();
    p.sweepAll();
    assertThat(counting.records).hasValue(1);
    assertThat(p.version()).isGreaterThan(v0);
    for (int i = 1; i <= 3; i++) {
      time.advance(Duration.ofSeconds(60));
      long before = p.version();
      p.sweepAll();
      assertThat(counting.touches).hasValue(i);
      assertThat(store.node("a").orElseThrow().lastSweptAt()).isEqualTo(time.instant());
      assertThat(p.version()).as("the view's sweep time moved").isGreaterThan(before);
    }
    assertThat(counting.records).as("nothing changed but the time").hasValue(1);
    assertThat(counting.claims).as("claimed once, then renewed").hasValue(1);
    assertThat(counting.renewals).hasValue(3);

    // A change is recorded whole: red seen once (a note of it), then twice (the pill turns).
    reader.answer = n -> stacks(time, n, Pill.RED);
    p.sweepAll();
    p.sweepAll();
    assertThat(counting.records).hasValue(3);
    assertThat(store.node("a").orElseThrow().pill()).isEqualTo(Pill.RED);
    p.sweepAll();
    assertThat(counting.touches).hasValue(4);

    // Another replica claimed the node meanwhile: the next sweep records whole again, as the
    // store may hold that replica's state.
    var other = store.claim("a", "replica-b", Duration.ofSeconds(1)).orElseThrow();
    store.release(other);
    p.sweepAll();
    assertThat(counting.records).hasValue(4);
    assertThat(counting.claims).hasValue(2);
  }

  @Test
  void reportsAreTheSameButForTheirGenerationTime() {
    String a =
        "{\n  \"schema\" : 1,\n  \"generated_at\" : \"2026-01-01T00:00:00Z\",\n  \"x\" : 1\n}";
    String b =
        "{\n  \"schema\" : 1,\n  \"generated_at\" : \"2026-01-01T00:01:00.5Z\",\n  \"x\" : 1\n}";
    String c =
        "{\n  \"schema\" : 1,\n  \"generated_at\" : \"2026-01-01T00:01:00Z\",\n  \"x\" : 2\n}";
    assertThat(Poller.sameReport(a, b)).isTrue();
    assertThat(Poller.sameReport(a, c)).isFalse();
    assertThat(Poller.sameReport(null, null)).isTrue();
    assertThat(Poller.sameReport(a, null)).isFalse();
    assertThat(Poller.sameReport("{}", "{}")).isTrue();
    assertThat(Poller.sameReport("{\"y\":1}", "{\"y\":2}")).isFalse();
  }

  @Test
  void aNodeClaimedByAnotherReplicaIsNotSweptAndAFencedOutResultIsDropped() {
    Script reader = new Script(time, n -> stacks(time, n, Pill.GREEN));
    Fleet fleet = fleet(poll(Duration.ofSeconds(60), 4, 2, Duration.ofMinutes(10)), "a");
    var other = store.claim("a", "replica-b", Duration.ofMinutes(5)).orElseThrow();
    Poller p = poller(fleet, reader);
    assertThat(p.sweepAll()).isEmpty();
    assertThat(reader.of("a")).isEmpty();
    store.release(other);

    // replica-b takes the node over while our sweep reads it: our result must not land
    reader.answer =
        n -> {
          time.advance(Duration.ofMinutes(10)); // our claim expires meanwhile
          store.claim("a", "replica-b", Duration.ofMinutes(5)).orElseThrow();
          return stacks(time, n, Pill.RED);
        };
    assertThat(p.sweepAll()).isEmpty();
    assertThat(store.node("a")).isEmpty();
  }

  @Test
  void closeAbandonsASweepThatOutlivesTheTimeoutAndNothingIsWritten() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    NodeReader reader =
        (node, timeout) -> {
          inside.countDown();
          try {
            never.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return stacks(time, node, Pill.GREEN);
        };
    Fleet.Poll poll =
        new Fleet.Poll(Duration.ofSeconds(60), Duration.ofMillis(200), 4, 2, Duration.ofMinutes(1));
    Poller p = poller(fleet(poll, "a"), reader, Executors.newVirtualThreadPerTaskExecutor(), "r");
    p.start();
    time.advance(Duration.ofSeconds(6));
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
    p.close(); // waits the 200 ms timeout, then abandons (interrupts) the sweep
    assertThat(store.node("a")).isEmpty();
    assertThat(p.readiness()).contains("the poller is stopping");
  }

  static Pill pill(List<NodeState> states) {
    return states.get(0).stacks().get(0).pill();
  }

  // ---- manual time ------------------------------------------------------------------------

  /** A clock and a scheduler moved by the test: due actions run on the test's thread. */
  static final class ManualTime extends Clock implements Scheduler {
    private volatile Instant now;
    private final PriorityQueue<Entry> due =
        new PriorityQueue<>(Comparator.comparing((Entry e) -> e.at).thenComparing(e -> e.seq));
    private long seq;

    private record Entry(Instant at, long seq, Runnable action, boolean[] cancelled) {}

    ManualTime(Instant start) {
      this.now = start;
    }

    /** Moves time forward by {@code d}, running every action that comes due, in order. */
    void advance(Duration d) {
      Instant end = now.plus(d);
      while (true) {
        Entry next;
        synchronized (this) {
          next = due.peek();
          if (next == null || next.at.isAfter(end)) {
            break;
          }
          due.poll();
        }
        if (next.at.isAfter(now)) {
          now = next.at;
        }
        if (!next.cancelled[0]) {
          next.action.run();
        }
      }
      if (end.isAfter(now)) {
        now = end;
      }
    }

    @Override
    public synchronized Task schedule(Duration delay, Runnable action) {
      boolean[] cancelled = {false};
      due.add(new Entry(now.plus(delay), seq++, action, cancelled));
      return () -> cancelled[0] = true;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
