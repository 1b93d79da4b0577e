package dev.selvedge.fleet;

import dev.selvedge.status.Pill;
import java.time.Instant;
import java.util.List;

/**
 * A pill that changed colour (after anti-flap).
 *
 * @param stack null when it is the node's own pill
 * @param from null for the first colour it ever had
 */
public record PillChange(
    String node, String stack, Pill from, Pill to, List<String> reasons, Instant at) {
  public PillChange {
    reasons = List.copyOf(reasons);
  }
}
