package dev.selvedge.fleet;

import dev.selvedge.port.FleetStateStore;
import dev.selvedge.status.Pill;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * Sweeps every node of the fleet on its interval and keeps what it saw in the {@link
 * FleetStateStore}.
 *
 * <ul>
 *   <li>Each node is swept every {@code poll.interval} plus a jitter of up to a tenth of it (so
 *       nodes added together drift apart); the first sweep after {@link #start} within the first
 *       tenth of an interval.
 *   <li>At most {@code poll.concurrency} sweeps run at once (a semaphore over the executor's
 *       threads, virtual by default); one node is never swept twice at once.
 *   <li>While a node's engine does not answer, its next sweep waits {@code interval × 2^(n-1)}
 *       after the n-th failure, never more than {@code poll.backoffCap}.
 *   <li>Anti-flap: a pill (node or stack) changes colour only after the new colour was seen in
 *       {@code poll.flapSweeps} sweeps in a row; so an unreachable node turns red on its second
 *       failed sweep by default.
 *   <li>Every sweep of a node is done under a claim on it in the store, and its result is written
 *       only with the claim's current fencing token: replicas sharing one database can later share
 *       the nodes; nothing is queued in memory only.
 * </ul>
 *
 * Time comes from the given {@link Clock} and {@link Scheduler}, so tests drive it by hand.
 */
public final class Poller implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Poller.class.getName());

  private final NodeReader reader;
  private final FleetStateStore store;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Executor executor;
  private final RandomGenerator random;
  private final String replica;
  private final SweepListener listener;

  private final Object lock = new Object();
  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicLong version = new AtomicLong();
  private volatile Fleet fleet;
  private final Limit permits;
  private volatile boolean started;
  private volatile boolean closed;
  private volatile boolean abandoned;

  // Claims held across sweeps (several replicas on one store), or null: a claim per sweep.
  private volatile Sharing sharing;
  private final Map<String, FleetStateStore.Claim> held = new ConcurrentHashMap<>();
  private volatile Map<String, NodeState> stored = Map.of();
  private volatile Instant startedAt;
  private volatile boolean holdFailing;

  /**
   * @param scheduler closed by {@link #close}
   * @param executor runs the sweeps (each blocks on engine calls: virtual threads suit it); shut
   *     down by {@link #close} when it is an {@code ExecutorService}
   * @param random the jitter's source
   * @param replica this process's name in the sweep claims
   * @param listener told of every finished sweep
   */
  public Poller(
      Fleet fleet,
      NodeReader reader,
      FleetStateStore store,
      Clock clock,
      Scheduler scheduler,
      Executor executor,
      RandomGenerator random,
      String replica,
      SweepListener listener) {
    this.reader = reader;
    this.store = store;
    this.clock = clock;
    this.scheduler = scheduler;
    this.executor = executor;
    this.random = random;
    this.replica = replica;
    this.listener = listener;
    this.fleet = fleet;
    this.permits = new Limit(Math.max(1, fleet.poll().concurrency()));
    for (Fleet.Node node : fleet.nodes().values()) {
      runs.put(node.id(), newRun(node));
    }
  }

  /**
   * A poller on the system clock, a timer thread, virtual threads and a replica name of its own.
   */
  public static Poller create(
      Fleet fleet, NodeReader reader, FleetStateStore store, SweepListener listener) {
    return new Poller(
        fleet,
        reader,
        store,
        Clock.systemUTC(),
        Scheduler.system(),
        Executors.newVirtualThreadPerTaskExecutor(),
        RandomGenerator.getDefault(),
        "replica-" + UUID.randomUUID(),
        listener);
  }

  /** This process's name in the sweep claims. */
  public String replica() {
    return replica;
  }

  public Fleet fleet() {
    return fleet;
  }

  /**
   * Grows whenever what {@link #view()} shows may have changed other than by the passing of time (a
   * node's state kept after a sweep, a reloaded fleet): what the API caches its answers by. Read it
   * before {@link #view()}: a change in between then only makes the cached answer newer than its
   * version.
   */
  public long version() {
    return version.get();
  }

  /**
   * How the replicas sharing one store share the nodes: each holds claims across sweeps, renewed
   * every {@code period} while it lives and expiring {@code expiry} after the last renewal; it
   * sweeps only nodes it holds and holds {@code ceil(nodes / replicas)} of them.
   *
   * @param replicas how many replicas are alive now (this one included), asked every cycle
   * @param expiry how long a claim outlives its last renewal: a dead replica's nodes are taken by
   *     the others within {@code expiry} plus two periods, and swept within an interval after
   */
  public record Sharing(java.util.function.IntSupplier replicas, Duration expiry, Duration period) {
    public Sharing {
      java.util.Objects.requireNonNull(replicas, "replicas");
      if (expiry.isNegative()
          || expiry.isZero()
          || period.isNegative()
          || period.isZero()
          || period.compareTo(expiry) >= 0) {
        throw new IllegalArgumentException(
            "a claim's expiry must be longer than the period of its renewal");
      }
    }

    /** Renewed every third of the expiry, at least once per sweep interval. */
    public static Sharing of(java.util.function.IntSupplier replicas, Duration expiry, Fleet f) {
      Duration third = expiry.dividedBy(3);
      Duration interval = f.poll().interval();
      return new Sharing(replicas, expiry, third.compareTo(interval) < 0 ? third : interval);
    }
  }

  /**
   * Shares the nodes with the other replicas on this store by claims held across sweeps (see {@link
   * Sharing}); the fleet view then also shows what the others swept, read from the store every
   * period. Before {@link #start}; without it each sweep claims its node and lets go after.
   */
  public void share(Sharing how) {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("share before start");
      }
      sharing = how;
    }
  }

  /** The nodes this replica holds claims on now (shared nodes only), in id order. */
  public List<String> held() {
    return held.keySet().stream().sorted().toList();
  }

  /** Schedules the first sweep of every node, within the first tenth of an interval. */
  public void start() {
    synchronized (lock) {
      if (started || closed) {
        return;
      }
      started = true;
      startedAt = clock.instant();
      if (sharing != null) {
        holdCycle(); // the first claims before the first sweeps
      }
      for (Run run : runs.values()) {
        schedule(run, jitter(fleet.poll().interval()));
      }
    }
  }

  /** One claims cycle, then the next one scheduled a period later. */
  private void holdCycle() {
    Sharing how = sharing;
    if (closed || how == null) {
      return;
    }
    try {
      hold(how);
      refresh();
      if (holdFailing) {
        holdFailing = false;
        LOG.log(System.Logger.Level.INFO, "sweep claims: the store takes them again");
      }
    } catch (RuntimeException e) {
      if (!holdFailing) {
        holdFailing = true;
        LOG.log(
            System.Logger.Level.WARNING, "cannot hold the sweep claims (tried every period)", e);
      }
    }
    synchronized (lock) {
      if (!closed) {
        scheduler.schedule(how.period(), () -> submit(this::holdCycle));
      }
    }
  }

  private void hold(Sharing how) {
    int replicas = Math.max(1, how.replicas().getAsInt());
    List<String> ids = List.copyOf(fleet.nodes().keySet());
    List<FleetStateStore.Claim> now =
        store.hold(replica, ids, replicas, how.expiry(), how.period().multipliedBy(2));
    Map<String, FleetStateStore.Claim> next = new HashMap<>();
    for (FleetStateStore.Claim c : now) {
      next.put(c.node(), c);
    }
    held.keySet().retainAll(next.keySet());
    held.putAll(next);
  }

  /** The store's state of every node (what the other replicas swept), kept for the view. */
  private void refresh() {
    Map<String, NodeState> read = new HashMap<>();
    for (NodeState s : store.nodes()) {
      read.put(s.id(), s);
    }
    if (!read.equals(stored)) {
      stored = Map.copyOf(read);
      version.incrementAndGet();
    }
  }

  /**
   * Takes a reloaded fleet: new nodes are swept soon, removed ones are no longer swept (their
   * engine is closed once a sweep under way ends), changed ones are read as they are now defined
   * from their next sweep on; what is known of unchanged nodes is kept.
   */
  public void update(Fleet next) {
    // What the store knows of the nodes this reload adds, read before the lock: a slow store must
    // not hold up the sweeps' rescheduling (and a SIGHUP) behind it. runs changes only under the
    // lock, so a node found new here is new there too, or its state is not used.
    Map<String, Run> added = new java.util.HashMap<>();
    for (Fleet.Node node : next.nodes().values()) {
      if (!runs.containsKey(node.id())) {
        added.put(node.id(), newRun(node));
      }
    }
    synchronized (lock) {
      if (closed) {
        return;
      }
      Fleet previous = fleet;
      if (next.poll().concurrency() != previous.poll().concurrency()) {
        permits.resize(Math.max(1, next.poll().concurrency()));
      }
      fleet = next;
      version.incrementAndGet();
      for (Run run : List.copyOf(runs.values())) {
        Fleet.Node now = next.nodes().get(run.id);
        if (now == null) {
          runs.remove(run.id);
          run.stop();
          submit(
              () -> {
                run.sweeping.lock();
                try {
                  reader.forget(run.id);
                } finally {
                  run.sweeping.unlock();
                }
              });
        } else {
          run.node = now;
        }
      }
      for (Fleet.Node node : next.nodes().values()) {
        if (!runs.containsKey(node.id())) {
          Run prepared = added.get(node.id());
          Run run = prepared != null && prepared.node.equals(node) ? prepared : newRun(node);
          runs.put(node.id(), run);
          if (started) {
            schedule(run, jitter(next.poll().interval()));
          }
        }
      }
    }
  }

  /**
   * Sweeps every node now (a sweep of a node under way is waited for, then it is swept again), at
   * most {@code poll.concurrency} at once; returns their states in the fleet's order. What the
   * CLI's {@code fleet status} runs, once.
   */
  public List<NodeState> sweepAll() {
    List<CompletableFuture<NodeState>> sweeps = new ArrayList<>();
    for (Fleet.Node node : fleet.nodes().values()) {
      Run run = runs.get(node.id());
      if (run != null) {
        sweeps.add(submit(() -> sweep(run, true)));
      }
    }
    List<NodeState> states = new ArrayList<>();
    for (CompletableFuture<NodeState> f : sweeps) {
      NodeState s = f.join();
      if (s != null) {
        states.add(s);
      }
    }
    return states;
  }

  /**
   * Sweeps {@code node} now, out of its schedule (the API's "sweep now"), on the poller's executor
   * and under its concurrency limit. Never two sweeps of one node at once: when one is under way,
   * none is started beside it and the future gives the last kept state (the one under way is kept
   * as usual when it ends).
   *
   * @return empty when the fleet has no such node or the poller is stopping
   */
  public Optional<CompletableFuture<NodeState>> sweepNow(String node) {
    Run run = runs.get(node);
    if (run == null || closed) {
      return Optional.empty();
    }
    return Optional.of(submit(() -> sweep(run, false)));
  }

  /**
   * Empty when every node of the fleet has finished a sweep since {@link #start} (or since it
   * joined the fleet); else why not, naming the nodes still waited for.
   */
  public Optional<String> readiness() {
    if (closed) {
      return Optional.of("the poller is stopping");
    }
    List<String> waiting = new ArrayList<>();
    if (sharing != null) {
      // Shared: swept by any replica since this one started (or an interval before).
      for (NodeView v : view()) {
        if (v.stale()) {
          waiting.add(v.node().id());
        }
      }
    } else {
      for (Fleet.Node node : fleet.nodes().values()) {
        Run run = runs.get(node.id());
        if (run == null || !run.sweptSinceStart) {
          waiting.add(node.id());
        }
      }
    }
    if (waiting.isEmpty()) {
      return Optional.empty();
    }
    int total = fleet.nodes().size();
    List<String> named = waiting.size() > 10 ? waiting.subList(0, 10) : waiting;
    return Optional.of(
        "waiting for the first sweep of "
            + waiting.size()
            + " of "
            + total
            + " node"
            + (total == 1 ? "" : "s")
            + ": "
            + String.join(", ", named)
            + (waiting.size() > named.size() ? ", ..." : ""));
  }

  /**
   * Every node of the fleet with its last known state (from the store after a restart, marked stale
   * until swept again), in the fleet's order.
   */
  public List<NodeView> view() {
    Fleet f = fleet;
    Instant now = clock.instant();
    Duration staleAfter = f.poll().interval().multipliedBy(2);
    List<NodeView> views = new ArrayList<>();
    Sharing how = sharing;
    boolean shared = how != null;
    if (shared) {
      staleAfter = staleAfter.plus(how.period()); // the others' sweeps are read every period
    }
    for (Fleet.Node node : f.nodes().values()) {
      Run run = runs.get(node.id());
      NodeState state = run == null ? null : run.last;
      boolean fresh = run != null && run.sweptSinceStart;
      if (shared) {
        // Swept by any replica: the newest of this one's sweep and the store's.
        NodeState other = stored.get(node.id());
        if (other != null && other.lastSweptAt() != null && newer(other, state)) {
          state = other;
        }
        Instant since = startedAt;
        fresh =
            state != null
                && state.lastSweptAt() != null
                && since != null
                && !state.lastSweptAt().isBefore(since.minus(f.poll().interval()));
      }
      boolean stale =
          state == null
              || state.lastSweptAt() == null
              || !fresh
              || state.lastSweptAt().plus(staleAfter).isBefore(now);
      views.add(new NodeView(node, state, stale));
    }
    return views;
  }

  private static boolean newer(NodeState a, NodeState b) {
    return b == null || b.lastSweptAt() == null || a.lastSweptAt().isAfter(b.lastSweptAt());
  }

  /** One node's view; empty when the fleet has no such node. */
  public Optional<NodeView> view(String node) {
    return view().stream().filter(v -> v.node().id().equals(node)).findFirst();
  }

  /**
   * Stops: no new sweep starts; sweeps under way are given {@code poll.timeout} to finish, then
   * abandoned (they write nothing: a result is one transaction, written whole or not at all); the
   * engines are closed. The store is the caller's to close.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      runs.values().forEach(Run::stop);
    }
    CompletableFuture<?> all = CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new));
    try {
      all.get(fleet.poll().timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      abandoned = true;
      LOG.log(
          System.Logger.Level.WARNING, "abandoning {0} sweep(s) still under way", inFlight.size());
    } catch (InterruptedException e) {
      abandoned = true;
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      // a sweep's own failure was handled where it ran
    }
    abandoned = true;
    Sharing how = sharing;
    if (how != null) {
      try {
        store.hold(replica, List.of(), 1, how.expiry(), how.period()); // lets go of every claim
      } catch (RuntimeException e) {
        // they expire by themselves
      }
      held.clear();
    }
    scheduler.close();
    reader.close();
    if (executor instanceof java.util.concurrent.ExecutorService threads) {
      threads.shutdownNow(); // interrupts abandoned sweeps
    }
  }

  // ---- one node -------------------------------------------------------------------------------

  /** What the poller keeps per node. Anti-flap state and counters change under {@code sweeping}. */
  private final class Run {
    final String id;
    volatile Fleet.Node node;
    final ReentrantLock sweeping = new ReentrantLock();
    Scheduler.Task next; // under the poller's lock
    volatile boolean stopped;
    volatile boolean sweptSinceStart;
    volatile NodeState last;
    // Shared: a node just taken from another replica is swept an interval after that one's sweep.
    volatile Instant notBefore;
    // The claim of the last sweep and whether `last` is in the store under its token (then, while
    // no other replica claimed the node since, the store holds exactly `last`).
    FleetStateStore.Claim claim;
    boolean lastStoredUnderClaim;
    int failures;
    Flap nodePill;
    final Map<String, Flap> stackPills = new HashMap<>();

    Run(Fleet.Node node) {
      this.id = node.id();
      this.node = node;
    }

    void stop() {
      synchronized (lock) {
        stopped = true;
        if (next != null) {
          next.cancel();
          next = null;
        }
      }
    }
  }

  /**
   * A node this replica just claimed (shared): its anti-flap state is taken again from the store
   * (the replica before may have swept it since); false when that replica swept it less than an
   * interval ago (the next sweep then waits for {@code notBefore}).
   */
  private boolean adopt(Run run, Fleet.Node node) {
    seed(run, node);
    NodeState s = run.last;
    Instant now = clock.instant();
    if (s != null && s.lastSweptAt() != null && !replica.equals(s.sweptBy())) {
      Instant due = s.lastSweptAt().plus(fleet.poll().interval());
      if (due.isAfter(now)) {
        run.notBefore = due;
        return false;
      }
    }
    return true;
  }

  /** A run for {@code node}, starting from what the store knows of it (a restart). */
  private Run newRun(Fleet.Node node) {
    Run run = new Run(node);
    seed(run, node);
    return run;
  }

  /** The run's state and anti-flap state as the store knows them. */
  private void seed(Run run, Fleet.Node node) {
    Optional<NodeState> known;
    try {
      known = store.node(node.id());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot read the last state of node " + node.id(), e);
      known = Optional.empty();
    }
    known.ifPresent(
        s -> {
          run.last = s;
          run.failures = s.failures();
          run.stackPills.clear();
          if (s.pill() != null) {
            run.nodePill = new Flap(s.pill(), s.reasons());
          }
          for (StackState st : s.stacks()) {
            if (st.pill() != null) {
              run.stackPills.put(st.name(), new Flap(st.pill(), st.reasons()));
            }
          }
        });
  }

  private void schedule(Run run, Duration delay) {
    synchronized (lock) {
      if (closed || run.stopped) {
        return;
      }
      run.next = scheduler.schedule(delay, () -> launch(run));
    }
  }

  /** The timer's action: the sweep runs on the executor, then the next one is scheduled. */
  private void launch(Run run) {
    submit(
        () -> {
          try {
            sweep(run, false);
          } finally {
            Instant due = run.notBefore;
            Duration wait = due == null ? null : Duration.between(clock.instant(), due);
            if (wait != null && wait.isNegative()) {
              run.notBefore = null;
              wait = null;
            }
            schedule(run, wait == null ? nextDelay(run) : wait.plus(jitter(wait)));
          }
          return null;
        });
  }

  private <T> CompletableFuture<T> submit(java.util.concurrent.Callable<T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    inFlight.add(f);
    f.whenComplete((r, x) -> inFlight.remove(f));
    try {
      executor.execute(
          () -> {
            try {
              f.complete(task.call());
            } catch (Throwable t) {
              LOG.log(System.Logger.Level.ERROR, "a sweep failed", t);
              f.completeExceptionally(t);
            }
          });
    } catch (RuntimeException e) {
      // the executor was shut down (closing): nothing runs
      f.completeExceptionally(e);
    }
    return f;
  }

  private void submit(Runnable task) {
    submit(
        () -> {
          task.run();
          return null;
        });
  }

  /** The wait before a node's next scheduled sweep: interval plus jitter, or the backoff. */
  Duration nextDelay(Run run) {
    Fleet.Poll poll = fleet.poll();
    Duration base = poll.interval();
    int failures = run.failures;
    if (failures > 1) {
      int doublings = Math.min(failures - 1, 30);
      base = poll.interval().multipliedBy(1L << doublings);
      if (base.compareTo(poll.backoffCap()) > 0 || base.isNegative()) {
        base = poll.backoffCap();
      }
    }
    Duration delay = base.plus(jitter(base));
    Duration cap = failures > 0 ? max(poll.backoffCap(), poll.interval()) : null;
    return cap != null && delay.compareTo(cap) > 0 ? cap : delay;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** Uniform in [0, d/10). */
  private Duration jitter(Duration d) {
    long tenth = d.toMillis() / 10;
    return tenth <= 0 ? Duration.ZERO : Duration.ofMillis(random.nextLong(tenth));
  }

  /**
   * One sweep of one node under its claim; returns its state (the last known one when the node was
   * not swept: busy, claimed by another replica, or stopping).
   *
   * @param wait wait for a sweep under way (else leave it be)
   */
  private NodeState sweep(Run run, boolean wait) {
    if (wait) {
      run.sweeping.lock();
    } else if (!run.sweeping.tryLock()) {
      return run.last;
    }
    Semaphore limit = permits;
    boolean permitted = false;
    try {
      if (closed || run.stopped) {
        return run.last;
      }
      limit.acquire();
      permitted = true;
      Fleet.Node node = run.node;
      Fleet.Poll poll = fleet.poll();
      Duration ttl =
          max(poll.interval(), poll.timeout().multipliedBy(2L + 2L * node.stacks().size()));
      Optional<FleetStateStore.Claim> claim;
      boolean renewed = false;
      boolean keep = sharing != null;
      if (keep) {
        // Shared: swept only under a claim the claims cycle holds; kept after the sweep.
        FleetStateStore.Claim h = held.get(node.id());
        if (h == null) {
          return run.last; // another replica's node
        }
        if (run.claim == null || run.claim.token() != h.token()) {
          if (!adopt(run, node)) {
            run.claim = h;
            run.lastStoredUnderClaim = false;
            return run.last; // swept by the replica before: its next sweep is due an interval on
          }
          run.lastStoredUnderClaim = false;
        }
        run.claim = h;
        claim = Optional.of(h);
      } else {
        try {
          // The last sweep's claim, renewed (one update) while nobody else claimed the node since:
          // its token unchanged, so the store still holds what this replica wrote under it.
          claim = run.claim == null ? Optional.empty() : store.renew(run.claim, ttl);
          renewed = claim.isPresent();
          if (!renewed) {
            claim = store.claim(node.id(), replica, ttl);
          }
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "node " + node.id() + ": cannot claim its sweep", e);
          return run.last; // the store is away: tried again on the next round
        }
        if (claim.isEmpty()) {
          run.claim = null;
          return run.last; // another replica sweeps it now
        }
        run.claim = claim.get();
        if (!renewed) {
          run.lastStoredUnderClaim = false;
        }
      }
      boolean released = keep;
      try {
        Instant began = clock.instant();
        NodeReading reading;
        try {
          reading = reader.read(node, poll.timeout());
        } catch (RuntimeException e) {
          // A reader's bug must not end the node's sweeps: it shows as the node's reason.
          LOG.log(System.Logger.Level.ERROR, "sweeping node " + node.id() + " failed", e);
          reading =
              new NodeReading(
                  node.id(),
                  clock.instant(),
                  false,
                  List.of("the sweep failed: " + e),
                  null,
                  node.stacks().values().stream()
                      .map(s -> NodeReading.StackReading.unread(s, "the sweep failed: " + e))
                      .toList());
        }
        Duration took = Duration.between(began, clock.instant());
        Outcome outcome = judge(run, node, reading, poll.flapSweeps());
        if (abandoned) {
          return run.last;
        }
        boolean written = false;
        try {
          // Unchanged but for the time (the common sweep): only the sweep time and the engine's
          // facts move, and the claim is let go, in one small transaction.
          if (run.lastStoredUnderClaim
              && outcome.changes().isEmpty()
              && sameButTime(run.last, outcome.state())) {
            NodeState s = outcome.state();
            written = store.touch(claim.get(), s.id(), s.lastSweptAt(), s.facts(), !keep);
            released = released || written;
          }
          if (!written) {
            written = store.record(claim.get(), outcome.state(), outcome.changes());
          }
        } catch (RuntimeException e) {
          // Nothing was written (one transaction): the anti-flap state stays as it was too.
          LOG.log(
              System.Logger.Level.WARNING, "node " + node.id() + ": cannot record its sweep", e);
          return run.last;
        }
        if (!written) {
          LOG.log(
              System.Logger.Level.INFO,
              "node " + node.id() + ": another replica swept it meanwhile; result dropped");
          run.claim = null;
          run.lastStoredUnderClaim = false;
          if (keep) {
            held.remove(node.id(), claim.get()); // taken by another replica: its node now
          }
          return run.last;
        }
        NodeState before = run.last;
        outcome.commit(run);
        run.lastStoredUnderClaim = true;
        version.incrementAndGet();
        listener.swept(node.id(), took, reading.reachable());
        listener.kept(before, outcome.state(), outcome.changes(), reading);
        return outcome.state();
      } finally {
        if (!released) {
          try {
            store.release(claim.get());
          } catch (RuntimeException e) {
            // it expires by itself
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return run.last;
    } finally {
      if (permitted) {
        limit.release();
      }
      run.sweeping.unlock();
    }
  }

  /**
   * A sweep's result before it is kept: the run's anti-flap state is only replaced once the result
   * is in the store.
   */
  private record Outcome(
      NodeState state,
      List<PillChange> changes,
      Flap nodePill,
      Map<String, Flap> stackPills,
      int failures) {
    void commit(Run run) {
      run.nodePill = nodePill;
      run.stackPills.clear();
      run.stackPills.putAll(stackPills);
      run.failures = failures;
      run.last = state;
      run.sweptSinceStart = true;
    }
  }

  private Outcome judge(Run run, Fleet.Node node, NodeReading reading, int flapSweeps) {
    Instant at = reading.at();
    List<PillChange> changes = new ArrayList<>();
    Map<String, Flap> stackPills = new LinkedHashMap<>();
    List<StackState> stacks = new ArrayList<>();
    Pill worst = Pill.GREEN;
    List<String> worstReasons = new ArrayList<>();
    for (NodeReading.StackReading s : reading.stacks()) {
      Flap flap = copy(run.stackPills.get(s.name()));
      PillChange c = flap.observe(node.id(), s.name(), s.pill(), s.reasons(), flapSweeps, at);
      if (c != null) {
        changes.add(c);
      }
      stackPills.put(s.name(), flap);
      stacks.add(
          new StackState(
              node.id(),
              s.name(),
              s.project(),
              s.sync(),
              s.health(),
              flap.shown(),
              flap.reasons(),
              s.report(),
              at));
      if (s.pill().compareTo(worst) > 0) {
        worst = s.pill();
        worstReasons.clear();
      }
      if (s.pill() == worst && worst != Pill.GREEN) {
        s.reasons().forEach(r -> worstReasons.add(s.name() + ": " + r));
      }
    }
    Pill seen;
    List<String> reasons;
    if (!reading.reachable()) {
      seen = Pill.RED;
      reasons = reading.reasons();
    } else {
      seen = worst;
      reasons =
          worst == Pill.GREEN
              ? List.of(
                  stacks.isEmpty()
                      ? "the engine answers; no stacks"
                      : "every stack in sync and healthy")
              : worstReasons;
    }
    Flap nodeFlap = copy(run.nodePill);
    PillChange c = nodeFlap.observe(node.id(), null, seen, reasons, flapSweeps, at);
    if (c != null) {
      changes.add(0, c);
    }
    int failures = reading.reachable() ? 0 : run.failures + 1;
    EngineFacts facts =
        reading.facts() != null
            ? reading.facts()
            : run.last == null ? null : run.last.facts(); // the last facts known stay shown
    NodeState state =
        new NodeState(
            node.id(), nodeFlap.shown(), nodeFlap.reasons(), at, failures, facts, stacks, replica);
    return new Outcome(state, changes, nodeFlap, stackPills, failures);
  }

  /**
   * Whether {@code next} is {@code last} but for the sweep times, the engine's facts (its disk use
   * moves all the time) and the reports' {@code generated_at}.
   */
  static boolean sameButTime(NodeState last, NodeState next) {
    if (last == null
        || last.pill() != next.pill()
        || last.failures() != next.failures()
        || !last.reasons().equals(next.reasons())
        || !last.id().equals(next.id())
        || last.stacks().size() != next.stacks().size()) {
      return false;
    }
    for (int i = 0; i < next.stacks().size(); i++) {
      StackState a = last.stacks().get(i);
      StackState b = next.stacks().get(i);
      if (!a.name().equals(b.name())
          || !java.util.Objects.equals(a.project(), b.project())
          || a.sync() != b.sync()
          || a.health() != b.health()
          || a.pill() != b.pill()
          || !a.reasons().equals(b.reasons())
          || !sameReport(a.report(), b.report())) {
        return false;
      }
    }
    return true;
  }

  private static final String GENERATED_AT = "\"generated_at\"";

  /** Equal evidence reports but for the value of their (first) {@code generated_at}. */
  static boolean sameReport(String a, String b) {
    if (a == null || b == null) {
      return a == b;
    }
    int i = a.indexOf(GENERATED_AT);
    if (i < 0 || i != b.indexOf(GENERATED_AT) || !a.regionMatches(0, b, 0, i)) {
      return a.equals(b);
    }
    int ea = endOfStringValue(a, i + GENERATED_AT.length());
    int eb = endOfStringValue(b, i + GENERATED_AT.length());
    if (ea < 0 || eb < 0) {
      return a.equals(b);
    }
    return a.length() - ea == b.length() - eb && a.regionMatches(ea, b, eb, a.length() - ea);
  }

  /** Just past the closing quote of the string value after {@code from}; -1 when there is none. */
  private static int endOfStringValue(String s, int from) {
    int open = s.indexOf('"', from);
    int close = open < 0 ? -1 : s.indexOf('"', open + 1);
    return close < 0 ? -1 : close + 1;
  }

  private static Flap copy(Flap f) {
    return f == null ? new Flap() : f.copy();
  }

  /**
   * The bound on sweeps at once, resized in place on a reload: sweeps under way give their permits
   * back to the same count, so old and new limits never add up.
   */
  static final class Limit extends Semaphore {
    private static final long serialVersionUID = 1L;
    private int size;

    Limit(int size) {
      super(size);
      this.size = size;
    }

    synchronized void resize(int next) {
      if (next > size) {
        release(next - size);
      } else if (next < size) {
        reducePermits(size - next);
      }
      size = next;
    }
  }
}
