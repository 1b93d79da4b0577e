package dev.selvedge.port;

import java.time.Duration;
import java.util.Optional;

/**
 * One mutating operation per (engine host, project) at a time, across processes and machines that
 * share the store. Time comes from the store's clock.
 */
public interface LeaseStore {

  /**
   * Takes the project's lease for {@code ttl}, or takes over an expired one.
   *
   * @throws LeaseHeldException when someone else holds an unexpired lease
   */
  Lease acquire(String host, String project, String owner, String operation, Duration ttl);

  /**
   * Extends a lease this caller holds to now + {@code ttl}.
   *
   * @throws LeaseHeldException when the lease expired and someone else took it (or it is gone)
   */
  Lease renew(Lease lease, Duration ttl);

  /** Gives the lease up; does nothing when it is no longer this caller's. */
  void release(Lease lease);

  /**
   * Gives up the holding {@code token} of the project's lease, as {@link #release(Lease)} does, for
   * a caller that kept only the token (a release that had to wait for the store to come back).
   */
  void release(String host, String project, String token);

  /** The unexpired lease on the project, if any. */
  Optional<Lease> current(String host, String project);
}
