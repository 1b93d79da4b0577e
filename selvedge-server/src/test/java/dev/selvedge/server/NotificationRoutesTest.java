package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.Notification;
import dev.selvedge.json.TreeJson;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.Store;
import dev.selvedge.server.ApiCalls.Answer;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.ServerEvent;
import dev.selvedge.server.notify.Notifier;
import dev.selvedge.server.notify.Receiver;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/v1/notifications/deliveries} and {@code POST /api/v1/notifications/test} on a
 * real server, a real receiver and an H2 store: answers checked against openapi.json, the webhook's
 * path (its secret) in no answer.
 */
class NotificationRoutesTest {
  @TempDir Path tmp;

  private final Clock clock = Clock.systemUTC();
  private final ApiCalls api = new ApiCalls(() -> this.plane.port());
  private Store store;
  private EventHub hub;
  private ServerMetrics metrics;
  private ControlPlane plane;
  private Notifier notifier;
  private Receiver receiver;
  private String read;
  private String operate;

  @BeforeEach
  void up() throws Exception {
    store =
        Stores.open(
            new StoreConfig("jdbc:h2:file:" + tmp.resolve("store/selvedge"), null, null), clock);
    ApiKeys keys = new ApiKeys(store.apiKeys(), clock);
    read = keys.create("reader", Scope.READ).token();
    operate = keys.create("ops", Scope.OPERATE).token();
    receiver = new Receiver();
    Notification hook =
        new Notification(
            receiver.url("/services/T0/B0/s3cr3tPath"),
            Notification.Format.SLACK,
            Notification.NOTABLE_EVENTS,
            List.of(),
            List.of(),
            null,
            Map.of());
    Fleet fleet =
        new Fleet(
            tmp.resolve("fleet.yaml"),
            Fleet.Poll.DEFAULT,
            Map.of(),
            List.of(),
            Fleet.Retention.DEFAULT,
            Fleet.Audit.DEFAULT,
            List.of(hook));
    hub = new EventHub(store.events(), clock, EventHub.DEFAULT_RETENTION);
    metrics = new ServerMetrics();
    notifier =
        new Notifier(() -> fleet, store.notifications(), clock, Notifier.Limits.DEFAULT, l -> {})
            .start();
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
                hub,
                notifier.wrap(hub),
                null));
  }

  @AfterEach
  void down() {
    plane.close();
    notifier.close();
    receiver.close();
    hub.close();
    metrics.close();
    store.close();
  }

  private Answer call(String method, String route, String path, String token) {
    Answer a = api.call(method, route, path, token, null);
    assertThat(a.body()).doesNotContain("s3cr3tPath");
    return a;
  }

  @Test
  void deliveriesAreListedRedactedAndATestMessageIsSent() throws Exception {
    String list = "/api/v1/notifications/deliveries";
    String test = "/api/v1/notifications/test";
    assertThat(call("GET", list, list, null).status()).isEqualTo(401);
    assertThat(call("POST", test, test, read).status()).isEqualTo(403);
    assertThat(call("GET", list, list + "?before=x", read).status()).isEqualTo(400);
    assertThat(call("GET", list, list, read).json().get("deliveries")).isEmpty();

    // Until serve attaches its notifier, nothing sends.
    assertThat(call("POST", test, test, operate).status()).isEqualTo(503);
    plane.notifications().attach(notifier);
    Answer sent = call("POST", test, test, operate);
    assertThat(sent.status()).isEqualTo(202);
    String id = sent.json().get("notifications").get(0).asText();
    JsonNode body =
        TreeJson.read(receiver.await(1).get(0).body().getBytes(StandardCharsets.UTF_8), null);
    assertThat(body.get("text").asText()).isEqualTo("test message from Selvedge");

    // An event published through the server's publisher: told once, listed.
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("from", "green").put("to", "red");
    notifier
        .wrap(hub)
        .publish(
            ServerEvent.of("node.status.changed", clock.instant(), "gone", null, null, null, data));
    receiver.await(2);
    Receiver.until(notifier::idle, "the notifier to be idle");
    JsonNode rows = call("GET", list, list + "?limit=1", read).json();
    assertThat(rows.get("deliveries")).hasSize(1);
    assertThat(rows.get("next_before").isNumber()).isTrue();
    JsonNode all = call("GET", list, list, read).json().get("deliveries");
    assertThat(all).hasSize(2);
    // The two were sent at once: whichever answer came back first was recorded first.
    JsonNode first = "test".equals(all.get(0).get("kind").asText()) ? all.get(0) : all.get(1);
    JsonNode told = first == all.get(0) ? all.get(1) : all.get(0);
    assertThat(first.get("notification").asText()).isEqualTo(id);
    assertThat(first.get("kind").asText()).isEqualTo("test");
    assertThat(first.get("status").asText()).isEqualTo("sent");
    assertThat(first.get("http_status").asInt()).isEqualTo(200);
    assertThat(first.get("webhook").asText())
        .isEqualTo("http://127.0.0.1:" + receiver.url("/").getPort() + "/…");
    assertThat(told.get("event_type").asText()).isEqualTo("node.status.changed");
    assertThat(told.get("subject").asText()).isEqualTo("gone");
  }
}
