package dev.selvedge.server;

import static dev.selvedge.server.InProcessServer.docker;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.port.Store;
import dev.selvedge.server.ApiCalls.Answer;
import dev.selvedge.server.events.ServerEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/v1/rollouts} in process against the real local engine and registry: three nodes, each
 * a Compose project of its own on the local engine, running stack {@code app}. A rollout that
 * passes reaches every node; one on an image whose healthcheck never passes halts at the canary
 * (rolled back, the others untouched); events are published, every answer is checked against the
 * OpenAPI document and is free of the contract's secret.
 */
class RolloutApiIT {
  private static final String SECRET = "planted-rollout-s3cret-5b1c";
  private static Properties facts;

  @TempDir Path tmp;
  private final List<String> projects = new ArrayList<>();
  private InProcessServer server;
  private Store store;
  private ControlPlane plane;
  private String read;
  private String operate;
  private String good;
  private String bad;
  private final List<String> bodies = new ArrayList<>();
  private final List<ServerEvent> published = new CopyOnWriteArrayList<>();
  private final ApiCalls api = new ApiCalls(() -> plane.port(), bodies);

  @BeforeAll
  static void services() {
    facts = InProcessServer.facts(true);
  }

  @BeforeEach
  void up() throws Exception {
    String registry = facts.getProperty("SELVEDGE_TEST_REGISTRY");
    good = registry + "/selvedge-test/app:good";
    bad = registry + "/selvedge-test/app:bad";
    String local = InProcessServer.localEngine(facts);
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    for (String id : List.of("one", "two", "three")) {
      String project = "selvedge-rapi-" + UUID.randomUUID().toString().substring(0, 8);
      projects.add(project);
      Path dir = Files.createDirectories(tmp.resolve(id));
      Files.writeString(dir.resolve(".env"), "API_TOKEN=" + SECRET + "\n");
      Files.writeString(dir.resolve(".env.example"), "API_TOKEN=\n");
      Files.writeString(
          dir.resolve("compose.yaml"),
          """
          x-selvedge:
            policy:
              rules:
                healthcheck-interval-too-short: "off"
                logging-unbounded: "off"
          services:
            web:
              image: %s
              environment:
                API_TOKEN: ${API_TOKEN}
              labels:
                dev.selvedge.test: "1"
              healthcheck:
                test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/healthz"]
                interval: 1s
                timeout: 2s
                retries: 2
              stop_grace_period: 1s
          """
              .formatted(good));
      nodes.put(
          id,
          new Fleet.Node(
              id,
              local,
              null,
              null,
              "prod",
              List.of(),
              Map.of("app", new Fleet.Stack("app", dir, project, null, null))));
    }
    Fleet fleet = new Fleet(tmp.resolve("fleet.yaml"), Fleet.Poll.DEFAULT, nodes, List.of());
    server =
        InProcessServer.start(
            tmp,
            fleet,
            InProcessServer.Options.DEFAULT.publisher(
                hub ->
                    event -> {
                      published.add(event);
                      hub.publish(event);
                    }));
    store = server.store();
    plane = server.plane();
    read = server.read();
    operate = server.operate();
  }

  @AfterEach
  void down() throws Exception {
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      projects.forEach(InProcessServer::removeProject);
    }
    for (String body : bodies) {
      assertThat(body).doesNotContain(SECRET);
    }
    assertThat(published.toString()).doesNotContain(SECRET);
  }

  private Answer call(String method, String route, String path, String token, String body) {
    return api.call(method, route, path, token, body);
  }

  private static final String LIST = "/api/v1/rollouts";
  private static final String ONE = "/api/v1/rollouts/{id}";

  /** Reads the rollout until it is no longer running (or rolling back). */
  private JsonNode awaitEnd(String id) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < until) {
      JsonNode r = call("GET", ONE, LIST + "/" + id, read, null).json();
      String state = r.get("state").asText();
      if (!state.equals("running") && !state.equals("rolling-back")) {
        return r;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("rollout " + id + " did not end");
  }

  private static String container(String project) throws Exception {
    return docker("ps", "-q", "--filter", "label=com.docker.compose.project=" + project).strip();
  }

  @Test
  void aPassingRolloutReachesEveryNodeAndAFailingCanaryHaltsThere() throws Exception {
    assertThat(call("POST", LIST, LIST, read, "{\"stack\":\"app\"}").status()).isEqualTo(403);
    assertThat(call("POST", LIST, LIST, null, "{\"stack\":\"app\"}").status()).isEqualTo(401);
    assertThat(call("POST", LIST, LIST, operate, "{}").status()).isEqualTo(400);
    assertThat(call("POST", LIST, LIST, operate, "{\"stack\":\"app\",\"x\":1}").status())
        .isEqualTo(400);
    Answer unknown = call("POST", LIST, LIST, operate, "{\"stack\":\"nope\"}");
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.body()).contains("no node");
    Answer waves = call("POST", LIST, LIST, operate, "{\"stack\":\"app\",\"waves\":\"1,50%\"}");
    assertThat(waves.status()).isEqualTo(422);
    assertThat(waves.body()).contains("end with 100%");
    assertThat(call("GET", ONE, LIST + "/nope", read, null).status()).isEqualTo(404);
    assertThat(call("POST", ONE + "/resume", LIST + "/nope/resume", operate, null).status())
        .isEqualTo(404);

    // passes: every node
    Answer started =
        call(
            "POST",
            LIST,
            LIST,
            operate,
            "{\"stack\":\"app\",\"waves\":\"1,100%\",\"gate_timeout\":\"30s\",\"parallel\":2}");
    assertThat(started.status()).as(started.body()).isEqualTo(202);
    String first = started.json().get("id").asText();
    assertThat(started.json().get("gate_timeout").asText()).isEqualTo("30s");
    assertThat(started.json().get("nodes")).hasSize(3);
    JsonNode done = awaitEnd(first);
    assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("finished");
    done.get("nodes").forEach(n -> assertThat(n.get("step").asText()).isEqualTo("healthy"));
    Map<String, String> before = new LinkedHashMap<>();
    for (String p : projects) {
      before.put(p, container(p));
      assertThat(before.get(p)).isNotBlank();
    }
    Answer listed = call("GET", LIST, LIST + "?limit=5", read, null);
    assertThat(listed.json().at("/rollouts/0/id").asText()).isEqualTo(first);
    assertThat(
            call("POST", ONE + "/resume", LIST + "/" + first + "/resume", operate, null).status())
        .isEqualTo(409);
    assertThat(call("POST", ONE + "/abort", LIST + "/" + first + "/abort", operate, null).status())
        .isEqualTo(409);

    // fails at the canary: rolled back, nothing else touched
    Answer second =
        call(
            "POST",
            LIST,
            LIST,
            operate,
            "{\"stack\":\"app\",\"waves\":\"1,100%\",\"gate_timeout\":\"4s\",\"images\":{\"web\":\""
                + bad
                + "\"}}");
    assertThat(second.status()).as(second.body()).isEqualTo(202);
    String id = second.json().get("id").asText();
    JsonNode halted = awaitEnd(id);
    assertThat(halted.get("state").asText()).isEqualTo("halted");
    assertThat(halted.get("failed_node").asText()).isEqualTo("one");
    assertThat(halted.at("/nodes/0/step").asText()).isEqualTo("rolled-back");
    assertThat(halted.get("reason").asText())
        .startsWith("node one: web failed its health gate (")
        .endsWith("; rolled back");
    assertThat(halted.at("/nodes/1/step").asText()).isEqualTo("skipped");
    assertThat(halted.at("/nodes/2/step").asText()).isEqualTo("skipped");
    assertThat(container(projects.get(1))).isEqualTo(before.get(projects.get(1)));
    assertThat(container(projects.get(2))).isEqualTo(before.get(projects.get(2)));
    assertThat(docker("inspect", "-f", "{{.Config.Image}}", container(projects.get(0))).strip())
        .startsWith(good);

    // abort the halted one: it stays as it is
    Answer aborted = call("POST", ONE + "/abort", LIST + "/" + id + "/abort", operate, null);
    assertThat(aborted.status()).isEqualTo(202);
    assertThat(aborted.json().get("state").asText()).isEqualTo("aborted");

    // a rollout whose owner died (its lease ran out): the server takes it over and finishes it
    java.time.Instant past = java.time.Instant.now().minusSeconds(3600);
    String orphan = "orphan-" + UUID.randomUUID().toString().substring(0, 8);
    store
        .rollouts()
        .create(
            new dev.selvedge.port.RolloutStore.Rollout(
                orphan,
                "app",
                "all",
                "100%",
                Map.of(),
                Duration.ofSeconds(30),
                3,
                false,
                dev.selvedge.port.RolloutStore.State.RUNNING,
                "key:" + server.operateName(),
                past,
                past,
                "a replica that died",
                past.plusSeconds(60),
                null,
                null),
            List.of("one", "two", "three").stream()
                .map(
                    n ->
                        new dev.selvedge.port.RolloutStore.NodeStep(
                            n,
                            0,
                            List.of("one", "two", "three").indexOf(n),
                            dev.selvedge.port.RolloutStore.Step.PENDING,
                            null,
                            null,
                            null,
                            null,
                            past))
                .toList(),
            Duration.ofHours(-1)); // its owner's lease ran out an hour ago
    plane.startRollouts();
    JsonNode resumed = awaitEnd(orphan);
    assertThat(resumed.get("state").asText()).as(resumed.toString()).isEqualTo("finished");
    resumed.get("nodes").forEach(n -> assertThat(n.get("step").asText()).isEqualTo("healthy"));
    assertThat(published)
        .anySatisfy(
            e -> {
              assertThat(e.type()).isEqualTo("rollout.started");
              assertThat(e.operation()).isEqualTo(orphan);
              assertThat(e.data().get("detail").asText()).contains("taken over");
            });

    List<String> types = published.stream().map(ServerEvent::type).toList();
    assertThat(types)
        .contains(
            "rollout.started",
            "rollout.wave.started",
            "rollout.node.healthy",
            "rollout.finished",
            "rollout.node.failed",
            "rollout.halted",
            "rollout.aborted");
    assertThat(published)
        .filteredOn(e -> e.type().equals("rollout.halted"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.node()).isEqualTo("one");
              assertThat(e.stack()).isEqualTo("app");
              assertThat(e.data().get("rollout").asText()).isEqualTo(id);
            });
    assertThat(
            store
                .audit()
                .find(
                    new dev.selvedge.port.AuditLog.Query(
                        null, null, null, null, null, null, null, 500)))
        .extracting(dev.selvedge.port.AuditLog.Event::action)
        .contains("rollout.start", "rollout.abort", "rollout.node.healthy", "rollout.halted");
  }
}
