package dev.selvedge.server;

import dev.selvedge.fleet.Fleet;
import dev.selvedge.port.AuditLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The audit log's retention job in {@code selvedge serve}: every {@link #EVERY} (and shortly after
 * start) removes the events older than the fleet file's {@code retention.audit}, the one removal
 * the store lets through, and recorded there as an {@code audit.retention} event by {@link #ACTOR}.
 * The age is read at each run, so a reloaded fleet file applies at the next one. A run that fails
 * (the store unreachable) is said and tried again at the next.
 */
public final class AuditRetention implements AutoCloseable {
  /** How often it runs. */
  public static final Duration EVERY = Duration.ofHours(1);

  /** The first run, after start: not in the way of the server coming up. */
  static final Duration FIRST = Duration.ofMinutes(1);

  /** Who the retention events name. */
  public static final String ACTOR = "system:retention";

  private final AuditLog audit;
  private final Supplier<Fleet.Retention> retention;
  private final Clock clock;
  private final String source;
  private final Consumer<String> log;
  private ScheduledExecutorService timer;

  /**
   * @param source the machine it runs on, as audit events record it
   * @param log where runs that removed something, and failures, are said
   */
  public AuditRetention(
      AuditLog audit,
      Supplier<Fleet.Retention> retention,
      Clock clock,
      String source,
      Consumer<String> log) {
    this.audit = audit;
    this.retention = retention;
    this.clock = clock;
    this.source = source;
    this.log = log;
  }

  /** Runs it on its own thread, every {@link #EVERY}, until closed. */
  public AuditRetention start() {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "selvedge-audit-retention");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        this::runQuietly, FIRST.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * One run: what it removed, or empty when the audit log is kept for ever.
   *
   * @throws dev.selvedge.port.StoreException when the store fails (nothing is removed then)
   */
  public Optional<AuditLog.Purged> runOnce() {
    Duration age = retention.get().audit();
    if (age == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    AuditLog.Purged purged = audit.purge(now.minus(age), now, ACTOR, source);
    if (purged.removed() > 0) {
      log.accept(
          "audit retention: removed " + purged.removed() + " events older than " + purged.cutoff());
    }
    return Optional.of(purged);
  }

  private volatile ClusterJobs jobs = ClusterJobs.ALONE;

  /** Runs once an hour across the replicas sharing the store ({@code audit-retention}). */
  public AuditRetention onceAcross(ClusterJobs jobs) {
    this.jobs = java.util.Objects.requireNonNull(jobs, "jobs");
    return this;
  }

  private void runQuietly() {
    try {
      jobs.once("audit-retention", EVERY.minus(EVERY.dividedBy(6)), this::runOnce);
    } catch (RuntimeException e) {
      log.accept("audit retention failed, tried again in an hour: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
