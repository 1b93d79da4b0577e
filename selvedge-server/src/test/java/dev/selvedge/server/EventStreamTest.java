package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.EventStore.Filter;
import dev.selvedge.port.EventStore.StoredEvent;
import dev.selvedge.port.Store;
import dev.selvedge.server.EventClient.Raw;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.ServerEvent;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live event stream end to end: a real server on an H2 store, WebSocket clients of the JDK with
 * the key on the upgrade. Waits are on conditions (a message, a close, a counter), bounded by
 * {@link EventClient#PATIENCE} only to fail.
 */
class EventStreamTest {
  @TempDir Path dir;

  private MovableClock clock;
  private Store store;
  private ServerMetrics metrics;
  private EventHub hub;
  private ControlPlane plane;
  private String read;
  private final List<EventClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    clock = new MovableClock();
    store =
        Stores.open(
            new StoreConfig(
                "jdbc:h2:file:" + dir.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null),
            clock);
    read = new ApiKeys(store.apiKeys(), clock).create("reader", Scope.READ).token();
    metrics = new ServerMetrics();
    startWith(EventHub.Limits.DEFAULT);
  }

  private void startWith(EventHub.Limits limits) {
    if (plane != null) {
      plane.close();
      hub.close();
    }
    hub = new EventHub(store.events(), clock, limits, EventHub.DEFAULT_RETENTION);
    Fleet fleet = new Fleet(Path.of("/srv/fleet.yaml"), Fleet.Poll.DEFAULT, Map.of(), List.of());
    plane =
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
  }

  @AfterEach
  void stop() {
    clients.forEach(EventClient::close);
    if (plane != null) {
      plane.close();
    }
    if (hub != null) {
      hub.close();
    }
    metrics.close();
    store.close();
  }

  private EventClient client(String query) {
    EventClient c = EventClient.connect(plane.port(), query, read);
    clients.add(c);
    return c;
  }

  private static ServerEvent event(String type, String node, String stack, int n) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("n", n);
    return ServerEvent.of(
        type, java.time.Instant.parse("2026-03-01T10:00:00Z"), node, stack, null, null, data);
  }

  private static List<Long> ids(List<JsonNode> messages) {
    return messages.stream().map(m -> m.get("id").asLong()).toList();
  }

  /** The ids the store holds after {@code after}, passing {@code filter}. */
  private List<Long> storedAfter(long after, Filter filter) {
    return store.events().after(after, filter, 100_000).stream().map(StoredEvent::id).toList();
  }

  @Test
  void aClientReceivesEveryEventInIdOrderWithItsFields() {
    EventClient c = client("?after=0");
    for (int i = 0; i < 50; i++) {
      hub.publish(event("drift.detected", "app-1", "shop", i));
    }
    List<JsonNode> got = c.next(50);
    assertThat(ids(got)).isSorted().doesNotHaveDuplicates().isEqualTo(storedAfter(0, Filter.ALL));
    JsonNode first = got.get(0);
    assertThat(first.get("type").asText()).isEqualTo("drift.detected");
    assertThat(first.get("at").asText()).isEqualTo("2026-03-01T10:00:00Z");
    assertThat(first.get("node").asText()).isEqualTo("app-1");
    assertThat(first.get("stack").asText()).isEqualTo("shop");
    assertThat(first.get("service").isNull()).isTrue();
    assertThat(first.get("operation").isNull()).isTrue();
    assertThat(first.get("data").get("n").asInt()).isZero();
    for (JsonNode m : got) {
      assertThat(OpenApiCheck.problems("/api/v1/events", 101, "application/json", m.toString()))
          .isEmpty();
    }
  }

  @Test
  void aClientWithoutAfterGetsLiveEventsFromNow() {
    hub.publish(event("drift.detected", "app-1", "shop", 0));
    awaitStored(1);
    EventClient c = client("");
    hub.publish(event("drift.resolved", "app-1", "shop", 1));
    JsonNode m = c.next();
    assertThat(m.get("type").asText()).isEqualTo("drift.resolved");
  }

  @Test
  void resumingAfterADisconnectLosesAndRepeatsNothingWhilePublishingGoesOn() throws Exception {
    EventClient first = client("?after=0");
    for (int i = 0; i < 20; i++) {
      hub.publish(event("operation.step", "app-1", "shop", i));
    }
    List<JsonNode> seen = new ArrayList<>(first.next(20));
    first.close();

    // Events go on while the client is away and while it reconnects (the replay/live race).
    AtomicBoolean publishing = new AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicInteger count =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread publisher =
        Thread.ofPlatform()
            .start(
                () -> {
                  int i = 100;
                  while (publishing.get()) {
                    hub.publish(event("operation.step", "app-1", "shop", i++));
                    count.incrementAndGet();
                    Thread.onSpinWait();
                    if (i % 50 == 0) {
                      awaitStoredAtLeast(i - 100 - 40);
                    }
                  }
                });
    awaitStoredAtLeast(20 + 200);
    long last = seen.get(seen.size() - 1).get("id").asLong();
    EventClient again = client("?after=" + last);
    awaitStoredAtLeast(20 + 600);
    publishing.set(false);
    publisher.join();
    awaitStored(20 + count.get());
    long total = store.events().latestId().orElseThrow();
    // Then everything up to the newest, once each, in order.
    List<JsonNode> rest = new ArrayList<>();
    while (rest.isEmpty() || rest.get(rest.size() - 1).get("id").asLong() < total) {
      rest.add(again.next());
    }
    seen.addAll(rest);
    assertThat(ids(seen)).isEqualTo(storedAfter(0, Filter.ALL));
  }

  @Test
  void theFirstMessageMayResumeInsteadOfTheQuery() {
    for (int i = 0; i < 5; i++) {
      hub.publish(event("drift.detected", "app-1", "shop", i));
    }
    awaitStored(5);
    List<Long> all = storedAfter(0, Filter.ALL);
    EventClient c = client("");
    c.send("{\"after\": " + all.get(1) + "}");
    assertThat(ids(c.next(3))).isEqualTo(all.subList(2, 5));
    // A second one is refused: the stream is under way.
    c.send("{\"after\": 0}");
    assertThat(c.closeCode()).isEqualTo(4000);
  }

  @Test
  void aClientTooFarBehindIsToldAndClosed() {
    for (int i = 0; i < 5; i++) {
      hub.publish(event("drift.detected", "app-1", "shop", i));
    }
    awaitStored(5);
    List<Long> all = storedAfter(0, Filter.ALL);
    clock.now = clock.now.plus(Duration.ofDays(8));
    hub.publish(
        ServerEvent.of(
            "drift.resolved",
            clock.now,
            "app-1",
            "shop",
            null,
            null,
            JsonNodeFactory.instance.objectNode()));
    awaitStored(6);
    assertThat(hub.retainNow()).isEqualTo(5);

    EventClient c = client("?after=" + all.get(2));
    JsonNode reset = c.next();
    assertThat(reset.get("type").asText()).isEqualTo("stream.reset");
    assertThat(reset.get("id").isNull()).isTrue();
    assertThat(reset.get("data").get("after").asLong()).isEqualTo(all.get(2));
    assertThat(reset.get("data").get("oldest").asLong()).isGreaterThan(all.get(4));
    assertThat(OpenApiCheck.problems("/api/v1/events", 101, "application/json", reset.toString()))
        .isEmpty();
    assertThat(c.closeCode()).isEqualTo(EventHub.TOO_FAR_BEHIND);

    // The newest kept is a fine place to resume; an id never given is not.
    EventClient fine = client("?after=" + all.get(4));
    assertThat(fine.next().get("type").asText()).isEqualTo("drift.resolved");
    EventClient future = client("?after=999999");
    assertThat(future.next().get("type").asText()).isEqualTo("stream.reset");
    assertThat(future.closeCode()).isEqualTo(EventHub.TOO_FAR_BEHIND);
  }

  @Test
  void filtersByNodeStackAndTypeOrPrefixLiveAndOnResume() {
    String query = "?node=app-1&node=app-2&stack=shop&type=operation.,drift.detected";
    EventClient live = client(query + "&after=0");
    hub.publish(event("operation.started", "app-1", "shop", 1)); // yes
    hub.publish(event("operation.started", "app-3", "shop", 2)); // other node
    hub.publish(event("operation.step", "app-2", "shop", 3)); // yes
    hub.publish(event("operation.step", "app-2", "db", 4)); // other stack
    hub.publish(event("drift.resolved", "app-1", "shop", 5)); // other type
    hub.publish(event("drift.detected", "app-1", "shop", 6)); // yes
    hub.publish(event("operationXstep", "app-1", "shop", 7)); // not the prefix
    hub.publish(event("drift.detected", "app-1", "shop", 8)); // yes
    List<JsonNode> got = live.next(4);
    assertThat(got).extracting(m -> m.get("data").get("n").asInt()).containsExactly(1, 3, 6, 8);
    assertThat(live.drain()).isEmpty();
    // Resuming reads the store with the same filter.
    EventClient resumed = client(query + "&after=0");
    assertThat(resumed.next(4))
        .extracting(m -> m.get("data").get("n").asInt())
        .containsExactly(1, 3, 6, 8);
  }

  @Test
  void aStreamClosesWith4001OnceItsKeyIsRevoked() {
    // Keys looked up again every 20 ms instead of 30 s; the test waits on the close, not a time.
    Duration recheck = Duration.ofMillis(20);
    EventHub.Limits d = EventHub.Limits.DEFAULT;
    startWith(
        new EventHub.Limits(
            d.intake(),
            d.perClient(),
            d.sendTimeout(),
            d.replayPage(),
            d.hello(),
            d.linger(),
            recheck));
    ApiKeys keys = new ApiKeys(store.apiKeys(), clock);
    String other = keys.create("watcher", Scope.READ).token();
    long from = store.events().latestId().orElse(0);
    EventClient revoked = client("?after=" + from);
    EventClient kept = EventClient.connect(plane.port(), "?after=" + from, other);
    clients.add(kept);
    hub.publish(event("drift.detected", "app-1", "shop", 1));
    assertThat(revoked.next().get("data").get("n").asInt()).isEqualTo(1);
    assertThat(kept.next().get("data").get("n").asInt()).isEqualTo(1);

    keys.revoke("reader");
    assertThat(revoked.closeCode()).isEqualTo(EventStream.KEY_REVOKED).isEqualTo(4001);
    assertThat(revoked.closeReason).isEqualTo("the API key was revoked");
    // The other key's stream goes on.
    hub.publish(event("drift.detected", "app-1", "shop", 2));
    assertThat(kept.next().get("data").get("n").asInt()).isEqualTo(2);
    assertThat(kept.isClosed()).isFalse();
    assertThat(revoked.drain()).isEmpty();
  }

  @Test
  void aSlowClientIsDroppedWhileAFastOneReceivesEverything() {
    // Small bounds, so the slow client is found out within a few megabytes.
    startWith(
        new EventHub.Limits(
            10_000, 16, Duration.ofSeconds(5), 100, Duration.ofMillis(200), Duration.ZERO));
    EventClient fast = client("?after=" + store.events().latestId().orElse(0));
    EventClient slow = EventClient.connect(plane.port(), "", read, true);
    clients.add(slow);
    String padding = "x".repeat(32 * 1024);
    List<Long> received = new ArrayList<>();
    int published = 0;
    long startId = store.events().latestId().orElse(0);
    while (hub.droppedClients() == 0) {
      assertThat(published).as("the slow client was never dropped").isLessThan(20_000);
      for (int i = 0; i < 10; i++) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("n", published++);
        data.put("pad", padding);
        hub.publish(
            ServerEvent.of("operation.step", clock.instant(), "app-1", "shop", "web", "op", data));
      }
      // The fast client keeps up: it has everything stored so far before more is published.
      awaitStored(published);
      long newest = store.events().latestId().orElseThrow();
      while (received.isEmpty() || received.get(received.size() - 1) < newest) {
        received.add(fast.next().get("id").asLong());
      }
    }
    slow.resume();
    // Reading again, it finds the close frame after what was under way.
    assertThat(slow.closeCode()).isEqualTo(EventHub.TOO_SLOW);
    assertThat(slow.closeReason).startsWith("too slow");
    assertThat(hub.subscribers()).isEqualTo(1);
    hub.publish(event("drift.detected", "app-1", "shop", -1));
    awaitStored(published + 1);
    received.add(fast.next().get("id").asLong());
    assertThat(received).isEqualTo(storedAfter(startId, Filter.ALL));
    assertThat(fast.isClosed()).isFalse();
  }

  // ---------------------------------------------------------------------- the upgrade's refusals

  private Raw upgrade(String query, String authorization) throws IOException {
    return EventClient.upgrade(plane.port(), query, authorization);
  }

  @Test
  void theUpgradeNeedsAKeyInTheHeaderNeverInTheUrl() throws IOException {
    assertThat(upgrade("", null).status()).isEqualTo(401);
    Raw inUrl = upgrade("?token=" + read, null);
    assertThat(inUrl.status()).isEqualTo(401);
    assertThat(inUrl.body()).contains("unauthorized").doesNotContain(read);
    assertThat(upgrade("?access_token=" + read, null).status()).isEqualTo(401);
    assertThat(upgrade("", "Bearer slv_" + "A".repeat(43)).status()).isEqualTo(401);
    assertThat(upgrade("", "Bearer " + read).status()).isEqualTo(101);
    OpenApiCheck.SEEN.add("GET /api/v1/events 101");
  }

  @Test
  void aBadQueryIsRefusedBeforeTheUpgradeAndAPlainGetIsTold426() throws Exception {
    Raw bad = upgrade("?after=-3", "Bearer " + read);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("after");
    assertThat(upgrade("?type=NOT%20A%20TYPE", "Bearer " + read).body()).contains("type");
    var http = java.net.http.HttpClient.newHttpClient();
    var plain =
        http.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + plane.port() + "/api/v1/events"))
                .header("Authorization", "Bearer " + read)
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(plain.statusCode()).isEqualTo(426);
    assertThat(
            OpenApiCheck.problems(
                "/api/v1/events",
                426,
                plain.headers().firstValue("Content-Type").orElse(null),
                plain.body()))
        .isEmpty();
  }

  // ------------------------------------------------------------------------------- helpers

  private void awaitStored(long n) {
    awaitStoredAtLeast(n);
  }

  /** Waits until the hub stored at least {@code n} events since it started. */
  private void awaitStoredAtLeast(long n) {
    long deadline = System.nanoTime() + EventClient.PATIENCE.toNanos();
    while (hub.storedEvents() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the hub stored " + hub.storedEvents() + " of " + n + " events");
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}
