package dev.selvedge.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.fleet.EngineFacts;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.MemoryFleetState;
import dev.selvedge.fleet.NodeReader;
import dev.selvedge.fleet.NodeReading;
import dev.selvedge.fleet.NodeReading.StackReading;
import dev.selvedge.fleet.Poller;
import dev.selvedge.fleet.Scheduler;
import dev.selvedge.fleet.SweepListener;
import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The poller's events from real sweeps of the {@link Poller} (its reader is this test's: what the
 * node shows is set by hand), through {@link SweepListener#kept}: status changes only after
 * anti-flap, drift turning on and off, failed sweeps; no URL password in any event.
 */
class PollerEventsTest {
  static final String PLANTED = "s3cret-planted-Zq81";
  private static final EngineFacts FACTS =
      new EngineFacts("ID", "27", "1.47", "linux", "x86_64", 2, 1L << 30, "/var/lib/docker", null);

  private final List<ServerEvent> events = new CopyOnWriteArrayList<>();
  private final List<Poller> pollers = new ArrayList<>();
  private volatile Supplier<NodeReading> shows;

  @AfterEach
  void close() {
    pollers.forEach(Poller::close);
  }

  private Poller poller() {
    Fleet.Node node =
        new Fleet.Node(
            "app-1",
            "tcp://deploy:" + PLANTED + "@127.0.0.1:1",
            null,
            null,
            "prod",
            List.of(),
            Map.of("shop", new Fleet.Stack("shop", Path.of("/srv/shop"), "shop", null, null)));
    Fleet fleet =
        new Fleet(
            Path.of("/srv/fleet.yaml"),
            new Fleet.Poll(
                Duration.ofSeconds(60), Duration.ofSeconds(5), 4, 2, Duration.ofMinutes(5)),
            Map.of("app-1", node),
            List.of());
    NodeReader reader = (n, timeout) -> shows.get();
    Clock clock = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);
    Poller p =
        new Poller(
            fleet,
            reader,
            new MemoryFleetState(clock),
            clock,
            Scheduler.system(),
            Runnable::run,
            new Random(1),
            "replica",
            SweepListener.all(SweepListener.NONE, new PollerEvents(events::add)));
    pollers.add(p);
    return p;
  }

  private static NodeReading reachable(Sync sync, Health health, Pill pill, String reason) {
    return new NodeReading(
        "app-1",
        Instant.parse("2026-03-01T10:00:00Z"),
        true,
        List.of(),
        FACTS,
        List.of(new StackReading("shop", "shop", sync, health, pill, List.of(reason), null)));
  }

  private static NodeReading unreachable() {
    String why = "engine unreachable: tcp://deploy:" + PLANTED + "@127.0.0.1:1: connection refused";
    return new NodeReading(
        "app-1",
        Instant.parse("2026-03-01T10:00:00Z"),
        false,
        List.of(why),
        null,
        List.of(
            new StackReading("shop", "shop", Sync.UNKNOWN, null, Pill.RED, List.of(why), null)));
  }

  private List<String> types() {
    return events.stream().map(ServerEvent::type).toList();
  }

  @Test
  void statusChangesAfterAntiFlapDriftOnAndOffAndFailedSweeps() {
    Poller p = poller();
    shows = () -> reachable(Sync.IN_SYNC, Health.HEALTHY, Pill.GREEN, "in sync and healthy");
    p.sweepAll();
    // The first colours ever seen are changes from nothing; in sync is no drift news.
    assertThat(types()).containsExactly("node.status.changed", "stack.status.changed");
    assertThat(events.get(1).data().get("from").isNull()).isTrue();
    assertThat(events.get(1).data().get("to").asText()).isEqualTo("green");
    assertThat(events.get(1).stack()).isEqualTo("shop");
    assertThat(events.get(1).node()).isEqualTo("app-1");
    events.clear();

    // Drifted: drift is told at once, the pill only once it held two sweeps.
    shows =
        () ->
            reachable(
                Sync.DRIFTED, Health.HEALTHY, Pill.YELLOW, "web: environment.DB_PASSWORD stale");
    p.sweepAll();
    assertThat(types()).containsExactly("drift.detected");
    assertThat(events.get(0).data().get("reasons").get(0).asText())
        .isEqualTo("web: environment.DB_PASSWORD stale");
    events.clear();
    p.sweepAll();
    assertThat(types()).containsExactly("node.status.changed", "stack.status.changed");
    ServerEvent stack = events.get(1);
    assertThat(stack.data().get("from").asText()).isEqualTo("green");
    assertThat(stack.data().get("to").asText()).isEqualTo("yellow");
    assertThat(stack.data().get("sync").asText()).isEqualTo("drifted");
    assertThat(stack.data().get("reasons").get(0).asText()).contains("DB_PASSWORD stale");
    events.clear();

    // Unreachable: a failed sweep each time, its reason without the endpoint's password; the
    // stack's sync is unknown then, which says nothing of drift.
    shows = PollerEventsTest::unreachable;
    p.sweepAll();
    p.sweepAll();
    assertThat(types())
        .containsExactly(
            "sweep.failed", "node.status.changed", "stack.status.changed", "sweep.failed");
    for (ServerEvent e : events) {
      assertThat(e.data().toString()).doesNotContain(PLANTED);
    }
    assertThat(events.get(0).data().get("reasons").get(0).asText())
        .contains("connection refused")
        .contains("********");
    assertThat(events.get(3).data().get("failures").asInt()).isEqualTo(2);
    events.clear();

    // Back and in sync: drift resolved (compared with the last sync known, before the outage).
    shows = () -> reachable(Sync.IN_SYNC, Health.HEALTHY, Pill.GREEN, "in sync and healthy");
    p.sweepAll();
    assertThat(types()).containsExactly("drift.resolved");
    p.sweepAll();
    assertThat(types())
        .containsExactly("drift.resolved", "node.status.changed", "stack.status.changed");
  }

  @Test
  void aRestartedServerComparesWithTheStoredStateAndRepeatsNothing() {
    Poller p = poller();
    shows = () -> reachable(Sync.DRIFTED, Health.HEALTHY, Pill.YELLOW, "web: image stale");
    p.sweepAll();
    assertThat(types()).contains("drift.detected");
    events.clear();
    // A new listener (a restarted server) with the state before: still drifted, nothing new.
    var fresh = new PollerEvents(events::add);
    var state = p.view().get(0).state();
    fresh.kept(state, state, List.of(), reachable(Sync.DRIFTED, Health.HEALTHY, Pill.YELLOW, "x"));
    assertThat(events).isEmpty();
  }
}
