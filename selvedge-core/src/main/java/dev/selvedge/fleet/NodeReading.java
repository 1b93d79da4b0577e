package dev.selvedge.fleet;

import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What one sweep of a node saw, before anti-flap: whether its engine answered, its facts, and each
 * stack's axes and pill.
 *
 * @param reasons why the node could not be read (empty when it was)
 * @param facts null when the engine did not answer
 * @param stacks in the fleet file's order; every stack of the node, unknown ones included
 */
public record NodeReading(
    String node,
    Instant at,
    boolean reachable,
    List<String> reasons,
    EngineFacts facts,
    List<StackReading> stacks) {
  public NodeReading {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(at, "at");
    reasons = List.copyOf(reasons);
    stacks = List.copyOf(stacks);
  }

  /**
   * One stack as read.
   *
   * @param sync {@link Sync#UNKNOWN} when it could not be read
   * @param health null when it could not be read
   * @param report the evidence JSON as {@code drift --format json} prints it; null when unread or
   *     not asked for (a reader made without reports)
   */
  public record StackReading(
      String name,
      String project,
      Sync sync,
      Health health,
      Pill pill,
      List<String> reasons,
      String report) {
    public StackReading {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(pill, "pill");
      reasons = List.copyOf(reasons);
    }

    /** A stack that could not be read: unknown sync and health, red, with why. */
    public static StackReading unread(Fleet.Stack stack, String reason) {
      return new StackReading(
          stack.name(), stack.project(), Sync.UNKNOWN, null, Pill.RED, List.of(reason), null);
    }
  }
}
