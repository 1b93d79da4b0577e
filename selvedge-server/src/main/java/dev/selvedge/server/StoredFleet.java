package dev.selvedge.server;

import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.port.FleetStateStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The fleet as the store last recorded it, with no poller of this process: a state is stale when
 * its last sweep is older than two intervals. Ready when every node has a recorded state.
 */
public final class StoredFleet implements FleetView {
  private final Supplier<Fleet> fleet;
  private final FleetStateStore states;
  private final Clock clock;

  public StoredFleet(Supplier<Fleet> fleet, FleetStateStore states, Clock clock) {
    this.fleet = fleet;
    this.states = states;
    this.clock = clock;
  }

  @Override
  public Fleet fleet() {
    return fleet.get();
  }

  @Override
  public List<NodeView> view() {
    Fleet f = fleet.get();
    Map<String, NodeState> known = new HashMap<>();
    for (NodeState s : states.nodes()) {
      known.put(s.id(), s);
    }
    Duration staleAfter = f.poll().interval().multipliedBy(2);
    List<NodeView> views = new ArrayList<>();
    for (Fleet.Node node : f.nodes().values()) {
      NodeState s = known.get(node.id());
      boolean stale =
          s == null
              || s.lastSweptAt() == null
              || s.lastSweptAt().plus(staleAfter).isBefore(clock.instant());
      views.add(new NodeView(node, s, stale));
    }
    return views;
  }

  @Override
  public Optional<String> readiness() {
    List<String> missing =
        view().stream().filter(v -> v.state() == null).map(v -> v.node().id()).toList();
    return missing.isEmpty()
        ? Optional.empty()
        : Optional.of("no recorded sweep of " + String.join(", ", missing));
  }
}
