package dev.selvedge.fleet;

import dev.selvedge.status.Pill;
import java.time.Instant;
import java.util.List;

/**
 * What the control plane last knew of a node: its pill (after anti-flap), why, its engine's facts
 * and its stacks. Persisted after every sweep, so a restarted server shows it at once.
 *
 * @param lastSweptAt when a sweep of it last finished, reachable or not (null: never)
 * @param failures consecutive sweeps that could not reach the engine
 * @param facts the engine's facts from the last sweep that reached it (null: never reached)
 * @param sweptBy the replica whose sweep wrote this state (its claim's replica; null when swept
 *     without a claim, or before the store kept it)
 */
public record NodeState(
    String id,
    Pill pill,
    List<String> reasons,
    Instant lastSweptAt,
    int failures,
    EngineFacts facts,
    List<StackState> stacks,
    String sweptBy) {
  public NodeState {
    reasons = List.copyOf(reasons);
    stacks = List.copyOf(stacks);
  }

  /** A state not (yet) attributed to a replica. */
  public NodeState(
      String id,
      Pill pill,
      List<String> reasons,
      Instant lastSweptAt,
      int failures,
      EngineFacts facts,
      List<StackState> stacks) {
    this(id, pill, reasons, lastSweptAt, failures, facts, stacks, null);
  }

  /** This state as swept by {@code replica}. */
  public NodeState sweptBy(String replica) {
    return new NodeState(id, pill, reasons, lastSweptAt, failures, facts, stacks, replica);
  }
}
