package dev.selvedge.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.port.EventStore;
import dev.selvedge.port.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hub without a network: an event store of this test's (which can be made to fail) and a sink
 * that records what it is sent.
 */
class EventHubTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  /** Keeps events in a list; {@code down} makes every call fail as a store that is away. */
  static final class ListStore implements EventStore {
    final List<StoredEvent> kept = new CopyOnWriteArrayList<>();
    volatile boolean down;
    private long next = 1;

    private void check() {
      if (down) {
        throw new StoreException("store test: cannot keep an event: connection refused", null);
      }
    }

    @Override
    public synchronized long append(StoredEvent e) {
      check();
      long id = next++;
      kept.add(
          new StoredEvent(
              id, e.type(), e.at(), e.node(), e.stack(), e.service(), e.operation(), e.data()));
      return id;
    }

    @Override
    public List<StoredEvent> after(long afterId, Filter filter, int limit) {
      check();
      return kept.stream().filter(e -> e.id() > afterId && filter.matches(e)).limit(limit).toList();
    }

    @Override
    public OptionalLong oldestId() {
      check();
      return kept.stream().mapToLong(StoredEvent::id).min();
    }

    @Override
    public OptionalLong latestId() {
      check();
      return kept.stream().mapToLong(StoredEvent::id).max();
    }

    @Override
    public synchronized int deleteBefore(Instant cutoff) {
      check();
      long newest = latestId().orElse(0);
      List<StoredEvent> gone =
          kept.stream().filter(e -> e.at().isBefore(cutoff) && e.id() < newest).toList();
      kept.removeAll(gone);
      return gone.size();
    }
  }

  /** Records messages; every send completes at once. */
  static final class ListSink implements EventHub.Sink {
    final List<String> messages = new CopyOnWriteArrayList<>();
    volatile int closedWith;

    @Override
    public void send(String text, Runnable done, Consumer<Throwable> failed) {
      messages.add(text);
      done.run();
    }

    @Override
    public void close(int code, String reason) {
      closedWith = code;
    }
  }

  private final List<EventHub> hubs = new ArrayList<>();

  @AfterEach
  void close() {
    hubs.forEach(EventHub::close);
  }

  private EventHub hub(ListStore store, int intake, Clock clock) {
    EventHub h =
        new EventHub(
            store,
            clock,
            new EventHub.Limits(
                intake,
                100,
                Duration.ofSeconds(5),
                10,
                Duration.ofMillis(50),
                Duration.ofMillis(1)),
            Duration.ofDays(7));
    hubs.add(h);
    return h;
  }

  private static ServerEvent event(int n) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("n", n);
    return ServerEvent.of(
        "operation.step", Instant.parse("2026-03-01T10:00:00Z"), "app-1", "shop", null, null, data);
  }

  private static void await(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited in vain for " + what);
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  @Test
  void whileTheStoreIsAwayEventsWaitBoundedAndAGapIsToldAfterwards() {
    ListStore store = new ListStore();
    EventHub hub = hub(store, 3, Clock.systemUTC());
    ListSink sink = new ListSink();
    hub.subscribe(sink, EventStore.Filter.ALL, 0L);
    hub.publish(event(0));
    await(() -> sink.messages.size() == 1, "the first event");

    store.down = true;
    // The writer takes one and retries it; three more fill the intake; the rest are lost.
    hub.publish(event(1));
    await(() -> hub.waiting() == 0, "the writer to hold event 1");
    for (int i = 2; i < 8; i++) {
      hub.publish(event(i));
    }
    assertThat(hub.lostEvents()).isGreaterThanOrEqualTo(3);
    long lost = hub.lostEvents();
    assertThat(sink.messages).hasSize(1);

    store.down = false;
    await(() -> store.kept.stream().anyMatch(e -> e.type().equals("stream.gap")), "the gap event");
    await(() -> sink.messages.size() == store.kept.size(), "every kept event sent");
    await(() -> hub.storedEvents() == 1 + 1 + 3 + 1, "event 1, the intake's three and the gap");
    assertThat(store.kept)
        .filteredOn(e -> e.type().equals("stream.gap"))
        .singleElement()
        .satisfies(e -> assertThat(e.data()).contains("\"lost\":" + lost));
    // Ids only grow, and what was sent is what was kept, in order.
    for (int i = 0; i < store.kept.size(); i++) {
      assertThat(sink.messages.get(i)).startsWith("{\"id\":" + store.kept.get(i).id() + ",");
    }
  }

  @Test
  void aFilteredClientIsToldOfAGapToo() {
    ListStore store = new ListStore();
    EventHub hub = hub(store, 1, Clock.systemUTC());
    ListSink narrow = new ListSink();
    // Neither its node nor its stack nor its type is the lost events': the gap passes anyway.
    hub.subscribe(
        narrow,
        new EventStore.Filter(List.of("app-9"), List.of("db"), List.of("drift.detected")),
        0L);
    // One event it wants first: it has caught up and is live before the store goes away.
    hub.publish(
        ServerEvent.of(
            "drift.detected",
            Instant.parse("2026-03-01T10:00:00Z"),
            "app-9",
            "db",
            null,
            null,
            JsonNodeFactory.instance.objectNode()));
    await(() -> narrow.messages.size() == 1, "the wanted event");
    store.down = true;
    hub.publish(event(1));
    await(() -> hub.waiting() == 0, "the writer to hold event 1");
    for (int i = 2; i < 6; i++) {
      hub.publish(event(i));
    }
    assertThat(hub.lostEvents()).isPositive();
    store.down = false;
    await(() -> narrow.messages.size() == 2, "the gap");
    assertThat(narrow.messages.get(1)).contains("\"type\":\"stream.gap\"");
    assertThat(narrow.closedWith).isZero();
    assertThat(store.kept).filteredOn(e -> e.type().equals("operation.step")).isNotEmpty();
  }

  @Test
  void retentionDeletesOlderThanTheRetentionOnTheHubsClock() {
    ListStore store = new ListStore();
    Instant now = Instant.parse("2026-03-20T10:00:00Z");
    EventHub hub = hub(store, 100, Clock.fixed(now, ZoneOffset.UTC));
    hub.publish(event(1)); // at 2026-03-01: older than 7 days
    hub.publish(
        ServerEvent.of(
            "drift.detected",
            now.minus(Duration.ofDays(1)),
            "app-1",
            "shop",
            null,
            null,
            JsonNodeFactory.instance.objectNode()));
    // Both are stored in order; the writer's own retention pass may already have removed the old
    // one by the time the recent one is seen (waiting for both to be kept raced it).
    await(
        () -> store.kept.stream().anyMatch(e -> e.type().equals("drift.detected")),
        "the recent one kept");
    // Either way the old one is gone after a pass, the recent one stays.
    assertThat(hub.retainNow()).isBetween(0, 1);
    assertThat(store.kept)
        .extracting(EventStore.StoredEvent::type)
        .containsExactly("drift.detected");
  }

  @Test
  void aClientThatDoesNotSendAfterWithinTheHelloWindowGetsLiveEventsAndCannotResumeLater() {
    ListStore store = new ListStore();
    EventHub hub = hub(store, 100, Clock.systemUTC());
    ListSink sink = new ListSink();
    EventHub.Subscription sub = hub.subscribe(sink, EventStore.Filter.ALL, null);
    hub.publish(event(1));
    await(() -> sink.messages.size() == 1, "the live event");
    assertThat(sub.resumeAfter(0)).isFalse();
    sub.cancel();
    assertThat(hub.subscribers()).isZero();
  }

  @Test
  void aClientWithoutAfterStartsWhereItsConnectionWasAcceptedNotWhereItWasSetUp() {
    ListStore store = new ListStore();
    EventHub hub = hub(store, 100, Clock.systemUTC());
    hub.publish(event(1));
    await(() -> hub.handedOut() != null && hub.handedOut() == 1, "the first event handed out");
    Long accepted = hub.handedOut(); // the upgrade is accepted here...
    hub.publish(event(2)); // ... an event is handed out before the connection is set up ...
    await(() -> hub.handedOut() == 2, "the second event handed out");
    ListSink sink = new ListSink();
    hub.subscribe(sink, EventStore.Filter.ALL, null, accepted); // ... then it subscribes
    hub.publish(event(3));
    await(() -> sink.messages.size() == 2, "events 2 and 3");
    assertThat(sink.messages).allSatisfy(m -> assertThat(m).doesNotContain("\"id\":1,"));
    assertThat(sink.messages.get(0)).contains("\"id\":2,");
    assertThat(sink.messages.get(1)).contains("\"id\":3,");
    hub.close();
  }

  @Test
  void closingTheHubClosesItsClientsWithGoingAway() {
    ListStore store = new ListStore();
    EventHub hub = hub(store, 100, Clock.systemUTC());
    ListSink sink = new ListSink();
    hub.subscribe(sink, EventStore.Filter.ALL, null);
    hub.close();
    await(() -> sink.closedWith == EventHub.GOING_AWAY, "the close");
  }
}
