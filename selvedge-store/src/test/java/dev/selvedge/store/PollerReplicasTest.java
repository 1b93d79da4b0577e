package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.fleet.EngineFacts;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.NodeReader;
import dev.selvedge.fleet.NodeReading;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.Poller;
import dev.selvedge.fleet.Scheduler;
import dev.selvedge.fleet.SweepListener;
import dev.selvedge.port.Store;
import dev.selvedge.status.Pill;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two pollers (replicas) on one database: a node one of them is sweeping is not swept by the other
 * (its claim is held), and the other nodes are.
 */
class PollerReplicasTest {
  @TempDir Path dir;

  static Fleet fleet(String... ids) {
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    for (String id : ids) {
      nodes.put(id, new Fleet.Node(id, "tcp://127.0.0.1:1", null, null, null, List.of(), Map.of()));
    }
    return new Fleet(Path.of("/fleet.yaml"), Fleet.Poll.DEFAULT, nodes, List.of());
  }

  static NodeReading green(String node, Instant at) {
    return new NodeReading(
        node,
        at,
        true,
        List.of(),
        new EngineFacts("ID", "27", "1.47", "linux", "x86_64", 1, 1, "/", null),
        List.of());
  }

  @Test
  void aNodeClaimedByOneReplicaIsLeftToItByTheOther() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
    StoreConfig config =
        new StoreConfig(
            "jdbc:h2:file:" + dir.resolve("store/selvedge") + StoreConfig.H2_SETTINGS, null, null);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    NodeReader slowOnA =
        (node, timeout) -> {
          if (node.id().equals("a")) {
            inside.countDown();
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return green(node.id(), clock.instant());
        };
    NodeReader other = (node, timeout) -> green(node.id(), clock.instant());
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try (Store one = Stores.open(config, clock);
        Store two = Stores.open(config, clock);
        // the first replica's fleet is node a alone, so that nothing else of it is under way
        Poller first = poller(fleet("a"), one, slowOnA, "replica-1", clock);
        Poller second = poller(fleet("a", "b"), two, other, "replica-2", clock)) {
      Future<List<NodeState>> firstSweep = caller.submit(first::sweepAll);
      assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();

      List<NodeState> secondSweep = second.sweepAll();
      assertThat(secondSweep).extracting(NodeState::id).containsExactly("b");

      release.countDown();
      assertThat(firstSweep.get(30, TimeUnit.SECONDS))
          .extracting(NodeState::id)
          .containsExactly("a");
      assertThat(two.fleetState().node("a"))
          .hasValueSatisfying(s -> assertThat(s.pill()).isEqualTo(Pill.GREEN));
      // released: the other replica may sweep it now
      assertThat(second.sweepAll()).extracting(NodeState::id).containsExactly("a", "b");
    } finally {
      caller.shutdownNow();
    }
  }

  private static Poller poller(
      Fleet fleet, Store store, NodeReader reader, String replica, TestClock clock) {
    return new Poller(
        fleet,
        reader,
        store.fleetState(),
        clock,
        Scheduler.system(),
        Executors.newVirtualThreadPerTaskExecutor(),
        new Random(1),
        replica,
        SweepListener.NONE);
  }
}
