package dev.selvedge.fleet;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs an action after a delay. Given to the {@link Poller} so tests move time by hand instead of
 * sleeping; {@link #system()} is the real one.
 */
public interface Scheduler extends AutoCloseable {

  /** Runs {@code action} once after {@code delay}; it must return quickly (hand work off). */
  Task schedule(Duration delay, Runnable action);

  /** A scheduled action. */
  interface Task {
    /** Does not run it if it has not started; a no-op afterwards. */
    void cancel();
  }

  @Override
  default void close() {}

  /** One daemon timer thread; the actions hand their work to other threads. */
  static Scheduler system() {
    return ownThread("selvedge-poller-timer");
  }

  /**
   * A timer on one daemon thread of its own named {@code name}, for actions that may block it (a
   * scheduled job's run); {@link #close} stops it.
   */
  static Scheduler ownThread(String name) {
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1, r -> Thread.ofPlatform().daemon().name(name).unstarted(r));
    timer.setRemoveOnCancelPolicy(true);
    return over(timer);
  }

  /** Over an executor of the caller's; {@link #close} shuts it down. */
  static Scheduler over(ScheduledExecutorService timer) {
    return new Scheduler() {
      @Override
      public Task schedule(Duration delay, Runnable action) {
        var f = timer.schedule(action, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      }

      @Override
      public void close() {
        timer.shutdownNow();
      }
    };
  }
}
