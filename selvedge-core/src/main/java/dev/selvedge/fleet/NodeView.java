package dev.selvedge.fleet;

import java.util.Objects;

/**
 * A node of the fleet with what is known of it, for the fleet's JSON and text.
 *
 * @param state null when it was never swept (not even before a restart)
 * @param stale the state is old: not swept since this process started, or its last sweep is older
 *     than two intervals
 */
public record NodeView(Fleet.Node node, NodeState state, boolean stale) {
  public NodeView {
    Objects.requireNonNull(node, "node");
  }

  /** Whether it passes the filters ({@code null}: no filter). */
  public boolean matches(String tag, String environment) {
    return (tag == null || node.tags().contains(tag))
        && (environment == null || environment.equals(node.environment()));
  }
}
