package dev.selvedge.fleet;

import java.time.Duration;
import java.util.List;

/**
 * Told of every finished node sweep: the server's metrics (sweep durations, failures, pills) and
 * the CLI's progress listen here. Called on the sweeping thread; must be quick and must not throw.
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

  SweepListener NONE = (node, took, reachable) -> {};
}
