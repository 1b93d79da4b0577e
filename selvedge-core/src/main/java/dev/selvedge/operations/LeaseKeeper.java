package dev.selvedge.operations;

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
  private final ScheduledExecutorService renewer;
  private volatile Lease lease;
  private volatile RuntimeException lost;

  private LeaseKeeper(LeaseStore leases, Lease lease, Duration ttl) {
    this.leases = leases;
    this.lease = lease;
    this.ttl = ttl;
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

  /** Takes the lease of (host, project) or throws {@link LeaseHeldException} naming its holder. */
  public static LeaseKeeper acquire(
      LeaseStore leases,
      String host,
      String project,
      String owner,
      String operation,
      Duration ttl) {
    return new LeaseKeeper(leases, leases.acquire(host, project, owner, operation, ttl), ttl);
  }

  private void renew() {
    if (lost != null) {
      return;
    }
    try {
      lease = leases.renew(lease, ttl);
    } catch (LeaseHeldException e) {
      lost = e;
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
      throw new LeaseHeldException(lease.host(), lease.project(), null);
    }
  }

  public Lease lease() {
    return lease;
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
