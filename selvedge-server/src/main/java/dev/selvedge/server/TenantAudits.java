package dev.selvedge.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.Version;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.evidence.Tool;
import dev.selvedge.fleet.AuditSchedule;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.Scheduler;
import dev.selvedge.fleet.audit.AuditFinding;
import dev.selvedge.fleet.audit.AuditJson;
import dev.selvedge.fleet.audit.AuditReport;
import dev.selvedge.fleet.audit.FleetAudit;
import dev.selvedge.fleet.audit.TenantAudit;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.Store;
import dev.selvedge.port.TenantAuditStore.AuditRun;
import dev.selvedge.server.events.EventPublisher;
import dev.selvedge.server.events.ServerEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The server's cross-tenant audit: one run at a time (a scheduled run, or {@code POST
 * /api/v1/audit/tenants}), every node read live as {@code selvedge fleet audit} reads it (through
 * the operations' engines, environment and fingerprint key), the evidence kept in the store's
 * history, and each finding published as an {@code audit.finding} event, the run as {@code
 * audit.tenants.finished}. {@link #start} runs it on the fleet file's {@code audit.schedule}, read
 * again before each wait so a reloaded fleet file applies.
 */
final class TenantAudits implements AutoCloseable {
  /** Who a scheduled run names. */
  static final String SCHEDULE = "schedule";

  /** At most this many findings of one run are published as events (all are kept). */
  static final int MAX_EVENTS = 200;

  /** How often a fleet file with {@code schedule: off} is looked at again. */
  private static final Duration RECHECK = Duration.ofMinutes(10);

  private final Store store;
  private final Supplier<Fleet> fleet;
  private final Clock clock;
  private final EventPublisher events;
  private final OperationSettings operations;
  private final Consumer<String> log;
  private final ReentrantLock running = new ReentrantLock();
  private volatile boolean closed;
  private Scheduler timer;

  /**
   * @param fleet the registry as it is now (a reload applies to the next run)
   * @param operations the engines, environment and fingerprint key it reads with; null: it cannot
   *     run (a read-only server)
   * @param log where scheduled runs and their failures are said
   */
  TenantAudits(
      Store store,
      Supplier<Fleet> fleet,
      Clock clock,
      EventPublisher events,
      OperationSettings operations,
      Consumer<String> log) {
    this.store = store;
    this.fleet = fleet;
    this.clock = clock;
    this.events = events;
    this.operations = operations;
    this.log = log;
  }

  /** Over the control plane's settings. */
  TenantAudits(ControlPlane.Settings settings, Consumer<String> log) {
    this(
        settings.store(),
        () -> settings.fleet().fleet(),
        settings.clock(),
        settings.events(),
        settings.operations(),
        log);
  }

  /** Whether the server can run it (it reads engines only with operations settings). */
  boolean available() {
    return operations != null;
  }

  /**
   * One run, kept and published; empty when another run is under way.
   *
   * @param trigger {@link #SCHEDULE} or {@code request:<key name>}
   */
  Optional<AuditRun> run(String trigger) {
    if (!running.tryLock()) {
      return Optional.empty();
    }
    try {
      OperationSettings ops = operations;
      Fleet fleet = this.fleet.get();
      AuditReport report;
      try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
        LiveStackReader stacks =
            new LiveStackReader(
                new LiveCheck(threads, clock, ops.probe()),
                ops.environment(),
                ops.fingerprints(),
                true);
        report =
            new FleetAudit(
                    new TenantAudit(ops.fingerprints()),
                    FleetAudit.engines(ops.engines(), stacks, fleet.poll().timeout()),
                    threads,
                    clock)
                .run(fleet);
      }
      String evidence = TreeJson.pretty(AuditJson.write(report, Tool.selvedge(Version.current())));
      AuditRun kept =
          store
              .tenantAudits()
              .add(
                  new AuditRun(
                      0,
                      report.generatedAt(),
                      trigger,
                      report.result(),
                      report.findings().size(),
                      evidence));
      publish(kept, report);
      forget(fleet.retention().audit());
      return Optional.of(kept);
    } finally {
      running.unlock();
    }
  }

  /** Removes the runs older than the audit log's retention (none when it is kept for ever). */
  private void forget(Duration age) {
    if (age == null) {
      return;
    }
    try {
      store.tenantAudits().removeBefore(clock.instant().minus(age));
    } catch (RuntimeException e) {
      log.accept(
          "cross-tenant audit: old runs not removed, tried again after the next run: "
              + e.getMessage());
    }
  }

  private void publish(AuditRun run, AuditReport report) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    int n = 0;
    for (AuditFinding x : report.findings()) {
      if (n++ >= MAX_EVENTS) {
        break;
      }
      ObjectNode data = f.objectNode();
      data.put("audit", run.id());
      data.put("class", x.kind().id());
      data.put("key", x.key());
      data.put("project", x.project());
      data.put("fingerprint", x.fingerprint());
      ArrayNode others = data.putArray("others");
      x.others().forEach(others::add);
      data.put("message", x.message());
      events.publish(
          ServerEvent.of("audit.finding", run.at(), x.node(), x.stack(), x.service(), null, data));
    }
    ObjectNode done = f.objectNode();
    done.put("audit", run.id());
    done.put("result", run.result());
    done.put("findings", run.findings());
    done.put("unreadable", report.unreadable().size());
    done.put("trigger", run.trigger());
    events.publish(
        ServerEvent.of("audit.tenants.finished", run.at(), null, null, null, null, done));
  }

  /** Runs it on the fleet file's {@code audit.schedule} until closed, on a timer of its own. */
  TenantAudits start() {
    return start(Scheduler.ownThread("selvedge-tenant-audit"));
  }

  /**
   * Runs it on {@code scheduler} (which it closes when closed): a run blocks the scheduler's
   * thread, so give it one of its own.
   */
  TenantAudits start(Scheduler scheduler) {
    if (!available()) {
      scheduler.close();
      return this;
    }
    timer = scheduler;
    scheduleNext();
    return this;
  }

  private void scheduleNext() {
    AuditSchedule schedule = fleet.get().audit().schedule();
    Instant now = clock.instant();
    Duration wait = schedule == null ? RECHECK : Duration.between(now, schedule.next(now));
    timer.schedule(wait, this::scheduled);
  }

  private static final Duration MIN_GAP = Duration.ofSeconds(30);
  private volatile ClusterJobs jobs = ClusterJobs.ALONE;

  /** Scheduled runs once per scheduled time across the replicas sharing the store. */
  public TenantAudits onceAcross(ClusterJobs jobs) {
    this.jobs = java.util.Objects.requireNonNull(jobs, "jobs");
    return this;
  }

  private void scheduled() {
    try {
      AuditSchedule schedule = fleet.get().audit().schedule();
      if (schedule != null) {
        // Once per scheduled time across the replicas: due again after half the gap to the next.
        Instant now = clock.instant();
        Duration every = ClusterJobs.halfTheGap(now, schedule.next(now), MIN_GAP);
        jobs.once("tenant-audit", every, () -> run(SCHEDULE).orElse(null))
            .ifPresent(
                r ->
                    log.accept(
                        "cross-tenant audit "
                            + r.id()
                            + ": "
                            + r.result()
                            + ", "
                            + r.findings()
                            + " findings"));
      }
    } catch (RuntimeException e) {
      log.accept("cross-tenant audit failed, tried again at its next time: " + e.getMessage());
    } finally {
      if (!closed) {
        scheduleNext();
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    if (timer != null) {
      timer.close();
    }
  }
}
