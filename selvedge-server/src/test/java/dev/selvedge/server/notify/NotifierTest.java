package dev.selvedge.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.Notification;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.NotificationStore.Delivery;
import dev.selvedge.port.Store;
import dev.selvedge.server.MovableClock;
import dev.selvedge.server.events.EventPublisher;
import dev.selvedge.server.events.ServerEvent;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notifier against real HTTP receivers on 127.0.0.1 and an H2 store, events published directly,
 * time moved by hand: one message per change, reminders, retries recorded, filters, payload shapes,
 * a hanging webhook that does not hold up publishing.
 */
class NotifierTest {
  @TempDir Path tmp;

  private Store store;
  private final MovableClock clock = new MovableClock(Instant.parse("2026-12-04T10:00:00Z"));
  private final AtomicReference<Fleet> fleet = new AtomicReference<>();
  private final List<ServerEvent> published = new CopyOnWriteArrayList<>();
  private final List<String> said = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> open = new ArrayList<>();
  private Notifier notifier;
  private EventPublisher publisher;

  @BeforeEach
  void setUp() {
    store =
        Stores.open(
            new StoreConfig("jdbc:h2:file:" + tmp.resolve("store/selvedge"), null, null), clock);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (notifier != null) {
      notifier.close();
    }
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    store.close();
  }

  private Receiver receiver() throws Exception {
    Receiver r = new Receiver();
    open.add(r);
    return r;
  }

  private void start(Notifier.Limits limits, Notification... hooks) {
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    nodes.put("app-1", node("app-1", "prod", "tenant-a"));
    nodes.put("app-2", node("app-2", "staging", "tenant-b"));
    fleet.set(
        new Fleet(
            tmp.resolve("fleet.yaml"),
            Fleet.Poll.DEFAULT,
            nodes,
            List.of(),
            Fleet.Retention.DEFAULT,
            Fleet.Audit.DEFAULT,
            List.of(hooks)));
    notifier = new Notifier(fleet::get, store.notifications(), clock, limits, said::add).start();
    publisher = notifier.wrap(published::add);
  }

  private static Notifier.Limits fast() {
    return new Notifier.Limits(
        100,
        4,
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        3,
        Duration.ofMillis(10),
        Duration.ofMillis(40),
        Duration.ofHours(1));
  }

  private static Fleet.Node node(String id, String env, String tag) {
    return new Fleet.Node(
        id, "unix:///var/run/docker.sock", null, null, env, List.of(tag), Map.of());
  }

  static Notification hook(URI url, Notification.Format format, Duration remind, String... events) {
    return new Notification(
        url,
        format,
        events.length == 0 ? Notification.NOTABLE_EVENTS : List.of(events),
        List.of(),
        List.of(),
        remind,
        Map.of());
  }

  static ServerEvent pill(String node, String stack, String from, String to) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("from", from);
    data.put("to", to);
    data.putArray("reasons").add("web: health " + to);
    return ServerEvent.of(
        stack == null ? "node.status.changed" : "stack.status.changed",
        Instant.parse("2026-12-04T10:00:00Z"),
        node,
        stack,
        null,
        null,
        data);
  }

  private static ServerEvent drift(String type, String node, String stack) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("pill", "yellow");
    data.putArray("reasons").add("web: env DB_PASSWORD differs (fingerprint 1a2b)");
    return ServerEvent.of(
        type, Instant.parse("2026-12-04T10:00:00Z"), node, stack, null, null, data);
  }

  private void settle() throws InterruptedException {
    Receiver.until(notifier::idle, "the notifier to be idle");
  }

  private List<Delivery> deliveries() {
    List<Delivery> all = new ArrayList<>(store.notifications().list(1000, null));
    all.sort(Comparator.comparingLong(Delivery::id));
    return all;
  }

  private static JsonNode json(Receiver.Request r) throws Exception {
    return TreeJson.read(r.body().getBytes(StandardCharsets.UTF_8), null);
  }

  @Test
  void oneMessagePerChangeOfAPillAndOfADrift() throws Exception {
    Receiver r = receiver();
    start(fast(), hook(r.url("/hook/s3cr3t-path"), Notification.Format.JSON, null));
    publisher.publish(pill("app-1", "shop", "green", "red"));
    publisher.publish(pill("app-1", "shop", "red", "yellow")); // not told
    publisher.publish(pill("app-1", "shop", "yellow", "red")); // still the red told
    publisher.publish(drift("drift.detected", "app-1", "shop"));
    publisher.publish(drift("drift.detected", "app-1", "shop")); // the same drift
    publisher.publish(drift("drift.resolved", "app-1", "shop")); // not in the webhook's events
    publisher.publish(pill("app-1", "shop", "red", "green"));
    publisher.publish(pill("app-1", "shop", "green", "yellow"));
    publisher.publish(pill("app-1", null, null, "green")); // never red: nothing to tell
    settle();
    assertThat(published).hasSize(9); // the stream got every event
    List<Receiver.Request> got = r.requests();
    assertThat(got).hasSize(3);
    List<String> seen = new ArrayList<>();
    for (Receiver.Request q : got) {
      JsonNode m = json(q);
      seen.add(m.get("type").asText() + " " + m.get("pill").get("after").asText());
      assertThat(q.path()).isEqualTo("/hook/s3cr3t-path");
      assertThat(q.headers().get("Content-type")).containsExactly("application/json");
    }
    assertThat(seen)
        .containsExactlyInAnyOrder(
            "stack.status.changed red", "drift.detected yellow", "stack.status.changed green");
    List<Delivery> ds = deliveries();
    assertThat(ds).hasSize(3).allSatisfy(d -> assertThat(d.status()).isEqualTo("sent"));
    assertThat(ds)
        .allSatisfy(
            d -> {
              assertThat(d.webhook()).isEqualTo("http://127.0.0.1:" + r.url("/").getPort() + "/…");
              assertThat(d.subject()).isEqualTo("app-1/shop");
              assertThat(d.httpStatus()).isEqualTo(200);
              assertThat(d.attempt()).isEqualTo(1);
            });

    // Drift resolved and detected again: a new state, a new message.
    publisher.publish(drift("drift.resolved", "app-1", "shop"));
    publisher.publish(drift("drift.detected", "app-1", "shop"));
    settle();
    assertThat(r.requests()).hasSize(4);
    assertThat(said).isEmpty();
  }

  @Test
  void theGenericMessageCarriesTheEventAndTheNode() throws Exception {
    Receiver r = receiver();
    start(fast(), hook(r.url("/h"), Notification.Format.JSON, null));
    publisher.publish(pill("app-1", "shop", "green", "red"));
    JsonNode m = json(r.await(1).get(0));
    assertThat(m.get("kind").asText()).isEqualTo("change");
    assertThat(m.get("type").asText()).isEqualTo("stack.status.changed");
    assertThat(m.get("node").asText()).isEqualTo("app-1");
    assertThat(m.get("stack").asText()).isEqualTo("shop");
    assertThat(m.get("environment").asText()).isEqualTo("prod");
    assertThat(m.get("tags").toString()).isEqualTo("[\"tenant-a\"]");
    assertThat(m.get("pill").get("before").asText()).isEqualTo("green");
    assertThat(m.get("pill").get("after").asText()).isEqualTo("red");
    assertThat(m.get("reasons").toString()).isEqualTo("[\"web: health red\"]");
    assertThat(m.get("at").asText()).isEqualTo("2026-12-04T10:00:00Z");
    assertThat(m.get("link").asText()).isEqualTo("/ui/nodes/app-1/stacks/shop");
    assertThat(m.get("summary").asText()).isEqualTo("stack app-1/shop is red (was green)");
    assertThat(m.has("event_id")).isTrue();
    settle();
    assertThat(m.get("id").asText()).isEqualTo(deliveries().get(0).notification());
  }

  @Test
  void theSlackMessageHasTextAndBlocks() throws Exception {
    Receiver r = receiver();
    start(fast(), hook(r.url("/services/T0/B0/x"), Notification.Format.SLACK, null));
    publisher.publish(drift("drift.detected", "app-2", "shop"));
    JsonNode m = json(r.await(1).get(0));
    assertThat(m.get("text").asText()).isEqualTo("stack app-2/shop drifted from its contract");
    JsonNode blocks = m.get("blocks");
    assertThat(blocks).hasSize(2);
    assertThat(blocks.get(0).get("type").asText()).isEqualTo("section");
    assertThat(blocks.get(0).get("text").get("type").asText()).isEqualTo("mrkdwn");
    assertThat(blocks.get(0).get("text").get("text").asText())
        .isEqualTo(
            "*stack app-2/shop drifted from its contract*\n"
                + "• web: env DB_PASSWORD differs (fingerprint 1a2b)");
    assertThat(blocks.get(1).get("type").asText()).isEqualTo("context");
    assertThat(blocks.get(1).get("elements").get(0).get("text").asText())
        .contains("`drift.detected`", "environment staging", "tags tenant-b", "/ui/nodes/app-2");
    assertThat(m.size()).isEqualTo(2);
  }

  @Test
  void filtersByEventTypeTagAndEnvironment() throws Exception {
    Receiver all = receiver();
    Receiver tagged = receiver();
    Receiver staging = receiver();
    Receiver drifts = receiver();
    start(
        fast(),
        hook(all.url("/all"), Notification.Format.JSON, null),
        new Notification(
            tagged.url("/t"),
            Notification.Format.JSON,
            Notification.NOTABLE_EVENTS,
            List.of("tenant-a"),
            List.of(),
            null,
            Map.of("Authorization", "Bearer tok-123")),
        new Notification(
            staging.url("/s"),
            Notification.Format.JSON,
            Notification.NOTABLE_EVENTS,
            List.of(),
            List.of("staging"),
            null,
            Map.of()),
        hook(drifts.url("/d"), Notification.Format.JSON, null, "drift.detected", "rollout.halted"));
    publisher.publish(pill("app-1", "shop", "green", "red"));
    publisher.publish(pill("app-2", "shop", "green", "red"));
    publisher.publish(drift("drift.detected", "app-2", "db"));
    ObjectNode halted = JsonNodeFactory.instance.objectNode();
    halted.put("rollout", 7).put("reason", "gate failed on app-2");
    publisher.publish(
        ServerEvent.of("rollout.halted", clock.instant(), "app-2", "shop", null, null, halted));
    publisher.publish(
        ServerEvent.of("rollout.halted", clock.instant(), "app-2", "shop", null, null, halted));
    publisher.publish(
        ServerEvent.of(
            "operation.step", clock.instant(), "app-1", "shop", null, "op-1", halted.deepCopy()));
    settle();
    assertThat(all.requests()).hasSize(4);
    assertThat(tagged.requests()).hasSize(1);
    assertThat(json(tagged.requests().get(0)).get("node").asText()).isEqualTo("app-1");
    assertThat(tagged.requests().get(0).headers().get("Authorization"))
        .containsExactly("Bearer tok-123");
    assertThat(staging.requests()).hasSize(3);
    assertThat(drifts.requests())
        .extracting(q -> json(q).get("type").asText())
        .containsExactlyInAnyOrder("drift.detected", "rollout.halted");
  }

  @Test
  void aReminderWhileRedPersistsAndNoneOnceGreen() throws Exception {
    Receiver r = receiver();
    start(fast(), hook(r.url("/r"), Notification.Format.JSON, Duration.ofHours(4)));
    publisher.publish(pill("app-1", "shop", "green", "red"));
    r.await(1);
    settle();
    clock.now = clock.now.plus(Duration.ofHours(3));
    notifier.remindNow();
    settle();
    assertThat(r.requests()).hasSize(1);
    clock.now = clock.now.plus(Duration.ofHours(1));
    notifier.remindNow();
    JsonNode reminder = json(r.await(2).get(1));
    assertThat(reminder.get("kind").asText()).isEqualTo("reminder");
    assertThat(reminder.get("summary").asText()).startsWith("reminder: stack app-1/shop is red");
    notifier.remindNow(); // just reminded
    settle();
    assertThat(r.requests()).hasSize(2);
    publisher.publish(pill("app-1", "shop", "red", "green"));
    r.await(3);
    clock.now = clock.now.plus(Duration.ofHours(10));
    notifier.remindNow();
    settle();
    assertThat(r.requests()).hasSize(3);
    assertThat(deliveries())
        .extracting(Delivery::kind)
        .containsExactly("change", "reminder", "change");
  }

  @Test
  void aNodeTakenOverByAnotherReplicaIsNoLongerRemindedAndItsGreenIsToldThere() throws Exception {
    Receiver r = receiver();
    Notification hook = hook(r.url("/c"), Notification.Format.JSON, Duration.ofHours(1));
    start(fast(), hook);
    java.util.Set<String> held = java.util.concurrent.ConcurrentHashMap.newKeySet();
    held.add("app-1");
    notifier.sweptHere(() -> held::contains);
    publisher.publish(pill("app-1", "shop", "green", "red"));
    r.await(1);
    settle();
    // another replica takes app-1 over: this one stops reminding of it
    held.remove("app-1");
    clock.now = clock.now.plus(Duration.ofHours(2));
    notifier.remindNow();
    settle();
    assertThat(r.requests()).hasSize(1);

    // the replica that took it over never saw the red, yet tells the way back to green, once
    Notifier other =
        new Notifier(fleet::get, store.notifications(), clock, fast(), said::add).start();
    open.add(other);
    EventPublisher there = other.wrap(published::add);
    there.publish(pill("app-1", "shop", "red", "yellow"));
    there.publish(pill("app-1", "shop", "yellow", "green"));
    there.publish(pill("app-1", "shop", "green", "yellow"));
    JsonNode green = json(r.await(2).get(1));
    assertThat(green.at("/pill/before").asText()).isEqualTo("yellow");
    assertThat(green.at("/pill/after").asText()).isEqualTo("green");
    Receiver.until(other::idle, "the other notifier to be idle");
    assertThat(r.requests()).hasSize(2);
  }

  @Test
  void aFailedTryIsRetriedAndEveryTryIsRecorded() throws Exception {
    Receiver r = receiver().answer(500);
    start(fast(), hook(r.url("/x"), Notification.Format.JSON, null));
    publisher.publish(pill("app-1", "shop", "green", "red"));
    List<Receiver.Request> got = r.await(2);
    assertThat(got.get(0).body()).isEqualTo(got.get(1).body());
    settle();
    List<Delivery> ds = deliveries();
    assertThat(ds).extracting(Delivery::attempt).containsExactly(1, 2);
    assertThat(ds).extracting(Delivery::status).containsExactly("failed", "sent");
    assertThat(ds).extracting(Delivery::httpStatus).containsExactly(500, 200);
    assertThat(ds.get(0).error()).isEqualTo("the webhook answered 500");
    assertThat(ds.get(0).notification()).isEqualTo(ds.get(1).notification());

    // Always failing: bounded tries, then given up and logged with the URL redacted.
    r.answer(503, 503, 503);
    publisher.publish(drift("drift.detected", "app-1", "shop"));
    r.await(5);
    settle();
    assertThat(deliveries().subList(2, 5))
        .extracting(Delivery::status)
        .containsExactly("failed", "failed", "gave_up");
    assertThat(said).hasSize(1);
    assertThat(said.get(0)).contains("/…").doesNotContain("/x").contains("after 3 tries");
  }

  @Test
  void aWebhookThatNeverAnswersHoldsUpNeitherPublishingNorOtherWebhooks() throws Exception {
    Receiver hanging = receiver().hang();
    Receiver fine = receiver();
    Notifier.Limits limits =
        new Notifier.Limits(
            100,
            4,
            Duration.ofSeconds(5),
            Duration.ofMillis(300),
            1,
            Duration.ofMillis(10),
            Duration.ofMillis(10),
            Duration.ofHours(1));
    start(
        limits,
        hook(hanging.url("/h"), Notification.Format.JSON, null),
        hook(fine.url("/f"), Notification.Format.JSON, null));
    publisher.publish(pill("app-1", "shop", "green", "red"));
    hanging.await(1); // the hanging webhook holds its request...
    publisher.publish(pill("app-2", "shop", "green", "red")); // ...publishing goes on
    assertThat(published).hasSize(2);
    fine.await(2); // and the other webhook got both
    settle(); // the hanging ones time out
    List<Delivery> failed =
        deliveries().stream()
            .filter(d -> d.webhook().contains(":" + hanging.url("/").getPort()))
            .toList();
    assertThat(failed)
        .hasSize(2)
        .allSatisfy(
            d -> {
              assertThat(d.status()).isEqualTo("gave_up");
              assertThat(d.error()).isEqualTo("no answer within 300 ms");
            });
  }

  @Test
  void aFullQueueDropsAndIsRecordedWithoutBlocking() throws Exception {
    Receiver hanging = receiver().hang();
    Notifier.Limits limits =
        new Notifier.Limits(
            1,
            1,
            Duration.ofSeconds(5),
            Duration.ofSeconds(30),
            1,
            Duration.ofMillis(10),
            Duration.ofMillis(10),
            Duration.ofHours(1));
    start(limits, hook(hanging.url("/h"), Notification.Format.JSON, null));
    publisher.publish(pill("app-1", "a", "green", "red"));
    hanging.await(1); // one message in flight: the message queue (1) is full
    for (int i = 0; i < 50; i++) {
      publisher.publish(pill("app-1", "s" + i, "green", "red"));
    }
    assertThat(published).hasSize(51);
    Receiver.until(
        () -> deliveries().stream().anyMatch(d -> d.status().equals("dropped")), "a dropped row");
    hanging.release();
  }

  @Test
  void backoffDoublesUpToItsCap() {
    Notifier.Limits l = Notifier.Limits.DEFAULT;
    assertThat(
            List.of(
                l.backoff(1),
                l.backoff(2),
                l.backoff(3),
                l.backoff(6),
                l.backoff(7),
                l.backoff(40)))
        .containsExactly(
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(8),
            Duration.ofSeconds(64),
            Duration.ofMinutes(2),
            Duration.ofMinutes(2));
  }

  @Test
  void aReloadedFleetFileTakesTheNewWebhooks() throws Exception {
    Receiver first = receiver();
    Receiver second = receiver();
    start(fast(), hook(first.url("/1"), Notification.Format.JSON, null));
    publisher.publish(pill("app-1", "shop", "green", "red"));
    first.await(1);
    Fleet f = fleet.get();
    fleet.set(
        new Fleet(
            f.file(),
            f.poll(),
            f.nodes(),
            f.corsOrigins(),
            f.retention(),
            f.audit(),
            List.of(hook(second.url("/2"), Notification.Format.JSON, null))));
    publisher.publish(pill("app-2", "shop", "green", "red"));
    second.await(1);
    settle();
    assertThat(first.requests()).hasSize(1);
  }

  @Test
  void theSameAuditFindingFromTheNextRunIsNotToldAgainUntilTheReminderPeriod() throws Exception {
    Receiver r = receiver();
    start(
        fast(), hook(r.url("/a"), Notification.Format.JSON, Duration.ofHours(24), "audit.finding"));
    for (int run = 1; run <= 3; run++) {
      ObjectNode data = JsonNodeFactory.instance.objectNode();
      data.put("audit", run).put("class", "shared-unique-value").put("key", "DB_PASSWORD");
      data.put("fingerprint", "fp-1").put("message", "DB_PASSWORD is the same on app-1 and app-2");
      publisher.publish(
          ServerEvent.of("audit.finding", clock.instant(), "app-1", "shop", "db", null, data));
      settle();
      clock.now = clock.now.plus(Duration.ofHours(10));
    }
    // Run 1 told; runs 2 (+10 h) and 3 (+20 h) find the same: within the 24 h period.
    assertThat(r.requests()).hasSize(1);
    JsonNode m = json(r.requests().get(0));
    assertThat(m.get("summary").asText())
        .isEqualTo("audit finding on app-1/shop/db: shared-unique-value");
    assertThat(m.get("reasons").toString())
        .isEqualTo("[\"DB_PASSWORD is the same on app-1 and app-2\"]");
    ObjectNode again = JsonNodeFactory.instance.objectNode();
    again.put("audit", 4).put("class", "shared-unique-value").put("key", "DB_PASSWORD");
    again.put("fingerprint", "fp-1").put("message", "DB_PASSWORD is the same on app-1 and app-2");
    publisher.publish(
        ServerEvent.of("audit.finding", clock.instant(), "app-1", "shop", "db", null, again));
    r.await(2); // 30 h after the first: past the reminder period
    ObjectNode other = again.deepCopy();
    other.put("fingerprint", "fp-2");
    publisher.publish(
        ServerEvent.of("audit.finding", clock.instant(), "app-1", "shop", "db", null, other));
    r.await(3); // another finding: told at once
    settle();
    assertThat(r.requests()).hasSize(3);
  }
}
