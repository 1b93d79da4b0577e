package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.Notification;
import dev.selvedge.fleet.Poller;
import dev.selvedge.json.TreeJson;
import dev.selvedge.server.events.ServerEvent;
import dev.selvedge.server.notify.Notifier;
import dev.selvedge.server.notify.Receiver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notifications from real sweeps of the local dockerd (issue 14: "a local HTTP receiver gets
 * exactly one notification per change"): a stack brought up by docker-compose (labelled as a
 * test's, a project of its own, removed afterwards) drifts (a planted secret on either side), turns
 * red when stopped, and is brought back in line; a receiver on 127.0.0.1 gets one message per
 * change and none for a sweep that changes nothing, never a secret; a webhook that never answers
 * holds up neither the sweeps nor the other webhook.
 */
class NotificationsIT {
  private static final String RUNNING = DriftedApp.RUNNING;
  private static final String WANTED = DriftedApp.WANTED;

  @TempDir Path tmp;

  /** What the receiver got, as {@code type pill-after} lines, in arrival order. */
  private static List<String> told(Receiver r) throws Exception {
    List<String> out = new ArrayList<>();
    for (Receiver.Request q : r.requests()) {
      assertThat(q.body()).doesNotContain(RUNNING).doesNotContain(WANTED);
      JsonNode m = TreeJson.read(q.body().getBytes(StandardCharsets.UTF_8), null);
      out.add(m.get("type").asText() + " " + m.get("pill").get("after").asText());
    }
    return out;
  }

  @Test
  void aReceiverGetsExactlyOneNotificationPerChangeAndNoSecret() throws Exception {
    try (DriftedApp d = DriftedApp.start(tmp)) {
      sweepThroughEveryChange(d);
    }
  }

  private void sweepThroughEveryChange(DriftedApp d) throws Exception {
    Receiver receiver = new Receiver();
    Receiver hanging = new Receiver().hang();
    List<String> events =
        List.of("stack.status.changed", "node.status.changed", "drift.detected", "drift.resolved");
    Fleet fleet =
        new Fleet(
            tmp.resolve("fleet.yaml"),
            DriftedApp.slowPoll(),
            Map.of("local", d.node(List.of("tenant-a"))),
            List.of(),
            Fleet.Retention.DEFAULT,
            Fleet.Audit.DEFAULT,
            List.of(
                new Notification(
                    receiver.url("/hook"),
                    Notification.Format.JSON,
                    events,
                    List.of("tenant-a"),
                    List.of("dev"),
                    null,
                    Map.of()),
                new Notification(
                    hanging.url("/never"),
                    Notification.Format.SLACK,
                    events,
                    List.of(),
                    List.of(),
                    null,
                    Map.of())));
    Notifier notifier =
        new Notifier(
                () -> fleet,
                d.store.notifications(),
                d.clock,
                new Notifier.Limits(
                    100,
                    8,
                    Duration.ofSeconds(5),
                    Duration.ofMinutes(5), // far longer than the whole test
                    1,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    Duration.ofHours(1)),
                l -> {})
            .start();
    d.closing(notifier);
    d.closing(receiver);
    d.closing(hanging); // closed first: released
    List<ServerEvent> published = new CopyOnWriteArrayList<>();
    Poller poller =
        d.poller(
            fleet,
            notifier.wrap(
                e -> {
                  published.add(e);
                  d.hub.publish(e);
                }));

    Notification hook = fleet.notifications().get(0);
    Notifier n = notifier;
    // 1. Drifted (the running secret is not the wanted one).
    poller.sweepAll();
    hanging.await(1); // the hanging webhook holds its first message from now on
    Receiver.until(() -> n.idle(hook), "the notifier done with the receiver");
    assertThat(told(receiver)).containsExactly("drift.detected yellow");

    // 2. A sweep that changes nothing: nothing told.
    poller.sweepAll();
    Receiver.until(() -> n.idle(hook), "the notifier done with the receiver");
    assertThat(told(receiver)).hasSize(1);

    // 3. Its container removed: the stack turns red; told once, however many sweeps see it.
    d.removeContainers();
    poller.sweepAll();
    poller.sweepAll();
    Receiver.until(() -> n.idle(hook), "the notifier done with the receiver");
    List<String> t = told(receiver);
    assertThat(t).as("published %s", published).hasSize(3);
    assertThat(t.subList(1, 3))
        .containsExactlyInAnyOrder("stack.status.changed red", "node.status.changed red");

    // 4. Brought back in line and running: drift resolved and back to green, once each.
    d.up(WANTED);
    poller.sweepAll();
    poller.sweepAll();
    Receiver.until(() -> n.idle(hook), "the notifier done with the receiver");
    t = told(receiver);
    assertThat(t).as("published %s", published).hasSize(6);
    assertThat(t.subList(3, 6))
        .containsExactlyInAnyOrder(
            "stack.status.changed green", "node.status.changed green", "drift.resolved green");

    // The hanging webhook holds every message it got, at once: they held up none of the above.
    assertThat(hanging.requests()).hasSize(6);
    assertThat(d.store.notifications().list(1000, null))
        .filteredOn(x -> x.webhook().contains(":" + hanging.url("/").getPort() + "/"))
        .isEmpty(); // no try of it has ended yet
    assertThat(d.store.notifications().list(1000, null))
        .filteredOn(x -> x.webhook().contains(":" + receiver.url("/").getPort() + "/"))
        .hasSize(6)
        .allSatisfy(x -> assertThat(x.status()).isEqualTo("sent"));
    for (Receiver.Request q : hanging.requests()) {
      assertThat(q.body()).doesNotContain(RUNNING).doesNotContain(WANTED).contains("blocks");
    }
    assertThat(published.stream().map(ServerEvent::type)).contains("drift.detected");
  }
}
