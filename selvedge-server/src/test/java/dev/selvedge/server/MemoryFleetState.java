package dev.selvedge.server;

import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.PillChange;
import dev.selvedge.port.FleetStateStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** The fleet state port in memory: the tests write the states a poller would. */
final class MemoryFleetState implements FleetStateStore {
  private final Map<String, NodeState> nodes = new ConcurrentHashMap<>();
  private final List<PillChange> changes = new CopyOnWriteArrayList<>();

  @Override
  public void record(NodeState state, List<PillChange> newChanges) {
    nodes.put(state.id(), state);
    changes.addAll(newChanges);
  }

  @Override
  public List<NodeState> nodes() {
    return nodes.values().stream().sorted(Comparator.comparing(NodeState::id)).toList();
  }

  @Override
  public Optional<NodeState> node(String id) {
    return Optional.ofNullable(nodes.get(id));
  }

  @Override
  public List<PillChange> history(String node, int limit) {
    List<PillChange> mine = new ArrayList<>();
    for (int i = changes.size() - 1; i >= 0 && mine.size() < limit; i--) {
      if (changes.get(i).node().equals(node)) {
        mine.add(changes.get(i));
      }
    }
    return mine;
  }
}
