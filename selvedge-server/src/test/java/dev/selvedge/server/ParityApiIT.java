package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.Version;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.docker.FleetEngines;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.evidence.Tool;
import dev.selvedge.fleet.EngineNodeReader;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.Poller;
import dev.selvedge.json.TreeJson;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.Store;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/v1/parity} in process against the real local engine: one container (labelled a
 * test's, under a unique project) that three fleet nodes read, two with the same contract and one
 * with a contract whose environment and secret differ; an engine that is not there. Every answer is
 * checked against the OpenAPI document and none carries the planted secret.
 */
class ParityApiIT {
  private static final String ROUTE = "/api/v1/parity";
  private static final String SECRET = "planted-parity-s3cret-77a1";
  private static Properties facts;

  @TempDir Path tmp;
  private String project;
  private Store store;
  private ServerMetrics metrics;
  private Poller poller;
  private EventHub hub;
  private ControlPlane plane;
  private String read;
  private final List<String> bodies = new ArrayList<>();
  private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
  private final SocketHttpProbe probe = new SocketHttpProbe();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void services() throws IOException {
    facts = new Properties();
    Path file = Path.of(System.getProperty("selvedge.test.env", "/var/lib/selvedge-test/env"));
    assumeTrue(Files.isReadable(file), "test services absent: run scripts/test-services.sh first");
    try (InputStream in = Files.newInputStream(file)) {
      facts.load(in);
    }
  }

  @BeforeEach
  void up() throws Exception {
    project = "selvedge-parity-" + UUID.randomUUID().toString().substring(0, 8);
    String image = facts.getProperty("SELVEDGE_TEST_IMAGE", "selvedge-test/busybox:1");
    docker(
        "run",
        "-d",
        "--label",
        "com.docker.compose.project=" + project,
        "--label",
        "com.docker.compose.service=web",
        "--label",
        "dev.selvedge.test=1",
        "-e",
        "LOG_LEVEL=info",
        image,
        "sh",
        "-c",
        "trap 'exit 0' TERM; while :; do sleep 1; done");
    Path same = contract("same", image, "info", "");
    Path other = contract("other", image, "debug", "      API_TOKEN: ${API_TOKEN}\n");
    Files.writeString(other.resolve(".env"), "API_TOKEN=" + SECRET + "\n");
    Clock clock = Clock.systemUTC();
    store =
        Stores.open(
            new StoreConfig(
                "jdbc:h2:file:" + tmp.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null),
            clock);
    read = new ApiKeys(store.apiKeys(), clock).create("read-" + project, Scope.READ).token();
    String local = facts.getProperty("SELVEDGE_TEST_DOCKER_HOST", "unix:///var/run/docker.sock");
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    nodes.put("one", node("one", local, "prod", same));
    nodes.put("two", node("two", local, "prod", same));
    nodes.put("three", node("three", local, "staging", other));
    nodes.put("gone", node("gone", "unix://" + tmp.resolve("no.sock"), "dev", same));
    Fleet fleet = new Fleet(tmp.resolve("fleet.yaml"), Fleet.Poll.DEFAULT, nodes, List.of());
    Map<String, String> env = System.getenv();
    Fingerprints fingerprints =
        Fingerprints.load(Files.createDirectories(tmp.resolve("home/.selvedge")));
    metrics = new ServerMetrics();
    poller =
        Poller.create(
            fleet,
            new EngineNodeReader(
                FleetEngines.opener(env, FleetEngines.KEPT_IDLE_CONNECTIONS),
                new LiveStackReader(
                    new LiveCheck(background, clock, probe), env, fingerprints, true),
                clock,
                Tool.selvedge(Version.current())),
            store.fleetState(),
            metrics);
    hub = new EventHub(store.events(), clock, Duration.ofDays(1));
    plane =
        ControlPlane.start(
            new ControlPlane.Settings(
                "127.0.0.1",
                0,
                store,
                FleetView.of(poller),
                metrics,
                clock,
                Stores.schemaVersion(),
                hub,
                hub,
                OperationSettings.defaults(
                    FleetEngines.opener(env, FleetEngines.KEPT_IDLE_CONNECTIONS),
                    env,
                    fingerprints,
                    probe)));
  }

  private Path contract(String dir, String image, String logLevel, String more) throws IOException {
    Path d = Files.createDirectories(tmp.resolve(dir));
    Files.writeString(
        d.resolve("compose.yaml"),
        "services:\n"
            + "  web:\n"
            + "    image: "
            + image
            + "\n"
            + "    environment:\n"
            + "      LOG_LEVEL: "
            + logLevel
            + "\n"
            + more);
    return d;
  }

  private Fleet.Node node(String id, String engine, String environment, Path contract) {
    return new Fleet.Node(
        id,
        engine,
        null,
        null,
        environment,
        List.of(),
        Map.of("web", new Fleet.Stack("web", contract, project, null, null)));
  }

  @AfterEach
  void down() throws Exception {
    try {
      if (plane != null) {
        plane.close();
      }
      if (poller != null) {
        poller.close();
      }
      if (hub != null) {
        hub.close();
      }
    } finally {
      String ids = docker("ps", "-aq", "--filter", "label=com.docker.compose.project=" + project);
      if (!ids.isBlank()) {
        List<String> rm = new ArrayList<>(List.of("rm", "-f", "-v"));
        rm.addAll(List.of(ids.strip().split("\\s+")));
        docker(rm.toArray(String[]::new));
      }
      metrics.close();
      probe.close();
      background.shutdownNow();
      store.close();
    }
    for (String body : bodies) {
      assertThat(body).doesNotContain(SECRET);
    }
  }

  private record Answer(int status, String body) {
    JsonNode json() throws IOException {
      return TreeJson.read(body.getBytes(StandardCharsets.UTF_8), null);
    }
  }

  private Answer get(String query, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plane.port() + ROUTE + query));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    bodies.add(r.body());
    assertThat(
            OpenApiCheck.problems(
                "GET",
                ROUTE,
                r.statusCode(),
                r.headers().firstValue("Content-Type").orElse(null),
                r.body()))
        .as("GET %s -> %d %s", query, r.statusCode(), r.body())
        .isEmpty();
    return new Answer(r.statusCode(), r.body());
  }

  private static String q(String a, String b) {
    return "?a="
        + URLEncoder.encode(a, StandardCharsets.UTF_8)
        + "&b="
        + URLEncoder.encode(b, StandardCharsets.UTF_8);
  }

  @Test
  void twoNodesOfOneContractAreTheSameAndAnotherContractDiffersWithoutShowingItsSecret()
      throws Exception {
    Answer same = get(q("one", "two") + "&stack=web", read);
    assertThat(same.status()).as(same.body()).isEqualTo(200);
    JsonNode s = same.json();
    assertThat(s.get("result").asText()).isEqualTo("same");
    assertThat(s.at("/comparisons/0/differences").size()).isZero();
    assertThat(s.at("/comparisons/0/a/project").asText()).isEqualTo(project);

    Answer diff = get(q("env:prod", "env:staging"), read);
    assertThat(diff.status()).as(diff.body()).isEqualTo(200);
    JsonNode d = diff.json();
    assertThat(d.get("result").asText()).isEqualTo("different");
    assertThat(d.at("/summary/comparisons").asInt()).isEqualTo(2);
    List<String> keys = new ArrayList<>();
    d.at("/comparisons/0/differences")
        .forEach(x -> keys.add(x.get("layer").asText() + " " + x.get("key").asText()));
    assertThat(keys)
        .contains("contract environment.LOG_LEVEL", "contract environment.API_TOKEN")
        .noneMatch(k -> k.startsWith("env ")); // one container: what runs is the same
    assertThat(keys).contains("files files[.env]"); // only the other contract has one
    for (JsonNode x : d.at("/comparisons/0/differences")) {
      if (x.get("key").asText().startsWith("environment.")) {
        assertThat(x.get("b").asText()).startsWith("hmac-sha256:");
      }
    }
  }

  @Test
  void anUnreachableNodeIsAnUnreadableAnswerAndBadQueriesAreRefused() throws Exception {
    Answer gone = get(q("one", "gone"), read);
    assertThat(gone.status()).as(gone.body()).isEqualTo(200);
    assertThat(gone.json().get("result").asText()).isEqualTo("unreadable");
    assertThat(gone.json().at("/unreadable/0/node").asText()).isEqualTo("gone");

    assertThat(get("?a=one", read).status()).isEqualTo(400);
    assertThat(get(q("one", "two") + "&stack=", read).status()).isEqualTo(400);
    Answer unknown = get(q("one", "nowhere"), read);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body()).contains("nowhere");
    assertThat(get(q("one", "env:qa"), read).status()).isEqualTo(404);
    assertThat(get(q("one", "two") + "&stack=nothing", read).status()).isEqualTo(404);
    assertThat(get(q("one", "two"), null).status()).isEqualTo(401);
    assertThat(get(q("one", "two"), "not-a-key").status()).isEqualTo(401);
  }

  private static String docker(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("docker");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
    }
    return out;
  }
}
