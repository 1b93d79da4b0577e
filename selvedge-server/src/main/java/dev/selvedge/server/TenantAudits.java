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
import dev.selvedge.fleet.audit.AuditFinding;
import dev.selvedge.fleet.audit.AuditJson;
import dev.selvedge.fleet.audit.AuditReport;
import dev.selvedge.fleet.audit.FleetAudit;
import dev.selvedge.fleet.audit.TenantAudit;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.TenantAuditStore.AuditRun;
import dev.selvedge.server.events.ServerEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

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

  private final ControlPlane.Settings settings;
  private final Consumer<String> log;
  private final ReentrantLock running = new ReentrantLock();
  private ScheduledExecutorService timer;

  TenantAudits(ControlPlane.Settings settings, Consumer<String> log) {
    this.settings = settings;
    this.log = log;
  }

  /** Whether the server can run it (it reads engines only with operations settings). */
  boolean available() {
    return settings.operations() != null;
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
      OperationSettings ops = settings.operations();
      Fleet fleet = settings.fleet().fleet();
      AuditReport report;
      try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
        LiveStackReader stacks =
            new LiveStackReader(
                new LiveCheck(threads, settings.clock(), ops.probe()),
                ops.environment(),
                ops.fingerprints(),
                true);
        report =
            new FleetAudit(
                    new TenantAudit(ops.fingerprints()),
                    FleetAudit.engines(ops.engines(), stacks, fleet.poll().timeout()),
                    threads,
                    settings.clock())
                .run(fleet);
      }
      String evidence = TreeJson.pretty(AuditJson.write(report, Tool.selvedge(Version.current())));
      AuditRun kept =
          settings
              .store()
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
      return Optional.of(kept);
    } finally {
      running.unlock();
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
      settings
          .events()
          .publish(
              ServerEvent.of(
                  "audit.finding", run.at(), x.node(), x.stack(), x.service(), null, data));
    }
    ObjectNode done = f.objectNode();
    done.put("audit", run.id());
    done.put("result", run.result());
    done.put("findings", run.findings());
    done.put("unreadable", report.unreadable().size());
    done.put("trigger", run.trigger());
    settings
        .events()
        .publish(ServerEvent.of("audit.tenants.finished", run.at(), null, null, null, null, done));
  }

  /** Runs it on the fleet file's {@code audit.schedule} until closed. */
  TenantAudits start() {
    if (!available()) {
      return this;
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "selvedge-tenant-audit");
              t.setDaemon(true);
              return t;
            });
    scheduleNext();
    return this;
  }

  private void scheduleNext() {
    AuditSchedule schedule = settings.fleet().fleet().audit().schedule();
    Instant now = settings.clock().instant();
    Duration wait = schedule == null ? RECHECK : Duration.between(now, schedule.next(now));
    timer.schedule(
        () -> {
          try {
            if (settings.fleet().fleet().audit().schedule() != null) {
              run(SCHEDULE)
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
            log.accept(
                "cross-tenant audit failed, tried again at its next time: " + e.getMessage());
          } finally {
            if (!timer.isShutdown()) {
              scheduleNext();
            }
          }
        },
        Math.max(0, wait.toMillis()),
        TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
