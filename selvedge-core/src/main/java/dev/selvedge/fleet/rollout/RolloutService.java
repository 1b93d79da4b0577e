package dev.selvedge.fleet.rollout;

import dev.selvedge.SelvedgeException;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.port.RolloutStore;
import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;
import dev.selvedge.port.RolloutStore.State;
import dev.selvedge.port.RolloutStore.Step;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Rollouts of one stack across the fleet in waves: the use case of {@code selvedge rollout} and of
 * {@code POST /api/v1/rollouts} (and of auto-update, through {@link #start}).
 *
 * <p>A rollout is recorded in the {@link RolloutStore} with every node's step before anything is
 * touched, and worked on by one process at a time under an expiring lease (renewed while it runs):
 * a rollout whose owner died is taken over ({@link #resumeExpired}) and continued where it was. A
 * node step that finished is never run again; a node a dead owner left applying is judged from its
 * deployments ({@link NodeDeployer#judge}) before it is applied again.
 *
 * <p>The waves run in order, the nodes of a wave in parallel (at most the rollout's {@code
 * parallel}); the next wave starts only when every node of the current one is healthy. The first
 * failed gate halts the rollout: that node was rolled back by the apply, nodes not yet started are
 * not touched (skipped), and the rollout names the node and why.
 */
public final class RolloutService {
  private static final System.Logger LOG = System.getLogger(RolloutService.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();

  private final RolloutStore store;
  private final Supplier<Fleet> fleet;
  private final NodeDeployer deployer;
  private final RolloutListener listener;
  private final Clock clock;

  /**
   * Elapsed time for the owner's lease, never the wall clock: a clock stepped back while the store
   * is away must not keep a lease this process can no longer confirm looking fresh.
   */
  private volatile java.util.function.LongSupplier nanos = System::nanoTime;

  private final String owner;
  private final Duration leaseTtl;
  private final Executor background;
  private final Set<Lease> leases = ConcurrentHashMap.newKeySet();

  /**
   * @param fleet the registry as it is now (read at every start, resume and node)
   * @param owner this process ({@code host pid N}, a replica's id): the lease holder's name
   * @param leaseTtl a rollout whose owner did not renew in this long is taken over
   * @param background runs what {@link #start}, {@link #resume}, {@link #rollback} and {@link
   *     #resumeExpired} hand off (a thread per task)
   */
  public RolloutService(
      RolloutStore store,
      Supplier<Fleet> fleet,
      NodeDeployer deployer,
      RolloutListener listener,
      Clock clock,
      String owner,
      Duration leaseTtl,
      Executor background) {
    this.store = store;
    this.fleet = fleet;
    this.deployer = deployer;
    this.listener = listener;
    this.clock = clock;
    this.owner = owner;
    this.leaseTtl = leaseTtl;
    this.background = background;
  }

  /** This process's name as a lease holder. */
  public String owner() {
    return owner;
  }

  // ------------------------------------------------------------------------------ asking

  /**
   * Records a rollout of {@code request} owned by this process, without running it: the nodes
   * selected, in the fleet file's order, each assigned its wave. Nothing is touched.
   *
   * @throws RolloutException bad input (unknown stack, no node, bad waves, unknown service)
   * @throws RolloutStore.Busy when the stack has a rollout under way
   */
  public Rollout create(RolloutRequest request) {
    if (request.tag() != null && request.environment() != null) {
      throw new RolloutException("give --tag or --environment, not both");
    }
    if (request.parallel() < 1) {
      throw new RolloutException("--parallel " + request.parallel() + ": at least 1");
    }
    Waves waves;
    try {
      waves = Waves.parse(request.waves());
    } catch (RolloutException e) {
      throw e;
    } catch (SelvedgeException e) {
      throw new RolloutException(e.getMessage());
    }
    Fleet f = fleet.get();
    List<Fleet.Node> nodes = select(f, request.stack(), request.tag(), request.environment());
    List<Integer> waveOf;
    try {
      waveOf = waves.assign(nodes.size());
    } catch (SelvedgeException e) {
      throw new RolloutException(e.getMessage());
    }
    Instant now = clock.instant();
    String selector =
        request.tag() != null
            ? "tag:" + request.tag()
            : request.environment() != null ? "environment:" + request.environment() : "all";
    Rollout rollout =
        new Rollout(
            newId(),
            request.stack(),
            selector,
            waves.toString(),
            new TreeMap<>(request.images()),
            request.gateTimeout(),
            request.parallel(),
            request.force(),
            State.RUNNING,
            request.actor(),
            now,
            now,
            owner,
            now.plus(leaseTtl),
            null,
            null);
    // Every node's contract is checked before anything is recorded or touched.
    for (Fleet.Node node : nodes) {
      deployer.check(node, rollout);
    }
    List<NodeStep> steps = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      steps.add(
          new NodeStep(
              nodes.get(i).id(), waveOf.get(i), i, Step.PENDING, null, null, null, null, now));
    }
    store.create(rollout, steps, leaseTtl);
    Rollout created = store.find(rollout.id()).orElse(rollout); // its lease on the store's clock
    listener.event(
        RolloutListener.STARTED,
        created,
        null,
        null,
        nodes.size() + " node(s) in " + (waveOf.get(waveOf.size() - 1) + 1) + " wave(s)");
    return created;
  }

  /**
   * Starts a rollout of {@code request} run in the background: the entry point of the server's API
   * and of auto-update.
   *
   * @return the rollout's id
   * @throws RolloutException bad input
   * @throws RolloutStore.Busy when the stack has a rollout under way (its message names it)
   */
  public String start(RolloutRequest request) {
    Rollout r = create(request);
    background.execute(() -> runLogged(r.id()));
    return r.id();
  }

  /** The nodes of the fleet that run {@code stack} and match the tag or environment. */
  static List<Fleet.Node> select(Fleet fleet, String stack, String tag, String environment) {
    List<Fleet.Node> nodes = new ArrayList<>();
    boolean anywhere = false;
    for (Fleet.Node n : fleet.nodes().values()) {
      if (!n.stacks().containsKey(stack)) {
        continue;
      }
      anywhere = true;
      if (tag != null && !n.tags().contains(tag)) {
        continue;
      }
      if (environment != null && !environment.equals(n.environment())) {
        continue;
      }
      nodes.add(n);
    }
    if (!anywhere) {
      throw new RolloutException(
          "stack '" + stack + "': no node of fleet file " + fleet.file() + " runs it");
    }
    if (nodes.isEmpty()) {
      throw new RolloutException(
          "stack '"
              + stack
              + "': no node running it has "
              + (tag != null ? "tag '" + tag + "'" : "environment '" + environment + "'"));
    }
    return nodes;
  }

  /** The rollout, or a {@link RolloutException} naming the id. */
  public Rollout find(String id) {
    return store
        .find(id)
        .orElseThrow(() -> new RolloutException("no rollout '" + id + "' in the store"));
  }

  public List<NodeStep> steps(String id) {
    return store.steps(id);
  }

  /**
   * Takes rollout {@code id} up again for this process: a halted or aborted one runs again (its
   * failed, rolled-back and skipped nodes pending again; its healthy ones stay), a running one
   * whose owner's lease ended is taken over; one whose rollback halted continues its rollback
   * (never rolls forward again). Does not run it: see {@link #run}.
   *
   * @throws RolloutException when it is finished, rolled back or owned by a live process
   */
  public Rollout prepareResume(String id) {
    Rollout r = find(id);
    Instant now = clock.instant();
    if (haltedInRollback(r)) {
      // Rolling the image forward again would undo what the rollback put back: continue it.
      return takeForRollback(r, now);
    }
    if (r.state().active()) {
      return store
          .claim(id, owner, leaseTtl)
          .orElseThrow(
              () ->
                  new RolloutException(
                      "rollout "
                          + id
                          + " is being worked on by "
                          + r.owner()
                          + " (lease until "
                          + r.leaseUntil()
                          + ")"));
    }
    if (!r.state().canGo(State.RUNNING)) {
      throw new RolloutException(
          "rollout " + id + " is " + r.state().label() + ": there is nothing to resume");
    }
    if (!store.transition(id, owner, State.RUNNING, null, null, now, leaseTtl)) {
      throw new RolloutException(busyOrChanged(id));
    }
    for (NodeStep s : store.steps(id)) {
      if (s.step() == Step.FAILED || s.step() == Step.ROLLED_BACK || s.step() == Step.SKIPPED) {
        store.step(id, owner, s.with(Step.PENDING, s.detail(), now));
      }
    }
    Rollout resumed = find(id);
    listener.event(RolloutListener.STARTED, resumed, null, null, "resumed");
    return resumed;
  }

  /** The reason of a rollout whose rollback could not put every node back starts so. */
  public static final String ROLLBACK_INCOMPLETE = "rollback incomplete: ";

  /** Whether {@code r} halted in its rollback (a node could not be put back). */
  public static boolean haltedInRollback(Rollout r) {
    return r.state() == State.HALTED
        && r.reason() != null
        && r.reason().startsWith(ROLLBACK_INCOMPLETE);
  }

  /** {@link #prepareResume} and then {@link #run} in the background. */
  public Rollout resume(String id) {
    Rollout r = prepareResume(id);
    background.execute(() -> runLogged(id));
    return r;
  }

  /**
   * Aborts rollout {@code id}: no further node is started (one being applied finishes its apply and
   * is recorded: the owner keeps the rollout until it stops, then the nodes never started read
   * skipped; a rollout whose owner's lease ran out has its nodes never started skipped by the abort
   * itself); nodes already changed stay as they are ({@code rollback} puts them back). An aborted
   * rollout its owner still holds may be aborted again: once that owner's lease ran out (it died
   * before it stopped), that abort skips the nodes never started and clears the owner (its reason
   * kept); while the lease is live it is refused, as there is nothing to abort.
   */
  public Rollout abort(String id, String why) {
    Rollout r = find(id);
    boolean unfinished = r.state() == State.ABORTED && r.owner() != null;
    if (!r.state().canGo(State.ABORTED) || (r.state() == State.ABORTED && !unfinished)) {
      throw new RolloutException(
          "rollout " + id + " is " + r.state().label() + ": there is nothing to abort");
    }
    Instant now = clock.instant();
    String reason = unfinished ? r.reason() : why;
    boolean changed = store.transition(id, null, State.ABORTED, reason, r.failedNode(), now, null);
    Rollout aborted = find(id);
    if (unfinished && aborted.state() == State.ABORTED) {
      if (aborted.owner() != null) {
        throw new RolloutException(
            "rollout "
                + id
                + " is aborted: there is nothing to abort ("
                + aborted.owner()
                + " is stopping it, lease until "
                + aborted.leaseUntil()
                + ")");
      }
      if (!changed) {
        throw new RolloutException(
            "rollout " + id + " is aborted: there is nothing to abort (finished meanwhile)");
      }
    }
    if (!changed) {
      throw new RolloutException("rollout " + id + " changed meanwhile; ask again");
    }
    listener.event(RolloutListener.ABORTED, aborted, null, null, reason);
    return aborted;
  }

  /**
   * Takes rollout {@code id} for its rollback: every node it changed goes back to the deployment it
   * replaced. Does not run it: see {@link #run}.
   */
  public Rollout prepareRollback(String id) {
    Rollout r = find(id);
    if (r.state() == State.RUNNING) {
      throw new RolloutException(
          "rollout " + id + " is running: abort it first, then roll it back");
    }
    if (r.state() == State.ROLLING_BACK) {
      return prepareResume(id);
    }
    if (!r.state().canGo(State.ROLLING_BACK)) {
      throw new RolloutException(
          "rollout " + id + " is " + r.state().label() + ": there is nothing to roll back");
    }
    return takeForRollback(r, clock.instant());
  }

  private Rollout takeForRollback(Rollout r, Instant now) {
    if (!store.transition(
        r.id(), owner, State.ROLLING_BACK, "rolling back", r.failedNode(), now, leaseTtl)) {
      throw new RolloutException(busyOrChanged(r.id()));
    }
    return find(r.id());
  }

  /** Why a transition of a halted or aborted rollout was refused. */
  private String busyOrChanged(String id) {
    Rollout r = find(id);
    if (r.owner() != null && !r.owner().equals(owner)) {
      return "rollout "
          + id
          + " is "
          + r.state().label()
          + " but "
          + r.owner()
          + " is still finishing its node in flight (lease until "
          + r.leaseUntil()
          + "); ask again once it stopped";
    }
    return "rollout " + id + " changed meanwhile; ask again";
  }

  /** {@link #prepareRollback} and then {@link #run} in the background. */
  public Rollout rollback(String id) {
    Rollout r = prepareRollback(id);
    background.execute(() -> runLogged(id));
    return r;
  }

  /** Tests: the elapsed-time source of the owner's lease ({@link System#nanoTime} otherwise). */
  void ticker(java.util.function.LongSupplier nanos) {
    this.nanos = java.util.Objects.requireNonNull(nanos, "nanos");
  }

  /**
   * Takes every active rollout whose owner's lease ended and runs each in the background: at a
   * server's start and periodically. An aborted rollout whose owner died before it stopped is
   * finished as its abort would (its nodes never started skipped). Returns the ids taken over.
   */
  public List<String> resumeExpired() {
    List<String> ids = new ArrayList<>();
    for (Rollout r : store.claimExpired(owner, leaseTtl, 16)) {
      ids.add(r.id());
      listener.event(
          RolloutListener.STARTED, r, null, null, "taken over: its owner's lease ran out");
      background.execute(() -> runLogged(r.id()));
    }
    for (String id : store.abandonedAborts(16)) {
      try {
        abort(id, null);
      } catch (RolloutException e) {
        // another replica finished it first (its store refused a second abort, so nothing is
        // told twice), or its owner came back: nothing left to do here
      }
    }
    return ids;
  }

  /**
   * A clean stop of this process: every rollout it works on starts no further node and its lease
   * ends now, so another replica (or {@code resume}) takes it over at once rather than after the
   * lease's time to live. A node being applied finishes its apply and records it. Returns the ids.
   */
  public List<String> releaseLeases() {
    List<String> ids = new ArrayList<>();
    for (Lease l : List.copyOf(leases)) {
      l.release();
      ids.add(l.id);
    }
    return ids;
  }

  private void runLogged(String id) {
    try {
      run(id);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "rollout " + id + " stopped: " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------------------ running

  /**
   * Works on rollout {@code id} (which this process must own, see {@link #create}, {@link
   * #prepareResume}, {@link #prepareRollback}) until it ends or this process loses it; returns it
   * as the store has it then.
   */
  public Rollout run(String id) {
    Rollout r =
        store
            .claim(id, owner, leaseTtl)
            .orElseThrow(
                () -> new RolloutException("rollout " + id + " is not this process's to run"));
    try (Lease lease = new Lease(id)) {
      if (r.state() == State.ROLLING_BACK) {
        rollBack(r, lease);
      } else {
        roll(r, lease);
      }
    }
    stopAborted(id);
    return find(id);
  }

  /**
   * An abort leaves the rollout to its owner until it stops (its node in flight recorded): once
   * stopped, the nodes it never started read skipped and it gives the rollout up.
   */
  private void stopAborted(String id) {
    Rollout now = find(id);
    if (now.state() != State.ABORTED || !owner.equals(now.owner())) {
      return;
    }
    Instant at = clock.instant();
    store.skipPending(id, owner, "not reached: the rollout was aborted", at);
    store.transition(id, owner, State.ABORTED, now.reason(), now.failedNode(), at, null);
  }

  /** The owner's lease on a rollout, renewed every third of its time to live while it runs. */
  private final class Lease implements AutoCloseable {
    private final String id;
    private final AtomicBoolean lost = new AtomicBoolean();
    private final Object lock = new Object();
    private boolean closed;
    private final Thread renewer;

    /** When the lease was last confirmed, on {@link #nanos}. */
    private volatile long renewed;

    Lease(String id) {
      this.id = id;
      this.renewed = nanos.getAsLong();
      leases.add(this);
      this.renewer = Thread.ofVirtual().name("selvedge-rollout-lease").start(this::renewing);
    }

    private void renewing() {
      long every = Math.max(50, leaseTtl.toMillis() / 3);
      while (true) {
        synchronized (lock) {
          long until = System.nanoTime() + every * 1_000_000;
          long left;
          while (!closed && (left = until - System.nanoTime()) > 0) {
            try {
              lock.wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
              return;
            }
          }
          if (closed) {
            return;
          }
        }
        renew();
      }
    }

    /** Renews now; false when the rollout is no longer this process's to work on. */
    boolean renew() {
      if (lost.get()) {
        return false;
      }
      long at = nanos.getAsLong();
      try {
        Optional<Rollout> now = store.renew(id, owner, leaseTtl);
        if (now.isEmpty() || !now.get().state().active()) {
          lost.set(true);
        } else {
          renewed = at;
        }
      } catch (RuntimeException e) {
        // The store is away: the lease is not confirmed. Past half its life another process may
        // take the rollout over before this one hears of it: start no further node (the rollout
        // stays as it is, for a take-over or a resume).
        boolean stale = Duration.ofNanos(at - renewed).compareTo(leaseTtl.dividedBy(2)) > 0;
        LOG.log(
            System.Logger.Level.WARNING,
            "cannot renew rollout "
                + id
                + ": "
                + e.getMessage()
                + (stale ? "; its lease is no longer confirmed: no further node is started" : ""));
        if (stale) {
          lost.set(true);
        }
      }
      return !lost.get();
    }

    /** Ends the lease now (a clean stop): another process may take the rollout over at once. */
    void release() {
      lost.set(true);
      try {
        store.renew(id, owner, Duration.ZERO);
      } catch (RuntimeException e) {
        LOG.log(
            System.Logger.Level.WARNING, "cannot release rollout " + id + ": " + e.getMessage());
      }
    }

    boolean lost() {
      return lost.get();
    }

    void lose() {
      lost.set(true);
    }

    @Override
    public void close() {
      leases.remove(this);
      synchronized (lock) {
        closed = true;
        lock.notifyAll();
      }
      try {
        renewer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void roll(Rollout r, Lease lease) {
    List<NodeStep> steps = store.steps(r.id());
    Map<Integer, List<NodeStep>> waves = new TreeMap<>();
    for (NodeStep s : steps) {
      waves.computeIfAbsent(s.wave(), w -> new ArrayList<>()).add(s);
    }
    AtomicReference<NodeStep> failed = new AtomicReference<>();
    for (Map.Entry<Integer, List<NodeStep>> wave : waves.entrySet()) {
      List<NodeStep> todo = wave.getValue().stream().filter(s -> !s.step().done()).toList();
      for (NodeStep s : wave.getValue()) {
        if (s.step() == Step.FAILED || s.step() == Step.ROLLED_BACK) {
          failed.compareAndSet(null, s);
        }
      }
      if (failed.get() == null && !todo.isEmpty()) {
        listener.event(
            RolloutListener.WAVE_STARTED, r, null, wave.getKey(), todo.size() + " node(s)");
        parallel(r, todo, s -> node(r, s, lease, failed));
      }
      if (lease.lost()) {
        return; // aborted, or taken over: the store says what became of it
      }
      if (failed.get() != null) {
        halt(r, failed.get(), lease);
        return;
      }
    }
    if (store.transition(
        r.id(), owner, State.FINISHED, "every node is healthy", null, clock.instant(), null)) {
      listener.event(
          RolloutListener.FINISHED, find(r.id()), null, null, steps.size() + " node(s) healthy");
    }
  }

  private void halt(Rollout r, NodeStep failed, Lease lease) {
    Instant now = clock.instant();
    store.skipPending(r.id(), owner, "not reached: the rollout halted", now);
    String reason = "node " + failed.node() + ": " + failed.detail();
    if (lease.lost()) {
      return;
    }
    if (store.transition(r.id(), owner, State.HALTED, reason, failed.node(), now, null)) {
      listener.event(RolloutListener.HALTED, find(r.id()), failed.node(), failed.wave(), reason);
    }
  }

  /** Applies one node of a wave, unless the rollout halted or was lost meanwhile. */
  private void node(Rollout r, NodeStep s, Lease lease, AtomicReference<NodeStep> failed) {
    if (failed.get() != null || lease.lost() || !lease.renew()) {
      return;
    }
    Instant now = clock.instant();
    Optional<Fleet.Node> node = Optional.ofNullable(fleet.get().nodes().get(s.node()));
    NodeStep current = s;
    NodeDeployer.Result result = null;
    try {
      if (node.isEmpty() || !node.get().stacks().containsKey(r.stack())) {
        result =
            NodeDeployer.Result.failed(
                "the node no longer runs stack '" + r.stack() + "' in the fleet");
      } else if (s.step() == Step.APPLYING) {
        // Left applying by a dead owner: what its deployments say, else apply (again).
        result = deployer.judge(node.get(), r, s).orElse(null);
      } else {
        NodeDeployer.Current was = deployer.current(node.get(), r);
        current =
            new NodeStep(
                s.node(),
                s.wave(),
                s.position(),
                Step.APPLYING,
                was.host(),
                s.previous() != null ? s.previous() : was.deployment(),
                s.deployment(),
                null,
                now);
      }
      if (result == null) {
        if (s.step() != Step.APPLYING && !store.step(r.id(), owner, current)) {
          lease.lose();
          return;
        }
        listener.event(RolloutListener.NODE_APPLYING, r, s.node(), s.wave(), null);
        result = deployer.apply(node.get(), r);
      }
    } catch (RuntimeException e) {
      result = NodeDeployer.Result.failed(String.valueOf(e.getMessage()));
    }
    Step step =
        result.healthy() ? Step.HEALTHY : result.restored() ? Step.ROLLED_BACK : Step.FAILED;
    NodeStep done =
        new NodeStep(
            current.node(),
            current.wave(),
            current.position(),
            step,
            current.host(),
            current.previous(),
            result.deployment() != null ? result.deployment() : current.deployment(),
            result.detail(),
            clock.instant());
    if (!result.healthy()) {
      failed.compareAndSet(null, done);
    }
    if (!record(r, done, lease)) {
      return;
    }
    listener.node(
        result.healthy() ? RolloutListener.NODE_HEALTHY : RolloutListener.NODE_FAILED, r, done);
  }

  private void rollBack(Rollout r, Lease lease) {
    List<String> problems = new ArrayList<>();
    List<NodeStep> changed = new ArrayList<>();
    for (NodeStep s : store.steps(r.id())) {
      // A failed apply that recorded its deployment changed the node (it was not restored).
      if (s.step() == Step.HEALTHY
          || s.step() == Step.APPLYING
          || (s.step() == Step.FAILED && s.deployment() != null)) {
        changed.add(s);
      }
    }
    parallel(
        r,
        changed,
        s -> {
          if (lease.lost() || !lease.renew()) {
            return;
          }
          String problem = rollBackNode(r, s, lease);
          if (problem != null) {
            synchronized (problems) {
              problems.add("node " + s.node() + ": " + problem);
            }
          }
        });
    if (lease.lost()) {
      return;
    }
    Instant now = clock.instant();
    if (problems.isEmpty()) {
      String why = changed.size() + " node(s) put back to their previous deployment";
      if (store.transition(r.id(), owner, State.ROLLED_BACK, why, r.failedNode(), now, null)) {
        listener.event(RolloutListener.ROLLED_BACK, find(r.id()), null, null, why);
      }
    } else {
      String why = ROLLBACK_INCOMPLETE + String.join("; ", problems);
      if (store.transition(r.id(), owner, State.HALTED, why, r.failedNode(), now, null)) {
        listener.event(RolloutListener.HALTED, find(r.id()), null, null, why);
      }
    }
  }

  /** Puts one node back; null when it is, else why not. */
  private String rollBackNode(Rollout r, NodeStep s, Lease lease) {
    if (s.previous() == null) {
      return "no earlier healthy deployment to go back to; left as the rollout made it";
    }
    Fleet.Node node = fleet.get().nodes().get(s.node());
    if (node == null || !node.stacks().containsKey(r.stack())) {
      return "the node no longer runs stack '" + r.stack() + "' in the fleet";
    }
    NodeDeployer.Result result;
    try {
      result = deployer.rollback(node, r, s.previous());
    } catch (RuntimeException e) {
      result = NodeDeployer.Result.failed(String.valueOf(e.getMessage()));
    }
    if (!result.healthy()) {
      listener.event(RolloutListener.NODE_FAILED, r, s.node(), s.wave(), result.detail());
      return result.detail();
    }
    NodeStep back =
        new NodeStep(
            s.node(),
            s.wave(),
            s.position(),
            Step.ROLLED_BACK,
            s.host(),
            s.previous(),
            s.deployment(),
            "put back to deployment " + s.previous(),
            clock.instant());
    record(r, back, lease);
    listener.node(RolloutListener.NODE_HEALTHY, r, back);
    return null;
  }

  /**
   * Records a node's outcome; false (and the lease counted lost: no further node) when this process
   * no longer holds the rollout or the store does not answer (the step stays as it was, judged by
   * whoever continues the rollout).
   */
  private boolean record(Rollout r, NodeStep step, Lease lease) {
    try {
      if (store.step(r.id(), owner, step)) {
        return true;
      }
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot record node "
              + step.node()
              + " of rollout "
              + r.id()
              + ": "
              + e.getMessage()
              + "; no further node is started");
    }
    lease.lose();
    return false;
  }

  /** Runs {@code work} on each step, at most the rollout's parallel at once; waits for them all. */
  private void parallel(
      Rollout r, List<NodeStep> steps, java.util.function.Consumer<NodeStep> work) {
    Semaphore slots = new Semaphore(Math.max(1, r.parallel()));
    List<Thread> threads = new ArrayList<>();
    for (NodeStep s : steps) {
      try {
        slots.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      threads.add(
          Thread.ofVirtual()
              .name("selvedge-rollout-node")
              .start(
                  () -> {
                    try {
                      work.accept(s);
                    } finally {
                      slots.release();
                    }
                  }));
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static String newId() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
