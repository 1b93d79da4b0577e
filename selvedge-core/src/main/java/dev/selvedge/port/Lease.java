package dev.selvedge.port;

import java.time.Instant;
import java.util.Map;

/**
 * The right to run one mutating operation on a project of an engine host until {@code expiresAt}.
 * Both instants are on the store's clock ({@link LeaseStore}), not the holder's.
 *
 * @param owner who holds it ({@code user@machine pid 1234}, a server node)
 * @param operation what it is doing ({@code apply}, {@code rollback}, {@code restart web})
 * @param token identifies this holding, so a renewal or release by an old holder whose lease
 *     expired and was taken over does nothing
 * @param holder the process holding it, so a process on the same machine can tell that it died;
 *     null when it could not say (no {@code /proc})
 * @param restoring the services whose previous container the holder is putting back, by service
 */
public record Lease(
    String host,
    String project,
    String owner,
    String operation,
    String token,
    Instant acquiredAt,
    Instant expiresAt,
    Holder holder,
    Map<String, Restore> restoring) {

  public Lease {
    restoring = Map.copyOf(restoring);
  }

  /** A lease by a holder that cannot say who it is, restoring nothing. */
  public Lease(
      String host,
      String project,
      String owner,
      String operation,
      String token,
      Instant acquiredAt,
      Instant expiresAt) {
    this(host, project, owner, operation, token, acquiredAt, expiresAt, null, Map.of());
  }

  /** The same holding with {@code expiresAt} moved. */
  public Lease expiring(Instant at) {
    return new Lease(host, project, owner, operation, token, acquiredAt, at, holder, restoring);
  }

  /** The same holding, now restoring {@code now}. */
  public Lease restoring(Map<String, Restore> now) {
    return new Lease(host, project, owner, operation, token, acquiredAt, expiresAt, holder, now);
  }

  /**
   * One process of one machine, told apart from a later process given the same pid: the kernel's
   * boot id, its PID namespace (containers on one kernel share the boot id but not their pids), the
   * pid and the process's start time in clock ticks since boot.
   */
  public record Holder(String bootId, String pidNamespace, long pid, long startTicks) {}

  /**
   * A previous container being put back after its successor failed: the parked container, the name
   * it gets back, the successor to remove (null when there is none), and whether it ran before.
   */
  public record Restore(String parked, String name, String replacement, boolean start) {}
}
