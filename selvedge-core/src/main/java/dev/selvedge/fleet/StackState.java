package dev.selvedge.fleet;

import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import java.time.Instant;
import java.util.List;

/**
 * A stack on a node as last swept: sync, health and the (anti-flapped) pill with its reasons.
 *
 * @param report the evidence report as {@code selvedge drift --format json} prints it (secrets
 *     already fingerprinted); null when the stack could not be read
 */
public record StackState(
    String node,
    String name,
    String project,
    Sync sync,
    Health health,
    Pill pill,
    List<String> reasons,
    String report,
    Instant sweptAt) {
  public StackState {
    reasons = List.copyOf(reasons);
  }
}
