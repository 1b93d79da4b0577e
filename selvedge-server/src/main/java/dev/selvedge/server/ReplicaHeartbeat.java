package dev.selvedge.server;

import dev.selvedge.Version;
import dev.selvedge.port.ReplicaStore;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * This {@code serve} in the store's replica registry, so every replica can show the cluster ({@code
 * GET /api/v1/cluster}): registered at start, its heartbeat moved every {@link #PERIOD} on its own
 * thread, removed on a clean stop. A replica that died keeps its row, seen as not alive after
 * {@link #ALIVE_BEATS} missed beats, until a live one forgets it {@link #FORGET_AFTER} later.
 */
public final class ReplicaHeartbeat implements AutoCloseable {
  /** How often a replica beats. */
  public static final Duration PERIOD = Duration.ofSeconds(5);

  /** Beats a replica may miss and still be shown alive. */
  public static final int ALIVE_BEATS = 3;

  /** How long a silent replica stays listed (as not alive). */
  static final Duration FORGET_AFTER = Duration.ofHours(24);

  private volatile boolean stopped;
  private final ReplicaStore replicas;
  private final ReplicaStore.Replica self;
  private final Clock clock;
  private final Consumer<String> log;
  private final ScheduledExecutorService timer;
  private volatile boolean failing;
  private volatile boolean databaseTime;

  private ReplicaHeartbeat(
      ReplicaStore replicas, ReplicaStore.Replica self, Clock clock, Consumer<String> log) {
    this.replicas = replicas;
    this.self = self;
    this.clock = clock;
    this.log = log;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "selvedge-replica-heartbeat");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Registers replica {@code id} (this process) and beats every {@code period} until closed.
   *
   * @param log where failed beats (the store away) and their recovery are said
   * @throws dev.selvedge.port.StoreException when the store does not take the registration
   */
  public static ReplicaHeartbeat start(
      ReplicaStore replicas, String id, Clock clock, Duration period, Consumer<String> log) {
    Instant now = clock.instant();
    ReplicaStore.Replica self =
        new ReplicaStore.Replica(
            id, hostName(), ProcessHandle.current().pid(), Version.current(), now, now);
    replicas.register(self);
    ReplicaHeartbeat beat = new ReplicaHeartbeat(replicas, self, clock, log);
    beat.timer.scheduleWithFixedDelay(
        beat::beatQuietly, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    return beat;
  }

  /**
   * As {@link #start(ReplicaStore, String, Clock, Duration, Consumer)}, but every beat writes the
   * database's time ({@link ReplicaStore#beat}), so that liveness ({@link ReplicaStore#alive}) is
   * judged on one clock, the database's: what {@code serve} runs.
   */
  public static ReplicaHeartbeat startOnDatabaseTime(
      ReplicaStore replicas, String id, Duration period, Consumer<String> log) {
    ReplicaHeartbeat beat = start(replicas, id, Clock.systemUTC(), period, log);
    beat.databaseTime = true;
    replicas.beat(id);
    return beat;
  }

  /**
   * How many replicas beat within {@link #ALIVE_BEATS} periods on the database's clock, {@code
   * self} always counted: the replicas the sweep claims are shared among.
   */
  public static java.util.function.IntSupplier aliveCount(ReplicaStore replicas, String self) {
    Duration window = PERIOD.multipliedBy(ALIVE_BEATS);
    return () -> {
      List<String> alive = replicas.alive(window);
      return alive.contains(self) ? alive.size() : alive.size() + 1;
    };
  }

  /** This replica as registered. */
  public ReplicaStore.Replica self() {
    return self;
  }

  /**
   * One beat: the heartbeat moved (the row registered again if it was forgotten meanwhile, e.g.
   * after a long pause), and replicas silent for {@link #FORGET_AFTER} dropped.
   *
   * @throws dev.selvedge.port.StoreException when the store fails
   */
  void beat() {
    Instant now = clock.instant();
    boolean known = databaseTime ? replicas.beat(self.id()) : replicas.heartbeat(self.id(), now);
    if (!known && !stopped) {
      // Gone (forgotten while paused): registered again, unless it is stopping (a beat still in a
      // slow store call when close() removed the row must not bring it back).
      replicas.register(
          new ReplicaStore.Replica(
              self.id(), self.host(), self.pid(), self.version(), self.startedAt(), now));
      if (databaseTime) {
        replicas.beat(self.id());
      }
    }
    replicas.forget(now.minus(FORGET_AFTER));
  }

  private void beatQuietly() {
    try {
      beat();
      if (failing) {
        failing = false;
        log.accept("replica heartbeat: the store takes it again");
      }
    } catch (RuntimeException e) {
      if (!failing) {
        failing = true;
        log.accept("replica heartbeat failed (tried again every beat): " + e.getMessage());
      }
    }
  }

  /** Stops beating and removes this replica from the registry (a failure is only said). */
  @Override
  public void close() {
    stopped = true;
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      replicas.remove(self.id());
    } catch (RuntimeException e) {
      log.accept("could not remove this replica from the registry: " + e.getMessage());
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      String env = System.getenv("HOSTNAME");
      return env == null || env.isBlank() ? "unknown" : env;
    }
  }
}
