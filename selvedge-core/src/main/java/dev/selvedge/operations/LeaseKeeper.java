package dev.selvedge.operations;

import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.Lease;
import dev.selvedge.port.LeaseHeldException;
import dev.selvedge.port.LeaseStore;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Holds a project's lease for the length of one operation: takes it, renews it in the background
 * every third of its time to live, and gives it up at the end. A crashed process stops renewing, so
 * its lease runs out and the next operation takes over.
 */
public final class LeaseKeeper implements AutoCloseable {
  private final LeaseStore leases;
  private final Duration ttl;
  private final String where;
  private final ScheduledExecutorService renewer;
  private volatile Lease lease;
  private volatile RuntimeException lost;

  private LeaseKeeper(LeaseStore leases, Lease lease, Duration ttl, String where) {
    this.leases = leases;
    this.lease = lease;
    this.ttl = ttl;
    this.where = where;
    this.renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "selvedge-lease");
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(1, ttl.toMillis() / 3);
    renewer.scheduleAtFixedRate(this::renew, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Takes the lease of (engine, project) or throws {@link LeaseHeldException} naming its holder.
   * The lease is keyed by the daemon's own ID ({@link #key}), so two ways to one engine (its socket
   * and an ssh:// host, say) cannot both mutate one project at once.
   */
  public static LeaseKeeper acquire(
      LeaseStore leases,
      DockerEngine engine,
      String project,
      String owner,
      String operation,
      Duration ttl) {
    String key = key(engine);
    Lease lease;
    try {
      lease = leases.acquire(key, project, owner, operation, ttl);
    } catch (LeaseHeldException e) {
      throw new LeaseHeldException(engine.endpoint(), project, e.holder());
    }
    return new LeaseKeeper(leases, lease, ttl, engine.endpoint());
  }

  /**
   * The lease key of an engine: its daemon ID, or its endpoint when it answers without one. An
   * engine that refuses to say (a proxy filtering {@code /info}, say) gets no lease: nothing is
   * changed.
   */
  public static String key(DockerEngine engine) {
    String id;
    try {
      id = engine.daemonId();
    } catch (EngineException e) {
      throw new OperationException(
          e.getMessage()
              + " when asked for its ID (GET /info); leases are kept per engine, so nothing was"
              + " changed. If a proxy filters the Engine API, allow GET /info");
    }
    return id == null || id.isBlank() ? engine.endpoint() : "docker-daemon:" + id;
  }

  private void renew() {
    if (lost != null) {
      return;
    }
    try {
      lease = leases.renew(lease, ttl);
    } catch (LeaseHeldException e) {
      lost = new LeaseHeldException(where, lease.project(), e.holder());
    } catch (RuntimeException e) {
      // The store was briefly unreachable: try again at the next tick; the lease outlives a miss.
    }
  }

  /**
   * Throws when the lease was lost (taken over after expiring), or when renewals have failed for so
   * long that it may have expired: stop mutating at once.
   */
  public void check() {
    if (lost != null) {
      throw lost;
    }
    // The store may be unreachable from here yet reachable by others: past the last confirmed
    // expiry (less a margin for clock skew), someone else may hold the project.
    java.time.Instant deadline = lease.expiresAt().minus(ttl.dividedBy(6));
    if (java.time.Instant.now().isAfter(deadline)) {
      throw new LeaseHeldException(where, lease.project(), null);
    }
  }

  @Override
  public void close() {
    renewer.shutdownNow();
    try {
      renewer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (lost == null) {
      try {
        leases.release(lease);
      } catch (RuntimeException e) {
        // The work is done; an unreleased lease only makes the next operation wait for expiry.
      }
    }
  }
}
