package dev.selvedge.port;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * One mutating operation per (engine host, project) at a time, across processes and machines that
 * share the store.
 *
 * <p>Callers give durations, never instants: the store writes an expiry as its own now plus the
 * time to live and judges expiry against its own now (the database's clock), so processes whose
 * clocks disagree (a CLI on a laptop whose clock is off, a server replica) agree on who holds a
 * lease. The instants of a {@link Lease} are therefore on the store's clock; a holder must not
 * compare them with its own clock, only count the time to live from when it asked (see {@code
 * LeaseKeeper}).
 */
public interface LeaseStore {

  /**
   * Takes the project's lease for {@code ttl} from the store's now, or takes over one that expired
   * by the store's clock.
   *
   * @param holder the calling process, recorded so others on its machine can tell when it died;
   *     null when it cannot say
   * @throws LeaseHeldException when someone else holds an unexpired lease
   */
  Lease acquire(
      String host,
      String project,
      String owner,
      String operation,
      Duration ttl,
      Lease.Holder holder);

  /**
   * {@link #acquire(String, String, String, String, Duration, Lease.Holder)} by no known holder.
   */
  default Lease acquire(String host, String project, String owner, String operation, Duration ttl) {
    return acquire(host, project, owner, operation, ttl, null);
  }

  /**
   * Takes over {@code dead}'s unexpired lease, whose holder is known to have died: only while it is
   * still that holding, so of two processes taking over at once one wins. The new lease runs for
   * {@code ttl} from the store's now and keeps what {@code dead} was restoring, for its new holder
   * to finish and clear.
   *
   * @throws LeaseHeldException when it changed hands or was released in between (holder null)
   */
  Lease takeOver(Lease dead, String owner, String operation, Duration ttl, Lease.Holder holder);

  /**
   * Records what the holder of {@code lease} is restoring now (replacing what was recorded).
   *
   * @throws LeaseHeldException when the lease is no longer this caller's
   */
  Lease restoring(Lease lease, Map<String, Lease.Restore> restoring);

  /**
   * Extends a lease this caller holds to the store's now + {@code ttl}.
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

  /** The lease on the project unexpired by the store's clock, if any. */
  Optional<Lease> current(String host, String project);
}
