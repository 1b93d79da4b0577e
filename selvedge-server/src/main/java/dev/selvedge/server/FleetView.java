package dev.selvedge.server;

import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.fleet.Poller;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the API shows of the fleet: the registry in force and each node with its last known state.
 * {@code serve} gives the running {@link Poller} ({@link #of(Poller)}); {@link StoredFleet} reads
 * the store alone.
 */
public interface FleetView {
  /** The fleet registry in force (it may have been reloaded). */
  Fleet fleet();

  /** Every node of the fleet with its last known state, in the fleet's order. */
  List<NodeView> view();

  /** Why the fleet is not ready to be shown yet (first sweeps under way); empty once it is. */
  Optional<String> readiness();

  /**
   * Grows whenever {@link #view()} may show something new other than by the passing of time; read
   * before {@link #view()}. Negative: not known (then answers built from the view are not cached).
   */
  default long version() {
    return -1;
  }

  /**
   * Sweeps {@code node} now, out of its schedule ({@link Poller#sweepNow}); empty when nothing
   * sweeps here (a view of the store alone) or the node is unknown.
   */
  default Optional<CompletableFuture<NodeState>> sweepNow(String node) {
    return Optional.empty();
  }

  /** The running poller's view. */
  static FleetView of(Poller poller) {
    return new FleetView() {
      @Override
      public Fleet fleet() {
        return poller.fleet();
      }

      @Override
      public List<NodeView> view() {
        return poller.view();
      }

      @Override
      public Optional<String> readiness() {
        return poller.readiness();
      }

      @Override
      public long version() {
        return poller.version();
      }

      @Override
      public Optional<CompletableFuture<NodeState>> sweepNow(String node) {
        return poller.sweepNow(node);
      }
    };
  }
}
