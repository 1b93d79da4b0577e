package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.EventStore;
import dev.selvedge.port.EventStore.Filter;
import dev.selvedge.port.EventStore.StoredEvent;
import dev.selvedge.port.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every store must do with the live stream's events ({@link EventStore}); run on H2 ({@link
 * H2EventStoreTest}) and PostgreSQL ({@code PostgresEventStoreIT}). Each test works on a database
 * of its own and on node names of its own.
 */
abstract class EventStoreContract {
  protected abstract StoreConfig config();

  private Store store;
  private EventStore events;
  private String node;

  /**
   * The newest id before the test: other tests' events (the stream's own pass every filter) are
   * older.
   */
  private long base;

  private final Instant t0 = Instant.parse("2026-12-01T10:00:00.000001Z");

  @BeforeEach
  void open() {
    store = Stores.open(config(), new TestClock(t0));
    events = store.events();
    node = "n-" + UUID.randomUUID().toString().substring(0, 8);
    base = events.latestId().orElse(0);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private StoredEvent event(String type, Instant at, String onNode, String stack) {
    return new StoredEvent(
        0, type, at, onNode, stack, null, null, "{\"from\":\"green\",\"to\":\"red\"}");
  }

  @Test
  void appendedEventsReadBackInIdOrderWithTheirFields() {
    long a = events.append(event("stack.status.changed", t0, node, "shop"));
    long b =
        events.append(
            new StoredEvent(
                0,
                "operation.step",
                t0.plusMillis(1),
                node,
                "shop",
                "web",
                "op-1",
                "{\"step\":\"pull\"}"));
    assertThat(b).isGreaterThan(a);
    List<StoredEvent> read =
        events.after(a - 1, new Filter(List.of(node), List.of(), List.of()), 10);
    assertThat(read)
        .containsExactly(
            new StoredEvent(
                a,
                "stack.status.changed",
                t0,
                node,
                "shop",
                null,
                null,
                "{\"from\":\"green\",\"to\":\"red\"}"),
            new StoredEvent(
                b,
                "operation.step",
                t0.plusMillis(1),
                node,
                "shop",
                "web",
                "op-1",
                "{\"step\":\"pull\"}"));
    assertThat(events.after(a, new Filter(List.of(node), List.of(), List.of()), 10))
        .extracting(StoredEvent::id)
        .containsExactly(b);
    assertThat(events.latestId()).hasValue(b);
    assertThat(events.oldestId().getAsLong()).isLessThanOrEqualTo(a);
  }

  @Test
  void aLimitCapsTheReadAndTheRestFollowsAfterTheLastId() {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      ids.add(events.append(event("drift.detected", t0, node, "s" + i)));
    }
    Filter mine = new Filter(List.of(node), List.of(), List.of());
    List<StoredEvent> first = events.after(base, mine, 3);
    assertThat(first).extracting(StoredEvent::id).containsExactlyElementsOf(ids.subList(0, 3));
    List<StoredEvent> rest = events.after(first.get(2).id(), mine, 100);
    assertThat(rest).extracting(StoredEvent::id).containsExactlyElementsOf(ids.subList(3, 7));
  }

  @Test
  void filtersByNodeStackAndExactTypeOrPrefix() {
    String other = node + "-other";
    long op = events.append(event("operation.started", t0, node, "shop"));
    long opOther = events.append(event("operation.finished", t0, other, "shop"));
    long drift = events.append(event("drift.detected", t0, node, "db"));
    long node1 = events.append(event("node.status.changed", t0, node, null));
    // A type that only resembles a prefix: "operationXstep" must not pass "operation.".
    events.append(event("operationXstep", t0, node, "shop"));

    assertThat(events.after(base, new Filter(List.of(node), List.of(), List.of("operation.")), 100))
        .extracting(StoredEvent::id)
        .containsExactly(op);
    assertThat(
            events.after(
                base,
                new Filter(List.of(node, other), List.of("shop"), List.of("operation.")),
                100))
        .extracting(StoredEvent::id)
        .containsExactly(op, opOther);
    assertThat(
            events.after(
                base,
                new Filter(
                    List.of(node), List.of(), List.of("drift.detected", "node.status.changed")),
                100))
        .extracting(StoredEvent::id)
        .containsExactly(drift, node1);
    assertThat(events.after(base, new Filter(List.of(node), List.of("db"), List.of()), 100))
        .extracting(StoredEvent::id)
        .containsExactly(drift);
    // The filter in memory says the same as the store's.
    Filter f = new Filter(List.of(node), List.of(), List.of("operation."));
    assertThat(f.matches("operation.step", node, null)).isTrue();
    assertThat(f.matches("operationXstep", node, null)).isFalse();
    assertThat(f.matches("operation.step", other, null)).isFalse();
  }

  @Test
  void theStreamsOwnEventsPassEveryFilter() {
    String other = node + "-other";
    long before = events.append(event("drift.detected", t0, other, "shop"));
    long gap = events.append(event("stream.gap", t0, null, null));
    long foreign = events.append(event("operation.step", t0, other, "api"));
    Filter narrow = new Filter(List.of(node), List.of("db"), List.of("drift.detected"));
    // Other tests may share the database: only this test's events are looked at.
    assertThat(events.after(before, narrow, 100))
        .extracting(StoredEvent::id)
        .filteredOn(id -> id <= foreign)
        .containsExactly(gap);
    assertThat(narrow.matches("stream.gap", null, null)).isTrue();
    assertThat(narrow.matches("streamXgap", null, null)).isFalse();
    // A node's event has no stack: a stack filter drops it (and does not fail on it).
    assertThat(new Filter(List.of(), List.of("db"), List.of()).matches("node.x", node, null))
        .isFalse();
  }

  @Test
  void retentionDeletesOlderEventsButAlwaysKeepsTheNewest() {
    long old1 = events.append(event("drift.detected", t0, node, "a"));
    long old2 = events.append(event("drift.resolved", t0.plusSeconds(1), node, "a"));
    long recent = events.append(event("drift.detected", t0.plus(Duration.ofDays(8)), node, "a"));
    assertThat(events.deleteBefore(t0.plus(Duration.ofDays(1)))).isGreaterThanOrEqualTo(2);
    Filter mine = new Filter(List.of(node), List.of(), List.of());
    assertThat(events.after(base, mine, 10)).extracting(StoredEvent::id).containsExactly(recent);
    assertThat(events.oldestId()).hasValue(recent);
    assertThat(old2).isGreaterThan(old1);

    // Everything is old now: the newest stays, it tells how far the stream went.
    assertThat(events.deleteBefore(t0.plus(Duration.ofDays(30)))).isZero();
    assertThat(events.latestId()).hasValue(recent);
    assertThat(events.oldestId()).hasValue(recent);
    long next = events.append(event("drift.resolved", t0.plus(Duration.ofDays(30)), node, "a"));
    assertThat(next).isGreaterThan(recent);
  }

  @Test
  void anEmptyStoreHasNoIdsAndDeletesNothing() {
    // A database of its own per test class run; this test only reads when nothing is kept yet.
    if (events.latestId().isEmpty()) {
      assertThat(events.oldestId()).isEmpty();
      assertThat(events.deleteBefore(t0.plus(Duration.ofDays(1)))).isZero();
    }
    assertThat(events.after(Long.MAX_VALUE - 1, Filter.ALL, 10)).isEmpty();
  }

  @Test
  void idsGrowInCommitOrderFromOneWriterAmongConcurrentReaders() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> appends = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        int n = i;
        appends.add(pool.submit(() -> events.append(event("drift.detected", t0, node, "s" + n))));
      }
      List<Long> ids = new ArrayList<>();
      for (Future<Long> f : appends) {
        ids.add(f.get());
      }
      assertThat(ids).doesNotHaveDuplicates();
      assertThat(events.after(base, new Filter(List.of(node), List.of(), List.of()), 100))
          .extracting(StoredEvent::id)
          .containsExactlyInAnyOrderElementsOf(ids)
          .isSorted();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aBatchIsAppendedInOrderWithGrowingIds() {
    long before = events.append(event("drift.detected", t0, node, "a"));
    List<StoredEvent> batch = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      batch.add(event("operation.step", t0.plusMillis(i), node, "s" + i));
    }
    List<Long> ids = events.appendAll(batch);
    assertThat(ids).hasSize(50).isSorted().doesNotHaveDuplicates();
    assertThat(ids.get(0)).isGreaterThan(before);
    List<StoredEvent> read =
        events.after(before, new Filter(List.of(node), List.of(), List.of()), 100);
    assertThat(read).extracting(StoredEvent::id).containsExactlyElementsOf(ids);
    assertThat(read).extracting(StoredEvent::stack).startsWith("s0", "s1", "s2");
    assertThat(events.appendAll(List.of())).isEmpty();
  }
}
