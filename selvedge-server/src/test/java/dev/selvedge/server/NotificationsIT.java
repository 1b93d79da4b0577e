package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.Version;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.contract.compose.DotEnv;
import dev.selvedge.docker.FleetEngines;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.evidence.Tool;
import dev.selvedge.fleet.EngineNodeReader;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.Notification;
import dev.selvedge.fleet.Poller;
import dev.selvedge.fleet.Scheduler;
import dev.selvedge.fleet.SweepListener;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.Store;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.PollerEvents;
import dev.selvedge.server.events.ServerEvent;
import dev.selvedge.server.notify.Notifier;
import dev.selvedge.server.notify.Receiver;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
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
  private static final Path FACTS = Path.of("/var/lib/selvedge-test/env");
  private static final String RUNNING = "s3cret-running-Vb38";
  private static final String WANTED = "s3cret-wanted-Tz90";

  @TempDir Path tmp;
  private String project;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void down() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    if (project != null) {
      String ids =
          run(List.of(
                  "docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + project))
              .strip();
      if (!ids.isEmpty()) {
        List<String> rm = new ArrayList<>(List.of("docker", "rm", "-f", "-v"));
        rm.addAll(List.of(ids.split("\\s+")));
        run(rm);
      }
      run(List.of("docker", "network", "rm", project + "_default"), true);
    }
  }

  private static String run(List<String> cmd) throws Exception {
    return run(cmd, false);
  }

  private static String run(List<String> cmd, boolean mayFail) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    if (!mayFail && p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }

  private List<String> up(Path app, String password) {
    return List.of(
        "env",
        "DB_PASSWORD=" + password,
        "docker-compose",
        "-p",
        project,
        "-f",
        app.resolve("compose.yaml").toString(),
        "--project-directory",
        app.toString(),
        "up",
        "-d");
  }

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
    assumeTrue(Files.isRegularFile(FACTS), "test services absent (" + FACTS + ")");
    Map<String, String> facts = DotEnv.parseLiteral(Files.readString(FACTS), FACTS.toString());
    project = "selvedge-it-" + UUID.randomUUID().toString().substring(0, 8);
    Path app = Files.createDirectories(tmp.resolve("app"));
    Files.writeString(
        app.resolve("compose.yaml"),
        """
        version: "3.8"
        services:
          web:
            image: %s
            command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
            environment:
              DB_PASSWORD: ${DB_PASSWORD}
            labels:
              dev.selvedge.test: "1"
        """
            .formatted(facts.get("SELVEDGE_TEST_IMAGE")));
    run(up(app, RUNNING));

    Clock clock = Clock.systemUTC();
    Store store =
        Stores.open(
            new StoreConfig(
                "jdbc:h2:file:" + tmp.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null),
            clock);
    open.add(store);
    EventHub hub = new EventHub(store.events(), clock, EventHub.DEFAULT_RETENTION);
    open.add(hub);
    ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    open.add(background::shutdownNow);
    SocketHttpProbe probe = new SocketHttpProbe();
    open.add(probe);
    // The control plane's environment says the secret should be another: drift on the container.
    Map<String, String> env = Map.of("DB_PASSWORD", WANTED, "PATH", System.getenv("PATH"));
    Path home = Files.createDirectories(tmp.resolve("home"));
    EngineNodeReader reader =
        new EngineNodeReader(
            FleetEngines.opener(env, FleetEngines.KEPT_IDLE_CONNECTIONS),
            new LiveStackReader(
                new LiveCheck(background, clock, probe), env, Fingerprints.load(home), false),
            clock,
            Tool.selvedge(Version.current()));
    Fleet.Node node =
        new Fleet.Node(
            "local",
            "unix:///var/run/docker.sock",
            null,
            null,
            "dev",
            List.of("tenant-a"),
            Map.of("app", new Fleet.Stack("app", app, project, null, null)));
    Receiver receiver = new Receiver();
    Receiver hanging = new Receiver().hang();
    List<String> events =
        List.of("stack.status.changed", "node.status.changed", "drift.detected", "drift.resolved");
    Fleet fleet =
        new Fleet(
            tmp.resolve("fleet.yaml"),
            new Fleet.Poll(
                Duration.ofMinutes(10), Duration.ofSeconds(10), 4, 1, Duration.ofMinutes(10)),
            Map.of("local", node),
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
                store.notifications(),
                clock,
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
    open.add(notifier);
    open.add(receiver);
    open.add(hanging); // closed first: released
    List<ServerEvent> published = new CopyOnWriteArrayList<>();
    Poller poller =
        new Poller(
            fleet,
            reader,
            store.fleetState(),
            clock,
            Scheduler.system(),
            Executors.newVirtualThreadPerTaskExecutor(),
            new Random(3),
            "it",
            SweepListener.all(
                SweepListener.NONE,
                new PollerEvents(
                    notifier.wrap(
                        e -> {
                          published.add(e);
                          hub.publish(e);
                        }))));
    open.add(poller);

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
    removeAll(project);
    poller.sweepAll();
    poller.sweepAll();
    Receiver.until(() -> n.idle(hook), "the notifier done with the receiver");
    List<String> t = told(receiver);
    assertThat(t).as("published %s", published).hasSize(3);
    assertThat(t.subList(1, 3))
        .containsExactlyInAnyOrder("stack.status.changed red", "node.status.changed red");

    // 4. Brought back in line and running: drift resolved and back to green, once each.
    run(up(app, WANTED));
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
    assertThat(store.notifications().list(1000, null))
        .filteredOn(d -> d.webhook().contains(":" + hanging.url("/").getPort() + "/"))
        .isEmpty(); // no try of it has ended yet
    assertThat(store.notifications().list(1000, null))
        .filteredOn(d -> d.webhook().contains(":" + receiver.url("/").getPort() + "/"))
        .hasSize(6)
        .allSatisfy(d -> assertThat(d.status()).isEqualTo("sent"));
    for (Receiver.Request q : hanging.requests()) {
      assertThat(q.body()).doesNotContain(RUNNING).doesNotContain(WANTED).contains("blocks");
    }
    assertThat(published.stream().map(ServerEvent::type)).contains("drift.detected");
  }

  private String removeAll(String p) throws Exception {
    String ids =
        run(List.of("docker", "ps", "-q", "--filter", "label=com.docker.compose.project=" + p))
            .strip();
    if (!ids.isEmpty()) {
      List<String> rm = new ArrayList<>(List.of("docker", "rm", "-f"));
      rm.addAll(List.of(ids.split("\\s+")));
      return run(rm);
    }
    return "none";
  }
}
