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
import dev.selvedge.fleet.Poller;
import dev.selvedge.fleet.Scheduler;
import dev.selvedge.fleet.SweepListener;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.Store;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.PollerEvents;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poller's events from real sweeps of the local dockerd, seen by a WebSocket client: a stack
 * brought up by docker-compose (labelled as a test's, a project name of its own, removed
 * afterwards) whose running environment differs from the contract's (a planted secret on either
 * side) is drifted, then brought back in line. No event shows either secret.
 */
class PollerEventsIT {
  private static final Path FACTS = Path.of("/var/lib/selvedge-test/env");
  private static final String RUNNING = "s3cret-running-Qw71";
  private static final String WANTED = "s3cret-wanted-Jk52";

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

  @Test
  void aDriftedStackAndItsRepairAreStreamedWithoutSecrets() throws Exception {
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
    List<String> up =
        new ArrayList<>(
            List.of(
                "env",
                "DB_PASSWORD=" + RUNNING,
                "docker-compose",
                "-p",
                project,
                "-f",
                app.resolve("compose.yaml").toString(),
                "--project-directory",
                app.toString(),
                "up",
                "-d"));
    run(up);

    Clock clock = Clock.systemUTC();
    Store store =
        Stores.open(
            new StoreConfig(
                "jdbc:h2:file:" + tmp.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null),
            clock);
    open.add(store);
    String token = new ApiKeys(store.apiKeys(), clock).create("reader", Scope.READ).token();
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
            List.of(),
            Map.of("app", new Fleet.Stack("app", app, project, null, null)));
    Fleet fleet =
        new Fleet(
            tmp.resolve("fleet.yaml"),
            new Fleet.Poll(
                Duration.ofMinutes(10), Duration.ofSeconds(10), 4, 1, Duration.ofMinutes(10)),
            Map.of("local", node),
            List.of());
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
            SweepListener.all(SweepListener.NONE, new PollerEvents(hub)));
    open.add(poller);
    ServerMetrics metrics = new ServerMetrics();
    open.add(metrics);
    ControlPlane plane =
        ControlPlane.start(
            new ControlPlane.Settings(
                "127.0.0.1",
                0,
                store,
                FleetView.of(poller),
                metrics,
                clock,
                Stores.schemaVersion(),
                hub));
    open.add(plane);
    EventClient client = EventClient.connect(plane.port(), "?after=0&node=local", token);
    open.add(client);

    poller.sweepAll();
    List<JsonNode> seen = new ArrayList<>();
    JsonNode drift = until(client, seen, "drift.detected");
    assertThat(drift.get("node").asText()).isEqualTo("local");
    assertThat(drift.get("stack").asText()).isEqualTo("app");
    assertThat(drift.get("data").get("reasons").toString()).contains("DB_PASSWORD");

    // The first colours, then the drift, in id order.
    assertThat(seen.get(1).get("type").asText()).isEqualTo("stack.status.changed");
    assertThat(seen.get(1).get("data").get("to").asText()).isEqualTo("yellow");
    assertThat(seen.get(1).get("data").get("sync").asText()).isEqualTo("drifted");

    // Brought back in line (the control plane's environment now agrees): drift resolved.
    run(
        List.of(
            "env",
            "DB_PASSWORD=" + WANTED,
            "docker-compose",
            "-p",
            project,
            "-f",
            app.resolve("compose.yaml").toString(),
            "--project-directory",
            app.toString(),
            "up",
            "-d"));
    poller.sweepAll();
    JsonNode resolved = until(client, seen, "drift.resolved");
    assertThat(resolved.get("stack").asText()).isEqualTo("app");

    List<Long> ids = seen.stream().map(m -> m.get("id").asLong()).toList();
    assertThat(ids).isSorted().doesNotHaveDuplicates();
    for (JsonNode m : seen) {
      assertThat(m.toString()).doesNotContain(RUNNING).doesNotContain(WANTED);
    }
  }

  /** Messages up to the first of {@code type} (all kept in {@code seen}). */
  private static JsonNode until(EventClient client, List<JsonNode> seen, String type) {
    return until(client, seen, type, "");
  }

  private static JsonNode until(
      EventClient client, List<JsonNode> seen, String type, String state) {
    while (true) {
      JsonNode m;
      try {
        m = client.next();
      } catch (AssertionError e) {
        throw new AssertionError("no " + type + " after " + seen + "; state " + state, e);
      }
      seen.add(m);
      if (m.get("type").asText().equals(type)) {
        return m;
      }
    }
  }
}
