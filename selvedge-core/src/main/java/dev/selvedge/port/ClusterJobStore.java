package dev.selvedge.port;

import java.time.Duration;

/**
 * Jobs that run once per schedule across the control-plane replicas sharing one store (audit and
 * event retention, the cross-tenant audit, ...): every replica keeps its own timer, and on each
 * tick asks {@link #begin} whether it is the one to run the job now. Times are judged on the
 * database's clock only, never one replica's against another's.
 */
public interface ClusterJobStore {

  /**
   * Takes job {@code name} for {@code holder} when it is due: nobody holds an unexpired lease on it
   * (or {@code holder} does) and its last run began at least {@code every} ago (or never). The run
   * is noted as begun now; the lease lasts {@code lease}, so no other replica starts the job beside
   * a slow run.
   *
   * @return true when {@code holder} is to run the job now (then {@link #done} after it)
   */
  boolean begin(String name, String holder, Duration every, Duration lease);

  /**
   * The run that {@link #begin} granted ended (also after a failure: a failing job is not run by
   * every replica in turn): the lease is let go; nothing when {@code holder} no longer holds it.
   */
  void done(String name, String holder);
}
