package dev.selvedge.fleet;

import java.time.Duration;
import java.util.List;

/**
 * Told of every finished node sweep: the server's metrics (sweep durations, failures, pills) and
 * the CLI's progress and the server's event stream listen here. Called on the sweeping thread; must
 * be quick and must not throw.
 */
public interface SweepListener {
  /**
   * A sweep of {@code node} finished.
   *
   * @param reachable whether its engine answered
   */
  void swept(String node, Duration took, boolean reachable);

  /** The state a sweep recorded (after anti-flap), with the pill changes it made. */
  default void recorded(NodeState state, List<PillChange> changes) {}

  /**
   * A sweep's result as it was kept, with what to compare it with: the node's state before it (the
   * store's after a restart; null when none was known), the state now (after anti-flap), the pill
   * changes it made, and what the sweep read (before anti-flap: why the engine did not answer).
   * What the server's event stream listens to. By default {@link #recorded(NodeState, List)}.
   */
  default void kept(
      NodeState before, NodeState after, List<PillChange> changes, NodeReading reading) {
    recorded(after, changes);
  }

  /** Tells each of {@code listeners} in turn (one that throws does not stop the others). */
  static SweepListener all(SweepListener... listeners) {
    List<SweepListener> each = List.of(listeners);
    return new SweepListener() {
      @Override
      public void swept(String node, Duration took, boolean reachable) {
        for (SweepListener l : each) {
          try {
            l.swept(node, took, reachable);
          } catch (RuntimeException e) {
            System.getLogger(SweepListener.class.getName())
                .log(System.Logger.Level.WARNING, "a sweep listener failed", e);
          }
        }
      }

      @Override
      public void kept(
          NodeState before, NodeState after, List<PillChange> changes, NodeReading reading) {
        for (SweepListener l : each) {
          try {
            l.kept(before, after, changes, reading);
          } catch (RuntimeException e) {
            System.getLogger(SweepListener.class.getName())
                .log(System.Logger.Level.WARNING, "a sweep listener failed", e);
          }
        }
      }
    };
  }

  SweepListener NONE = (node, took, reachable) -> {};
}
