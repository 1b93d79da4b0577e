package dev.selvedge.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.model.Project;
import dev.selvedge.drift.DriftChecker;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.json.TreeJson;
import dev.selvedge.operations.Applier;
import dev.selvedge.operations.ApplyResult;
import dev.selvedge.operations.Guarded;
import dev.selvedge.operations.HealthGate;
import dev.selvedge.operations.HostIdentity;
import dev.selvedge.operations.ImageResolver;
import dev.selvedge.operations.Planner;
import dev.selvedge.operations.Progress;
import dev.selvedge.operations.ResolvedImage;
import dev.selvedge.operations.Revision;
import dev.selvedge.operations.RollbackTarget;
import dev.selvedge.operations.Rollbacks;
import dev.selvedge.operations.event.Emitter;
import dev.selvedge.operations.event.EventSink;
import dev.selvedge.operations.event.OperationEvent;
import dev.selvedge.operations.render.OperationsRender;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.OperationStore;
import dev.selvedge.port.OperationStore.Operation;
import dev.selvedge.port.OperationStore.State;
import dev.selvedge.port.Store;
import dev.selvedge.server.events.EventPublisher;
import dev.selvedge.server.events.ServerEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs the operations asked through the API in the background, each with the same use cases as the
 * CLI ({@link Applier}, {@link RollbackTarget}, {@link Guarded}) on the node's engine and under the
 * same per-daemon lease, recorded in the store before it starts: its steps as it goes, its result
 * (the CLI's JSON) at the end. Each step is also published as an {@code operation.*} event.
 *
 * <p>One operation per node and stack at a time in this server ({@link #claim}); the lease keeps
 * out every other process (a CLI, another server).
 */
final class OperationRunner implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(OperationRunner.class.getName());
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** The steps of an operation under way are written to the store at most this often. */
  static final java.time.Duration STEPS_EVERY = java.time.Duration.ofMillis(250);

  /** What an API client can ask of a stack. */
  enum Action {
    APPLY,
    ROLLBACK,
    RESTART,
    STOP,
    START;

    String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    Guarded.Verb verb() {
      return switch (this) {
        case RESTART -> Guarded.Verb.RESTART;
        case STOP -> Guarded.Verb.STOP;
        case START -> Guarded.Verb.START;
        default -> null;
      };
    }
  }

  /**
   * One operation to run.
   *
   * @param engine the node's engine, opened for the request; the operation closes it
   * @param service null for apply and rollback
   * @param rollbackTo the deployment to go back to, or null for the newest healthy one before
   * @param forced apply despite verify errors (the caller judged it)
   * @param source the requesting client's address, for the audit
   * @param host the engine's identity ({@code docker-daemon:ID}), for the audit
   * @param before what the stack was before (its newest deployment), for the audit
   */
  record Job(
      Operation operation,
      DockerEngine engine,
      Fleet.Node node,
      Fleet.Stack stack,
      Project project,
      Action action,
      String service,
      Long rollbackTo,
      boolean forced,
      String source,
      String host,
      String before) {}

  /** An operation of this server under way on a node's stack. */
  record Running(String id, String actor, String action, Instant since) {}

  private final Store store;
  private final OperationSettings settings;
  private final EventPublisher events;
  private final Clock clock;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  // The operations of this server whose end the store has not taken yet (retried in the
  // background).
  private final Set<String> ending = ConcurrentHashMap.newKeySet();
  private final Object closing = new Object();
  private volatile boolean closed;
  private final Instant since;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  // Applier and Guarded start a thread per task they are given (a wave's services at once).
  private static final Executor WAVES = task -> Thread.ofVirtual().name("selvedge-op").start(task);

  OperationRunner(Store store, OperationSettings settings, EventPublisher events, Clock clock) {
    this.store = store;
    this.settings = settings;
    this.events = events;
    this.clock = clock;
    this.since = clock.instant();
  }

  private static String key(String node, String stack) {
    return node + "\u0000" + stack;
  }

  /** This server's operation under way on the node's stack, if any. */
  Optional<Running> holder(String node, String stack) {
    return Optional.ofNullable(running.get(key(node, stack)));
  }

  /**
   * Takes the node's stack for {@code mine}; empty when it got it, else the operation that has it.
   */
  Optional<Running> claim(String node, String stack, Running mine) {
    return Optional.ofNullable(running.putIfAbsent(key(node, stack), mine));
  }

  /**
   * Whether a stored unfinished operation still has its node's stack. While this server runs, its
   * own running set is the authority: a row it is not running is either one whose end it is still
   * retrying, or left by an earlier run of the server (older than this one's start); neither runs
   * anything, and the per-daemon lease still keeps out whatever does. A row newer than this
   * server's start that it does not know is another server's (issue 15): that one counts.
   */
  boolean holds(Operation stored) {
    for (Running r : running.values()) {
      if (r.id().equals(stored.id())) {
        return true;
      }
    }
    return !ending.contains(stored.id()) && !stored.createdAt().isBefore(since);
  }

  /** Gives the node's stack back, when {@code mine} still has it. */
  void release(String node, String stack, Running mine) {
    running.remove(key(node, stack), mine);
  }

  /** Runs {@code job} in the background; the stack claimed for it by {@code mine} is given back. */
  void start(Job job, Running mine) {
    try {
      threads.execute(() -> run(job, mine));
    } catch (RuntimeException e) {
      // Recorded but never run (the server is stopping): ended so, not left queued.
      release(job.node().id(), job.stack().name(), mine);
      job.engine().close();
      new Steps(job).fail("the server is stopping, nothing was run");
      throw e;
    }
  }

  /**
   * Ends {@code job}, recorded but not to be run, {@code failed} with {@code why}; gives its stack
   * back and closes its engine.
   */
  void abandon(Job job, Running mine, String why) {
    release(job.node().id(), job.stack().name(), mine);
    job.engine().close();
    new Steps(job).fail(why);
  }

  private void run(Job job, Running mine) {
    Operation op = job.operation();
    Steps steps = new Steps(job);
    try (DockerEngine engine = job.engine()) {
      try {
        store.operations().started(op.id(), clock.instant());
      } catch (RuntimeException e) {
        // The store went away after the operation was recorded: run nothing that cannot be told.
        steps.fail("the store cannot be written, nothing was run: " + e.getMessage());
        return;
      }
      steps.publish("operation.started", null, F.objectNode().put("action", job.action().id()));
      ObjectNode result;
      boolean ok;
      if (job.action() == Action.APPLY || job.action() == Action.ROLLBACK) {
        ApplyResult r = apply(job, engine, steps);
        result = OperationsRender.resultJson(r);
        ok = r.outcome() == Deployment.Outcome.HEALTHY;
      } else {
        result = guarded(job, engine, steps);
        ok = true;
      }
      steps.finish(ok ? State.SUCCEEDED : State.FAILED, result);
    } catch (RuntimeException e) {
      // Engine and store messages can echo what they were given: scrubbed like the CLI's.
      steps.fail(job.project().secretValues().scrub(String.valueOf(e.getMessage())));
    } finally {
      release(job.node().id(), job.stack().name(), mine);
    }
  }

  private ApplyResult apply(Job job, DockerEngine engine, Steps steps) {
    Project project = job.project();
    DriftChecker drift = new DriftChecker(settings.fingerprints(), clock);
    Applier applier =
        new Applier(
            engine,
            new AuditedStore(store, audited(job)),
            new HealthGate(engine, settings.probe(), drift, clock),
            new Planner(engine, drift),
            settings.fingerprints(),
            clock,
            WAVES,
            steps);
    String actor = job.operation().actor();
    Applier.Request request;
    if (job.action() == Action.APPLY) {
      request =
          new Applier.Request(
              project,
              Deployment.Kind.APPLY,
              null,
              null,
              job.forced(),
              actor,
              Revision.of(project),
              settings.gateTimeout(),
              settings.leaseTtl());
    } else {
      Progress progress =
          new Emitter(steps, engine.endpoint(), project.name(), project.secretValues()::scrub);
      RollbackTarget target =
          RollbackTarget.choose(
              engine,
              store.deployments(),
              HostIdentity.of(engine, store.deployments()),
              project,
              job.rollbackTo(),
              progress);
      Rollbacks.Restored restored = target.restore(project, settings.fingerprints());
      for (String warning : restored.warnings()) {
        progress.step(null, "warning: " + warning);
      }
      Map<String, ResolvedImage> pinned = target.pins(new ImageResolver(engine, progress));
      request =
          target.request(restored, pinned, actor, settings.gateTimeout(), settings.leaseTtl());
    }
    return applier.apply(request);
  }

  private ObjectNode guarded(Job job, DockerEngine engine, Steps steps) {
    Guarded guarded =
        new Guarded(
            engine,
            store.leases(),
            audited(job),
            clock,
            WAVES,
            steps,
            job.operation().actor() + " (pid " + ProcessHandle.current().pid() + ")",
            settings.leaseTtl());
    // The self-critical confirmation was asked for before the operation was recorded.
    List<String> done = guarded.service(job.project(), job.service(), job.action().verb(), true);
    ObjectNode result = F.objectNode();
    result.put("action", job.action().id());
    result.put("service", job.service());
    ArrayNode containers = result.putArray("containers");
    done.forEach(containers::add);
    return result;
  }

  /**
   * The operation's events as steps: kept on the operation in the store (as far as the store takes
   * them; the end writes them all again) and published. Pull progress is neither: it is frequent
   * and says nothing an operator needs afterwards.
   */
  private final class Steps implements EventSink {
    private final Job job;
    // Guards itself and the writer's state below.
    private final ArrayNode list = F.arrayNode();
    private boolean dirty;
    private boolean ended;
    private Thread writer;

    Steps(Job job) {
      this.job = job;
    }

    @Override
    public void emit(OperationEvent event) {
      ObjectNode step = F.objectNode();
      String service = null;
      switch (event) {
        case OperationEvent.Step s -> {
          service = s.service();
          step.put("kind", "step").put("message", s.message());
        }
        case OperationEvent.GateVerdict v -> {
          service = v.service();
          step.put("kind", "verdict").put("passed", v.passed()).put("message", v.reason());
        }
        case OperationEvent.Started s -> step.put("kind", "started").put("message", s.operation());
        case OperationEvent.Finished f ->
            step.put("kind", "finished")
                .put("message", f.operation())
                .put("outcome", f.outcome())
                .put("detail", f.detail());
        case OperationEvent.Pull p -> {
          return;
        }
      }
      Instant at = clock.instant();
      step.put("at", at.toString());
      if (service != null) {
        step.put("service", service);
      }
      synchronized (list) {
        list.add(step);
        dirty = true;
        if (writer == null && !ended) {
          writer = Thread.ofVirtual().name("selvedge-op-steps").start(this::write);
        }
        list.notifyAll();
      }
      publish("operation.step", service, step.deepCopy());
    }

    /**
     * Writes the steps so far to the store off the operation's threads, at most once per {@link
     * #STEPS_EVERY}: an apply of many services tells many steps, and none of them waits for the
     * store. The end writes them all.
     */
    private void write() {
      while (true) {
        String text;
        synchronized (list) {
          while (!dirty && !ended) {
            try {
              list.wait();
            } catch (InterruptedException e) {
              return;
            }
          }
          if (ended) {
            return;
          }
          dirty = false;
          text = text(list);
        }
        try {
          store.operations().steps(job.operation().id(), text);
        } catch (RuntimeException e) {
          // Kept in memory; the end writes them all.
        }
        long until = System.nanoTime() + STEPS_EVERY.toNanos();
        synchronized (list) {
          long left;
          while (!ended && (left = until - System.nanoTime()) > 0) {
            try {
              list.wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      }
    }

    void publish(String type, String service, ObjectNode data) {
      Operation op = job.operation();
      data.put("action", job.action().id());
      try {
        events.publish(
            ServerEvent.of(
                type,
                clock.instant(),
                job.node().id(),
                job.stack().name(),
                service != null ? service : job.service(),
                op.id(),
                data));
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot publish an operation's event", e);
      }
    }

    void finish(State state, ObjectNode result) {
      Thread w;
      synchronized (list) {
        ended = true;
        w = writer;
        list.notifyAll();
      }
      if (w != null) {
        // A write under way must not land after the end's (it would put back fewer steps).
        try {
          w.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      String text;
      synchronized (list) {
        text = text(list);
      }
      end(
          new Ending(
              job.operation().id(),
              state,
              text,
              text(scrubbed(result, job.project().secretValues()::scrub)),
              outcomeEvent(job, state, result)));
      ObjectNode data = F.objectNode().put("state", state.label());
      if (result.has("outcome")) {
        data.set("outcome", result.get("outcome"));
      }
      if (result.has("error")) {
        data.set("error", result.get("error"));
      }
      publish("operation.finished", null, data);
    }

    void fail(String message) {
      finish(State.FAILED, F.objectNode().put("error", Objects.requireNonNullElse(message, "")));
    }
  }

  /** How long the first retry of an operation's end waits; each next one twice as long. */
  static final java.time.Duration END_RETRY_FIRST = java.time.Duration.ofMillis(200);

  /** The longest wait between two retries of an operation's end. */
  static final java.time.Duration END_RETRY_MOST = java.time.Duration.ofSeconds(30);

  /** An operation's end for the store: its state and result, and its outcome's audit event. */
  private static final class Ending {
    final String id;
    final State state;
    final String steps;
    final String result;
    final AuditLog.Event audit;
    final Instant at;
    boolean audited;
    boolean finished;

    Ending(String id, State state, String steps, String result, AuditLog.Event audit) {
      this.id = id;
      this.state = state;
      this.steps = steps;
      this.result = result;
      this.audit = audit;
      this.at = audit.at();
    }
  }

  /**
   * Records {@code e}; what the store does not take now is retried in the background (waits growing
   * from {@link #END_RETRY_FIRST} to {@link #END_RETRY_MOST}) until it does or the server closes,
   * so a blip of the store leaves no operation running for ever. Meanwhile the operation does not
   * hold its stack ({@link #holds}).
   */
  private void end(Ending e) {
    if (tryEnd(e)) {
      return;
    }
    ending.add(e.id);
    try {
      Thread.ofVirtual().name("selvedge-op-end").start(() -> retryEnd(e));
    } catch (RuntimeException ex) {
      ending.remove(e.id);
      throw ex;
    }
  }

  private boolean tryEnd(Ending e) {
    try {
      if (!e.audited) {
        store.audit().record(e.audit);
        e.audited = true;
      }
      if (!e.finished) {
        // False when it had ended already (marked interrupted): that state stays.
        store.operations().finish(e.id, e.state, e.steps, e.result, e.at);
        e.finished = true;
      }
      return true;
    } catch (RuntimeException ex) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot record the end of operation " + e.id + " (retrying): " + ex.getMessage());
      return false;
    }
  }

  private void retryEnd(Ending e) {
    long wait = END_RETRY_FIRST.toMillis();
    try {
      while (!closed) {
        synchronized (closing) {
          long until = System.nanoTime() + wait * 1_000_000;
          long left;
          while (!closed && (left = until - System.nanoTime()) > 0) {
            try {
              closing.wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException ex) {
              return;
            }
          }
        }
        if (closed) {
          LOG.log(
              System.Logger.Level.WARNING,
              "the end of operation "
                  + e.id
                  + " was not recorded before the server stopped: the next start marks it"
                  + " interrupted");
          return;
        }
        if (tryEnd(e)) {
          LOG.log(System.Logger.Level.INFO, "recorded the end of operation " + e.id + " late");
          return;
        }
        wait = Math.min(wait * 2, END_RETRY_MOST.toMillis());
      }
    } finally {
      ending.remove(e.id);
    }
  }

  /** The audit event of an operation's outcome. */
  private AuditLog.Event outcomeEvent(Job job, State state, ObjectNode result) {
    Operation op = job.operation();
    String reason = null;
    String after = null;
    if (result.hasNonNull("error")) {
      reason = result.get("error").asText();
    } else if (result.has("outcome")) {
      reason = result.get("outcome").asText();
    }
    if (result.hasNonNull("deployment")) {
      after = "deployment " + result.get("deployment").asText();
      if (result.hasNonNull("outcome")) {
        after += " (" + result.get("outcome").asText() + ")";
      }
    } else if (result.has("containers")) {
      List<String> names = new java.util.ArrayList<>();
      result.get("containers").forEach(c -> names.add(c.asText()));
      after = job.action().id() + " " + String.join(", ", names);
    }
    String outcome = state.label();
    if (reason != null && !reason.isBlank()) {
      outcome += ": " + shorten(job.project().secretValues().scrub(reason), 200);
    }
    return new AuditLog.Event(
        0,
        clock.instant(),
        op.actor(),
        job.source(),
        job.action().id(),
        job.node().id(),
        job.host(),
        job.project().name(),
        job.service(),
        null,
        job.before(),
        after,
        outcome,
        op.requestId(),
        "operation " + op.id());
  }

  private static String shorten(String text, int most) {
    return text.length() <= most ? text : text.substring(0, most - 1) + "\u2026";
  }

  /**
   * The audit log as the use cases of {@code job} write it: each event they record names the fleet
   * node, the client's address and the request, as the server knows them.
   */
  private AuditLog audited(Job job) {
    AuditLog log = store.audit();
    return new AuditLog() {
      @Override
      public void record(Event event) {
        Event e = event;
        if (e.node() == null) {
          e = e.onNode(job.node().id());
        }
        if (e.source() == null) {
          e = e.from(job.source());
        }
        if (e.requestId() == null) {
          e = e.request(job.operation().requestId());
        }
        log.record(e);
      }

      @Override
      public List<Event> recent(String host, String project, int limit) {
        return log.recent(host, project, limit);
      }

      @Override
      public List<Event> find(Query query) {
        return log.find(query);
      }

      @Override
      public Purged purge(Instant cutoff, Instant at, String actor, String source) {
        throw new UnsupportedOperationException("an operation purges no audit events");
      }
    };
  }

  /** The server's store, its audit log {@link #audited}; closing it is the server's business. */
  private static final class AuditedStore extends dev.selvedge.port.ForwardingStore {
    private final AuditLog audit;

    AuditedStore(Store store, AuditLog audit) {
      super(store);
      this.audit = audit;
    }

    @Override
    public AuditLog audit() {
      return audit;
    }

    @Override
    public void close() {
      // The server's store stays open.
    }
  }

  /**
   * A copy of {@code node} with every text (values and field names) passed through {@code scrub}:
   * what an answer built from the engine and the contract (image references, reasons, errors) says
   * without the project's secret values, whatever JSON escaping they would get in the text.
   */
  static com.fasterxml.jackson.databind.JsonNode scrubbed(
      com.fasterxml.jackson.databind.JsonNode node,
      java.util.function.UnaryOperator<String> scrub) {
    if (node.isTextual()) {
      return F.textNode(scrub.apply(node.textValue()));
    }
    if (node.isArray()) {
      ArrayNode out = F.arrayNode();
      node.forEach(n -> out.add(scrubbed(n, scrub)));
      return out;
    }
    if (node.isObject()) {
      ObjectNode out = F.objectNode();
      node.properties()
          .forEach(e -> out.set(scrub.apply(e.getKey()), scrubbed(e.getValue(), scrub)));
      return out;
    }
    return node.deepCopy();
  }

  static String text(com.fasterxml.jackson.databind.JsonNode node) {
    return new String(TreeJson.compact(node), java.nio.charset.StandardCharsets.UTF_8);
  }

  private final java.util.concurrent.ScheduledExecutorService watch =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "selvedge-operations-watch");
            t.setDaemon(true);
            return t;
          });

  /**
   * Marks a dead replica's unfinished operations interrupted every {@code every} (a replica that
   * died while others live: none of them starts again to do it).
   */
  void watchReplicas(java.time.Duration every) {
    watch.scheduleWithFixedDelay(
        () -> {
          try {
            interruptUnfinished(false);
          } catch (RuntimeException e) {
            // the store is away: tried again on the next round
          }
        },
        every.toMillis(),
        every.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Lets operations under way end (they hold leases and may be restoring a service). */
  @Override
  public void close() {
    watch.shutdownNow();
    synchronized (closing) {
      closed = true;
      closing.notifyAll();
    }
    threads.shutdown();
    try {
      if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
        threads.shutdownNow();
      }
    } catch (InterruptedException e) {
      threads.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The unfinished operations of replicas that are dead (no heartbeat for {@link
   * ReplicaHeartbeat#ALIVE_BEATS} periods, on the database's clock), an earlier run of this server
   * included: they will never end now. Another live replica's are left to it.
   *
   * @param startUp also those with no replica recorded (from before V16)
   */
  int interruptUnfinished(boolean startUp) {
    java.util.Set<String> alive =
        new java.util.HashSet<>(
            store
                .replicas()
                .alive(ReplicaHeartbeat.PERIOD.multipliedBy(ReplicaHeartbeat.ALIVE_BEATS)));
    alive.add(settings.replica());
    return store.operations().interruptUnfinished(clock.instant(), alive, startUp);
  }

  /** This server's name in the replica registry, recorded with its operations. */
  String replica() {
    return settings.replica();
  }

  OperationStore operations() {
    return store.operations();
  }
}
