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
 */
public record NodeState(
    String id,
    Pill pill,
    List<String> reasons,
    Instant lastSweptAt,
    int failures,
    EngineFacts facts,
    List<StackState> stacks) {
  public NodeState {
    reasons = List.copyOf(reasons);
    stacks = List.copyOf(stacks);
  }
}
