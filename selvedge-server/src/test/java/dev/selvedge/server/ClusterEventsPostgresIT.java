package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.EventStore;
import dev.selvedge.port.Store;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.ServerEvent;
import dev.selvedge.store.Stores;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two control planes (replicas) on one real PostgreSQL, each with its own store pool and event hub,
 * as two {@code serve} processes would be: every WebSocket client on either sees every event,
 * whichever replica published it, with the same ids in the same order, without gap or duplicate,
 * and resumes by id on the other replica.
 */
class ClusterEventsPostgresIT {
  private static ScratchPostgres database;

  @BeforeAll
  static void createDatabase() throws SQLException {
    database = ScratchPostgres.create("selvedge_cev_");
  }

  @AfterAll
  static void dropDatabase() throws SQLException {
    if (database != null) {
      database.drop();
    }
  }

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private record Replica(Store store, EventHub hub, ControlPlane plane) {}

  private Replica replica() {
    Clock clock = Clock.systemUTC();
    Store store = Stores.open(database.config, clock, 8);
    open.add(store);
    EventHub hub = new EventHub(store.events(), clock, EventHub.DEFAULT_RETENTION);
    open.add(hub);
    ServerMetrics metrics = new ServerMetrics();
    open.add(metrics);
    Fleet fleet = new Fleet(Path.of("/srv/fleet.yaml"), Fleet.Poll.DEFAULT, Map.of(), List.of());
    ControlPlane plane =
        ControlPlane.start(
            new ControlPlane.Settings(
                "127.0.0.1",
                0,
                store,
                new StoredFleet(() -> fleet, store.fleetState(), clock),
                metrics,
                clock,
                Stores.schemaVersion(),
                hub));
    open.add(plane);
    return new Replica(store, hub, plane);
  }

  private static ServerEvent event(String replica, int n) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("replica", replica);
    data.put("n", n);
    return ServerEvent.of(
        "operation.step", java.time.Instant.now(), "app-1", "shop", null, null, data);
  }

  private static List<Long> ids(List<JsonNode> messages) {
    return messages.stream().map(m -> m.get("id").asLong()).toList();
  }

  @Test
  void everyClientOnEitherReplicaSeesEveryEventInOneOrderAndResumesOnTheOther() throws Exception {
    Replica a = replica();
    Replica b = replica();
    String token =
        new ApiKeys(a.store().apiKeys(), Clock.systemUTC()).create("r", Scope.READ).token();
    long start = a.store().events().latestId().orElse(0L);
    EventClient onA = EventClient.connect(a.plane().port(), "?after=" + start, token);
    EventClient onB = EventClient.connect(b.plane().port(), "?after=" + start, token);
    open.add(onA);
    open.add(onB);

    // Both replicas publish at once, from two threads each: their appends interleave.
    int perThread = 150;
    CyclicBarrier go = new CyclicBarrier(4);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Replica r = t % 2 == 0 ? a : b;
      String name = (t % 2 == 0 ? "a" : "b") + t;
      done.add(
          threads.submit(
              () -> {
                go.await();
                for (int i = 0; i < perThread; i++) {
                  r.hub().publish(event(name, i));
                  if (i % 10 == 0) {
                    Thread.yield();
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    threads.shutdown();
    int total = 4 * perThread;
    List<JsonNode> seenA = onA.next(total);
    List<JsonNode> seenB = onB.next(total);
    List<Long> idsA = ids(seenA);
    assertThat(idsA).as("one order on both replicas").isEqualTo(ids(seenB));
    assertThat(idsA).doesNotHaveDuplicates().isSorted();
    List<Long> stored =
        a.store().events().after(start, EventStore.Filter.ALL, total + 10).stream()
            .map(EventStore.StoredEvent::id)
            .toList();
    assertThat(idsA).as("every event kept, none skipped").isEqualTo(stored);
    // each publisher's own events in the order it published them
    for (int t = 0; t < 4; t++) {
      String name = (t % 2 == 0 ? "a" : "b") + t;
      List<Integer> ns =
          seenA.stream()
              .filter(m -> m.get("data").get("replica").asText().equals(name))
              .map(m -> m.get("data").get("n").asInt())
              .toList();
      assertThat(ns).hasSize(perThread).isSorted();
    }
    assertThat(onA.drain()).isEmpty();
    assertThat(a.hub().lostEvents() + b.hub().lostEvents()).isZero();

    // A client of A that saw up to the middle resumes on B: the rest, in the same order, then live.
    long middle = idsA.get(total / 2 - 1);
    try (EventClient resumed = EventClient.connect(b.plane().port(), "?after=" + middle, token)) {
      assertThat(ids(resumed.next(total - total / 2))).isEqualTo(idsA.subList(total / 2, total));
      a.hub().publish(event("a-late", 0));
      JsonNode late = resumed.next();
      assertThat(late.get("data").get("replica").asText()).isEqualTo("a-late");
      assertThat(late.get("id").asLong()).isGreaterThan(idsA.getLast());
      assertThat(onB.next().get("id").asLong()).isEqualTo(late.get("id").asLong());
      assertThat(onA.next().get("id").asLong()).isEqualTo(late.get("id").asLong());
    }
  }
}
