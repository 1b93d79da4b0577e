package dev.selvedge.port;

import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.PillChange;
import java.util.List;
import java.util.Optional;

/**
 * The latest state of every node and stack the control plane sweeps, and the history of their pill
 * changes. Written by the poller, read by the API and {@code selvedge fleet status}.
 */
public interface FleetStateStore {

  /** Replaces a node's state (and its stacks') and appends its pill changes, in one transaction. */
  void record(NodeState state, List<PillChange> changes);

  /** Every node known, in id order. */
  List<NodeState> nodes();

  Optional<NodeState> node(String id);

  /** The node's pill changes (its own and its stacks'), newest first, at most {@code limit}. */
  List<PillChange> history(String node, int limit);
}
