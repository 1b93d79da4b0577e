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
import dev.selvedge.fleet.AuditSchedule;
import dev.selvedge.fleet.EngineNodeReader;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.Poller;
import dev.selvedge.json.TreeJson;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.Store;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.ServerEvent;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST/GET /api/v1/audit/tenants} in process against the real local engine: two tenants'
 * containers (unique projects, labelled a test's) on one engine that two nodes reach, both running
 * with the same DB_PASSWORD. The run finds both tenants' containers foreign to the other node and
 * the shared password by fingerprint; it is kept, listed, published as events, and every answer is
 * checked against the OpenAPI document and free of the planted secret.
 */
class TenantAuditApiIT {
  private static final String SECRET = "planted-tenant-s3cret-9d2e";
  private static Properties facts;

  @TempDir Path tmp;
  private String prefix;
  private Store store;
  private ServerMetrics metrics;
  private Poller poller;
  private EventHub hub;
  private ControlPlane plane;
  private String read;
  private String operate;
  private final List<String> bodies = new ArrayList<>();
  private final List<ServerEvent> published = new CopyOnWriteArrayList<>();
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
    prefix = "selvedge-taudit-" + UUID.randomUUID().toString().substring(0, 8);
    String image = facts.getProperty("SELVEDGE_TEST_IMAGE", "selvedge-test/busybox:1");
    for (String t : List.of("a", "b")) {
      docker(
          "run",
          "-d",
          "--label",
          "com.docker.compose.project=" + prefix + "-" + t,
          "--label",
          "com.docker.compose.service=web",
          "--label",
          "dev.selvedge.test=1",
          "-e",
          "DB_PASSWORD=" + SECRET,
          image,
          "sh",
          "-c",
          "trap 'exit 0' TERM; while :; do sleep 1; done");
    }
    Path contract = Files.createDirectories(tmp.resolve("tenant"));
    Files.writeString(
        contract.resolve("compose.yaml"),
        "x-selvedge:\n"
            + "  tenant_unique: [DB_PASSWORD]\n"
            + "services:\n"
            + "  web:\n"
            + "    image: "
            + image
            + "\n"
            + "    environment:\n"
            + "      DB_PASSWORD: ${DB_PASSWORD:-}\n");
    Clock clock = Clock.systemUTC();
    store =
        Stores.open(
            new StoreConfig(
                "jdbc:h2:file:" + tmp.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null),
            clock);
    ApiKeys keys = new ApiKeys(store.apiKeys(), clock);
    read = keys.create("read-" + prefix, Scope.READ).token();
    operate = keys.create("ops-" + prefix, Scope.OPERATE).token();
    String local = facts.getProperty("SELVEDGE_TEST_DOCKER_HOST", "unix:///var/run/docker.sock");
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    nodes.put("one", node("one", local, "a", contract));
    nodes.put("two", node("two", local, "b", contract));
    Fleet fleet =
        new Fleet(
            tmp.resolve("fleet.yaml"),
            Fleet.Poll.DEFAULT,
            nodes,
            List.of(),
            Fleet.Retention.DEFAULT,
            new Fleet.Audit(AuditSchedule.DEFAULT, List.of(prefix + "-*")),
            List.of());
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
                event -> {
                  published.add(event);
                  hub.publish(event);
                },
                OperationSettings.defaults(
                    FleetEngines.opener(env, FleetEngines.KEPT_IDLE_CONNECTIONS),
                    env,
                    fingerprints,
                    probe)));
  }

  private Fleet.Node node(String id, String engine, String tenant, Path contract) {
    return new Fleet.Node(
        id,
        engine,
        null,
        null,
        null,
        List.of(),
        Map.of(tenant, new Fleet.Stack(tenant, contract, prefix + "-" + tenant, null)));
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
      for (String t : List.of("a", "b")) {
        String ids =
            docker("ps", "-aq", "--filter", "label=com.docker.compose.project=" + prefix + "-" + t);
        if (!ids.isBlank()) {
          List<String> rm = new ArrayList<>(List.of("rm", "-f", "-v"));
          rm.addAll(List.of(ids.strip().split("\\s+")));
          docker(rm.toArray(String[]::new));
        }
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

  private Answer call(String method, String route, String path, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plane.port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    bodies.add(r.body());
    assertThat(
            OpenApiCheck.problems(
                method,
                route,
                r.statusCode(),
                r.headers().firstValue("Content-Type").orElse(null),
                r.body()))
        .as("%s %s -> %d %s", method, path, r.statusCode(), r.body())
        .isEmpty();
    return new Answer(r.statusCode(), r.body());
  }

  @Test
  void aRunOnDemandFindsTheContaminationKeepsItAndPublishesIt() throws Exception {
    String list = "/api/v1/audit/tenants";
    String latest = "/api/v1/audit/tenants/latest";
    String one = "/api/v1/audit/tenants/{id}";
    assertThat(call("GET", latest, latest, read).status()).isEqualTo(404);
    assertThat(call("POST", list, list, read).status()).isEqualTo(403);
    assertThat(call("POST", list, list, null).status()).isEqualTo(401);

    Answer run = call("POST", list, list, operate);
    assertThat(run.status()).as(run.body()).isEqualTo(200);
    JsonNode r = run.json();
    assertThat(r.get("result").asText()).isEqualTo("findings");
    assertThat(r.get("trigger").asText()).isEqualTo("request:ops-" + prefix);
    JsonNode evidence = r.get("evidence");
    assertThat(evidence.get("kind").asText()).isEqualTo("tenant-audit");
    List<String> found = new ArrayList<>();
    evidence
        .get("findings")
        .forEach(
            f ->
                found.add(
                    f.get("node").asText()
                        + " "
                        + f.get("class").asText()
                        + " "
                        + f.get("key").asText().replaceAll(" .*", "")
                        + " "
                        + f.get("others").get(0).asText()));
    assertThat(found)
        .contains(
            "one foreign-resource container two/b",
            "two foreign-resource container one/a",
            "one shared-unique-value environment.DB_PASSWORD two/b",
            "two shared-unique-value environment.DB_PASSWORD one/a");
    long id = r.get("id").asLong();

    Answer listed = call("GET", list, list + "?limit=5", read);
    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.json().at("/audits/0/id").asLong()).isEqualTo(id);
    assertThat(listed.json().at("/audits/0/findings").asInt()).isEqualTo(found.size());
    assertThat(call("GET", list, list + "?before=x", read).status()).isEqualTo(400);
    Answer last = call("GET", latest, latest, read);
    assertThat(last.status()).isEqualTo(200);
    assertThat(last.json().get("id").asLong()).isEqualTo(id);
    assertThat(call("GET", one, list + "/" + id, read).json().get("evidence").get("findings"))
        .hasSize(found.size());
    assertThat(call("GET", one, list + "/99999999", read).status()).isEqualTo(404);

    assertThat(published)
        .filteredOn(e -> e.type().equals("audit.finding"))
        .hasSize(found.size())
        .allSatisfy(e -> assertThat(e.data().get("audit").asLong()).isEqualTo(id))
        .anySatisfy(
            e -> {
              assertThat(e.node()).isEqualTo("one");
              assertThat(e.stack()).isEqualTo("a");
              assertThat(e.data().get("class").asText()).isEqualTo("shared-unique-value");
            });
    assertThat(published)
        .filteredOn(e -> e.type().equals("audit.tenants.finished"))
        .singleElement()
        .satisfies(e -> assertThat(e.data().get("result").asText()).isEqualTo("findings"));
    assertThat(published.toString()).doesNotContain(SECRET);
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
