package dev.selvedge.server;

import dev.selvedge.port.ClusterJobStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs a scheduled job once per schedule across the replicas sharing one store: each replica keeps
 * its own timer and, on each tick, calls {@link #once}; the job runs on the replica the store's
 * {@code cluster_job} lease picks (whichever asks first once the job is due), and is skipped on the
 * others. Used by audit retention, event retention and the cross-tenant audit; any other periodic
 * job (auto-update checks) can use it the same way. {@link #ALONE} runs every tick: one process
 * (H2, tests).
 */
public final class ClusterJobs {
  /** Every tick runs the job: one replica only. */
  public static final ClusterJobs ALONE = new ClusterJobs(null, "alone", line -> {});

  private final ClusterJobStore store;
  private final String holder;
  private final Consumer<String> log;

  /**
   * @param store the job leases; null runs every tick
   * @param holder this replica's name (the replica registry's)
   * @param log where a store that cannot be asked is said (the tick is then skipped)
   */
  public ClusterJobs(ClusterJobStore store, String holder, Consumer<String> log) {
    this.store = store;
    this.holder = Objects.requireNonNull(holder, "holder");
    this.log = Objects.requireNonNull(log, "log");
  }

  /**
   * Runs {@code job} when this replica is the one to run job {@code name} now: its last run on any
   * replica began at least {@code every} ago and no replica runs it now. Pass a little less than
   * the timer's period as {@code every} (ticks of replicas drift apart): a job ticking hourly on
   * every replica passes 50 minutes and then runs about once an hour in the cluster.
   *
   * @return the job's answer, or empty when another replica runs it this time (or the store could
   *     not be asked)
   */
  public <T> Optional<T> once(String name, Duration every, Supplier<T> job) {
    if (store == null) {
      return Optional.ofNullable(job.get());
    }
    boolean mine;
    try {
      mine = store.begin(name, holder, every, every);
    } catch (RuntimeException e) {
      log.accept("cannot ask the store whether to run " + name + " now: " + e.getMessage());
      return Optional.empty();
    }
    if (!mine) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(job.get());
    } finally {
      try {
        store.done(name, holder);
      } catch (RuntimeException e) {
        // the lease expires by itself
      }
    }
  }

  /**
   * The {@code every} to pass {@link #once} for a job on a schedule whose next time after {@code
   * now} is {@code next}: half the gap to it, so the replicas' ticks for one scheduled time (which
   * drift apart) run it once and the next time runs again; at least {@code atLeast}, which is also
   * taken when there is no next time (null).
   */
  public static Duration halfTheGap(Instant now, Instant next, Duration atLeast) {
    if (next == null) {
      return atLeast;
    }
    Duration half = Duration.between(now, next).dividedBy(2);
    return half.compareTo(atLeast) < 0 ? atLeast : half;
  }

  /** As {@link #once(String, Duration, Supplier)} for a job without an answer; true when it ran. */
  public boolean once(String name, Duration every, Runnable job) {
    return once(
            name,
            every,
            () -> {
              job.run();
              return Boolean.TRUE;
            })
        .isPresent();
  }
}
