package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.fleet.EngineFacts;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.PillChange;
import dev.selvedge.fleet.StackState;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.Store;
import dev.selvedge.server.ApiCalls.Answer;
import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API over a real store: {@link ControlPlaneH2Test} runs it on an H2 file, {@code
 * ControlPlanePostgresIT} on PostgreSQL. Every answer any test gets is checked against the OpenAPI
 * document, and none may contain a token or a planted secret.
 */
abstract class ServerContract {
  /** A password in an engine URL: it must never be shown. */
  static final String PLANTED = "s3cret-planted-Zq81";

  /** Every answer body of the class, for the secrets check at the end. */
  static final List<String> BODIES = java.util.Collections.synchronizedList(new ArrayList<>());

  static final List<String> TOKENS = java.util.Collections.synchronizedList(new ArrayList<>());

  protected abstract StoreConfig storeConfig();

  protected MovableClock clock;
  protected Store store;
  protected dev.selvedge.port.FleetStateStore states;
  protected ServerMetrics metrics;
  protected ControlPlane plane;
  protected dev.selvedge.server.events.EventHub events;
  protected final AtomicReference<Optional<String>> readiness =
      new AtomicReference<>(Optional.empty());
  protected final AtomicReference<Fleet> fleet = new AtomicReference<>();
  protected String suffix;
  protected String read;
  protected String operate;
  protected String admin;
  protected String revoked;
  private final ApiCalls api = new ApiCalls(() -> plane.port(), BODIES);
  private final List<Store> others = new ArrayList<>();

  @BeforeEach
  void start() {
    clock = new MovableClock();
    suffix = UUID.randomUUID().toString().substring(0, 8);
    store = Stores.open(storeConfig(), clock);
    ApiKeys keys = new ApiKeys(store.apiKeys(), clock);
    read = token(keys.create("read-" + suffix, Scope.READ).token());
    operate = token(keys.create("operate-" + suffix, Scope.OPERATE).token());
    admin = token(keys.create("admin-" + suffix, Scope.ADMIN).token());
    revoked = token(keys.create("gone-" + suffix, Scope.ADMIN).token());
    keys.revoke("gone-" + suffix);
    states = store.fleetState();
    fleet.set(fleet(List.of("https://dash.example.net")));
    metrics = new ServerMetrics();
    events =
        new dev.selvedge.server.events.EventHub(
            store.events(), clock, dev.selvedge.server.events.EventHub.DEFAULT_RETENTION);
    plane =
        ControlPlane.start(
            new ControlPlane.Settings(
                "127.0.0.1", 0, store, view(), metrics, clock, Stores.schemaVersion(), events));
  }

  /** The fleet as the store holds it, with a readiness the test sets. */
  private FleetView view() {
    return new FleetView() {
      @Override
      public Fleet fleet() {
        return fleet.get();
      }

      @Override
      public List<dev.selvedge.fleet.NodeView> view() {
        return new StoredFleet(fleet::get, store.fleetState(), clock).view();
      }

      @Override
      public Optional<String> readiness() {
        return readiness.get();
      }
    };
  }

  private static String token(String t) {
    TOKENS.add(t);
    return t;
  }

  @AfterEach
  void stop() {
    if (plane != null) {
      plane.close();
    }
    if (events != null) {
      events.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    others.forEach(Store::close);
    if (store != null) {
      store.close();
    }
  }

  /** No answer of any test showed a token or the planted secret. */
  @AfterAll
  static void noSecretInAnyAnswer() {
    assertThat(BODIES).isNotEmpty();
    for (String body : BODIES) {
      assertThat(body).doesNotContain(PLANTED);
      for (String t : TOKENS) {
        assertThat(body).doesNotContain(t).doesNotContain(ApiKeys.hash(t));
      }
    }
  }

  // -------------------------------------------------------------------------------- fixture

  Fleet fleet(List<String> cors) {
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    nodes.put(
        "app-1",
        node(
            "app-1",
            "tcp://deploy:" + PLANTED + "@10.0.0.1:2376",
            "prod",
            List.of("eu", "tenant-a"),
            "shop",
            "api"));
    nodes.put(
        "app-2", node("app-2", "unix:///var/run/docker.sock", "staging", List.of("us"), "shop"));
    nodes.put("app-3", node("app-3", "ssh://deploy@app-3:22", null, List.of(), "shop"));
    return new Fleet(Path.of("/srv/fleet.yaml"), Fleet.Poll.DEFAULT, nodes, cors);
  }

  private Fleet.Node node(
      String id, String engine, String env, List<String> tags, String... stacks) {
    Map<String, Fleet.Stack> s = new LinkedHashMap<>();
    for (String name : stacks) {
      s.put(name, new Fleet.Stack(name, Path.of("/srv/" + name), name + "-" + suffix, null, null));
    }
    return new Fleet.Node(id, engine, null, null, env, tags, s);
  }

  static String report(String project) {
    return "{\"schema\":\"selvedge.evidence/v1\",\"kind\":\"drift\",\"tool\":{\"name\":\"selvedge\","
        + "\"version\":\"dev\"},\"generated_at\":\"2026-03-01T10:00:00Z\",\"project\":\""
        + project
        + "\",\"inputs\":[],\"policy\":{\"fail_on\":\"warning\",\"rules\":{}},\"summary\":"
        + "{\"passed\":false,\"errors\":0,\"warnings\":1,\"notes\":0,\"waived\":0},\"findings\":"
        + "[{\"service\":\"web\",\"layer\":\"host/container\",\"key\":\"environment.DB_PASSWORD\","
        + "\"class\":\"stale\"}],\"waivers\":[]}";
  }

  /** app-1 swept: shop drifted (yellow) with a report, api unreadable; app-2 swept green. */
  void sweptStates() {
    Instant at = clock.instant();
    EngineFacts facts =
        new EngineFacts(
            "ABCD:EFGH", "27.3.1", "1.47", "linux", "x86_64", 4, 8L << 30, "/var/lib/docker", null);
    EngineFacts other =
        new EngineFacts(
            "WXYZ:0000",
            "28.0.1",
            "1.48",
            "linux",
            "aarch64",
            2,
            4L << 30,
            "/var/lib/docker",
            1L << 40);
    states.record(
        new NodeState(
            "app-1",
            Pill.YELLOW,
            List.of("shop: drifted"),
            at,
            0,
            facts,
            List.of(
                new StackState(
                    "app-1",
                    "shop",
                    "shop-" + suffix,
                    Sync.DRIFTED,
                    Health.HEALTHY,
                    Pill.YELLOW,
                    List.of("web: environment.DB_PASSWORD stale"),
                    report("shop-" + suffix),
                    at),
                new StackState(
                    "app-1",
                    "api",
                    "api-" + suffix,
                    Sync.UNKNOWN,
                    Health.UNREACHABLE,
                    Pill.RED,
                    List.of("engine call timed out"),
                    null,
                    at))),
        List.of(
            new PillChange("app-1", null, null, Pill.GREEN, List.of(), at.minusSeconds(120)),
            new PillChange(
                "app-1", "shop", Pill.GREEN, Pill.YELLOW, List.of("shop: drifted"), at)));
    states.record(
        new NodeState(
            "app-2",
            Pill.GREEN,
            List.of(),
            at,
            0,
            other,
            List.of(
                new StackState(
                    "app-2",
                    "shop",
                    "shop-" + suffix,
                    Sync.IN_SYNC,
                    Health.HEALTHY,
                    Pill.GREEN,
                    List.of(),
                    report("shop-" + suffix),
                    at))),
        List.of());
  }

  // -------------------------------------------------------------------------------- calling

  /** GET {@code path} (an instance of {@code route}), checked against the OpenAPI document. */
  Answer get(String route, String path, String token, String... headers) {
    return api.get(route, path, token, headers);
  }

  Answer send(String path, String token, String... headers) {
    return request("GET", path, token, headers);
  }

  Answer request(String method, String path, String token, String... headers) {
    return api.send(method, path, token, null, headers);
  }

  /**
   * {@code method path} with a JSON {@code body} (null: none), checked against the OpenAPI document
   * as an instance of {@code route}.
   */
  Answer call(
      String method, String route, String path, String token, String body, String... headers) {
    return api.call(method, route, path, token, body, headers);
  }

  static final String FLEET = "/api/v1/fleet";
  static final String NODE = "/api/v1/nodes/{node}";
  static final String HISTORY = "/api/v1/nodes/{node}/history";
  static final String STACK = "/api/v1/nodes/{node}/stacks/{stack}";
  static final String DRIFT = "/api/v1/nodes/{node}/stacks/{stack}/drift";
  static final String DEPLOYMENTS = "/api/v1/nodes/{node}/stacks/{stack}/deployments";
  static final String KEYS = "/api/v1/keys";
  static final String KEY = "/api/v1/keys/{name}";
  static final String AUDIT = "/api/v1/audit";

  // ---------------------------------------------------------------------------------- tests

  @Test
  void openRoutesNeedNoKey() {
    Answer health = get("/healthz", "/healthz", null);
    assertThat(health.status()).isEqualTo(200);
    Answer version = get("/version", "/version", null);
    assertThat(version.status()).isEqualTo(200);
    assertThat(version.body())
        .contains("\"version\":\"" + dev.selvedge.Version.current() + "\"")
        .contains("\"schema_version\":\"" + Stores.schemaVersion() + "\"");
    Answer openapi = get("/openapi.json", "/openapi.json", null);
    assertThat(openapi.status()).isEqualTo(200);
    assertThat(openapi.body()).contains("\"openapi\"").contains("3.1");
  }

  @Test
  void readyOnlyOnceEveryNodeWasSwept() {
    readiness.set(Optional.of("2 of 3 nodes not swept yet"));
    Answer waiting = get("/readyz", "/readyz", null);
    assertThat(waiting.status()).isEqualTo(503);
    assertThat(waiting.body()).contains("2 of 3 nodes not swept yet");
    readiness.set(Optional.empty());
    assertThat(get("/readyz", "/readyz", null).status()).isEqualTo(200);
  }

  @Test
  void metricsInPrometheusText() {
    sweptStates();
    metrics.sweepFinished(Duration.ofMillis(120), false);
    metrics.sweepFinished(Duration.ofSeconds(10), true);
    get(FLEET, FLEET, read);
    send("/api/v1/fleet", "wrong");
    // Made-up methods share one tag: a client cannot grow the registry with new spellings.
    request("BREWA", "/healthz", null);
    request("BREWB", "/healthz", null);
    Answer m = get("/metrics", "/metrics", null);
    assertThat(m.body())
        .contains("method=\"other\"")
        .doesNotContain("BREWA")
        .doesNotContain("BREWB");
    assertThat(m.status()).isEqualTo(200);
    assertThat(m.contentType()).startsWith("text/plain");
    assertThat(m.body())
        .contains("selvedge_sweep_duration_seconds_count{outcome=\"ok\"} 1")
        .contains("selvedge_sweep_duration_seconds_count{outcome=\"failed\"} 1")
        .contains("selvedge_sweep_failures_total 1.0")
        .contains("selvedge_nodes{pill=\"yellow\"} 1.0")
        .contains("selvedge_nodes{pill=\"green\"} 1.0")
        .contains("selvedge_stacks{pill=\"red\"} 1.0")
        .contains(
            "selvedge_http_requests_seconds_count{method=\"GET\",route=\"/api/v1/fleet\",status=\"200\"} 1")
        .contains(
            "selvedge_http_requests_seconds_count{method=\"GET\",route=\"/api/v1/*\",status=\"401\"} 1")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void theAuthorizationMatrix() {
    sweptStates();
    Map<String, String> paths = new LinkedHashMap<>();
    paths.put(FLEET, "/api/v1/fleet");
    paths.put(NODE, "/api/v1/nodes/app-1");
    paths.put(HISTORY, "/api/v1/nodes/app-1/history");
    paths.put(STACK, "/api/v1/nodes/app-1/stacks/shop");
    paths.put(DRIFT, "/api/v1/nodes/app-1/stacks/shop/drift");
    paths.put(DEPLOYMENTS, "/api/v1/nodes/app-1/stacks/shop/deployments");
    paths.put(KEYS, "/api/v1/keys");
    Map<String, String> who = new LinkedHashMap<>();
    who.put("none", null);
    who.put("malformed", "not-a-token");
    who.put("unknown", "slv_" + "A".repeat(43));
    who.put("revoked", revoked);
    who.put("read", read);
    who.put("operate", operate);
    who.put("admin", admin);
    for (var route : paths.entrySet()) {
      for (var caller : who.entrySet()) {
        // A fresh address budget each time: the matrix is not about the rate limit.
        clock.now = clock.now.plus(ControlPlane.AUTH_WINDOW);
        Answer a = get(route.getKey(), route.getValue(), caller.getValue());
        int expected =
            switch (caller.getKey()) {
              case "none", "malformed", "unknown", "revoked" -> 401;
              case "read", "operate" -> route.getKey().equals(KEYS) ? 403 : 200;
              default -> 200;
            };
        assertThat(a.status())
            .as("%s as %s: %s", route.getValue(), caller.getKey(), a.body())
            .isEqualTo(expected);
        if (expected == 401) {
          assertThat(a.header("WWW-Authenticate")).startsWith("Bearer");
        }
      }
    }
  }

  @Test
  void theFleetWithFilters() {
    sweptStates();
    Answer all = get(FLEET, "/api/v1/fleet", read);
    assertThat(all.body())
        .contains("\"id\":\"app-1\"")
        .contains("\"id\":\"app-2\"")
        .contains("\"id\":\"app-3\"")
        .contains("\"pill\":\"yellow\"")
        .contains("\"summary\":{\"nodes\":3,\"stacks\":4,\"green\":1,\"yellow\":1,\"red\":1}")
        .contains("not swept yet");
    Answer eu = get(FLEET, "/api/v1/fleet?tag=eu", read);
    assertThat(eu.body())
        .contains("\"app-1\"")
        .doesNotContain("\"app-2\"")
        .doesNotContain("\"app-3\"");
    Answer staging = get(FLEET, "/api/v1/fleet?environment=staging", read);
    assertThat(staging.body()).contains("\"app-2\"").doesNotContain("\"app-1\"");
    Answer none = get(FLEET, "/api/v1/fleet?tag=eu&environment=staging", read);
    assertThat(none.body()).endsWith("\"nodes\":[]}");
  }

  @Test
  void aNodeItsStacksAndHistory() {
    sweptStates();
    Answer node = get(NODE, "/api/v1/nodes/app-1", read);
    assertThat(node.status()).isEqualTo(200);
    assertThat(node.body())
        .contains("\"engine\":{\"id\":\"ABCD:EFGH\"")
        .contains("\"project\":\"api-" + suffix + "\"");
    Answer never = get(NODE, "/api/v1/nodes/app-3", read);
    assertThat(never.body())
        .contains("\"engine\":null")
        .contains("\"last_swept_at\":null")
        .contains("\"pill\":\"unknown\"");
    assertThat(get(NODE, "/api/v1/nodes/nope", read).status()).isEqualTo(404);

    Answer status = get(STACK, "/api/v1/nodes/app-1/stacks/shop", read);
    assertThat(status.body()).isEqualTo(report("shop-" + suffix));
    Answer drift = get(DRIFT, "/api/v1/nodes/app-1/stacks/shop/drift", read);
    assertThat(drift.body()).contains("environment.DB_PASSWORD");
    Answer unread = get(STACK, "/api/v1/nodes/app-1/stacks/api", read);
    assertThat(unread.status()).isEqualTo(502);
    assertThat(unread.body()).contains("engine call timed out");
    get(DRIFT, "/api/v1/nodes/app-1/stacks/api/drift", read);
    Answer notYet = get(STACK, "/api/v1/nodes/app-3/stacks/shop", read);
    assertThat(notYet.status()).isEqualTo(409);
    get(DRIFT, "/api/v1/nodes/app-3/stacks/shop/drift", read);
    assertThat(get(STACK, "/api/v1/nodes/app-1/stacks/nope", read).status()).isEqualTo(404);
    assertThat(get(DRIFT, "/api/v1/nodes/nope/stacks/shop/drift", read).status()).isEqualTo(404);

    Answer history = get(HISTORY, "/api/v1/nodes/app-1/history", read);
    assertThat(history.body())
        .contains("\"stack\":\"shop\",\"from\":\"green\",\"to\":\"yellow\"")
        .contains("\"stack\":null,\"from\":null,\"to\":\"green\"");
    assertThat(history.body().indexOf("yellow"))
        .isLessThan(history.body().indexOf("\"from\":null"));
    Answer one = get(HISTORY, "/api/v1/nodes/app-1/history?limit=1", read);
    assertThat(one.body()).doesNotContain("\"from\":null");
    assertThat(get(HISTORY, "/api/v1/nodes/app-1/history?limit=0", read).status()).isEqualTo(400);
    assertThat(get(HISTORY, "/api/v1/nodes/nope/history", read).status()).isEqualTo(404);
  }

  @Test
  void deploymentsAsHistoryShowsThem() {
    sweptStates();
    Fleet.Node node = fleet.get().nodes().get("app-2");
    // Kept under the engine's identity: its daemon ID, from the sweep's facts.
    String host = ControlPlane.historyKey(node, states.node("app-2").orElseThrow());
    assertThat(host).isEqualTo("docker-daemon:WXYZ:0000");
    String project = node.stacks().get("shop").project();
    Instant t0 = Instant.parse("2026-02-01T09:00:00Z");
    for (int i = 0; i < 3; i++) {
      Deployment d =
          store
              .deployments()
              .begin(
                  new Deployment(
                      0,
                      host,
                      project,
                      Deployment.Kind.APPLY,
                      "abc" + i,
                      "ana@ci",
                      t0.plusSeconds(i * 60L),
                      null,
                      Deployment.Outcome.RUNNING,
                      false,
                      "{}",
                      List.of(new Deployment.ServiceImage("web", "nginx:1.27", "sha256:aa", null)),
                      Map.of("web", Map.of("DB_PASSWORD", "hmac:1f2e")),
                      null,
                      ""));
      store
          .deployments()
          .finish(d.id(), Deployment.Outcome.HEALTHY, "applied web", t0.plusSeconds(i * 60L + 5));
    }
    Answer a = get(DEPLOYMENTS, "/api/v1/nodes/app-2/stacks/shop/deployments", read);
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body().indexOf("abc2")).isLessThan(a.body().indexOf("abc0"));
    // The very text `selvedge history --format json` prints.
    assertThat(a.body()).contains("\"outcome\" : \"healthy\"").contains("hmac:1f2e");
    Answer two = get(DEPLOYMENTS, "/api/v1/nodes/app-2/stacks/shop/deployments?limit=2", read);
    assertThat(two.body()).doesNotContain("abc0");
    assertThat(
            get(DEPLOYMENTS, "/api/v1/nodes/app-2/stacks/shop/deployments?limit=x", read).status())
        .isEqualTo(400);
    assertThat(get(DEPLOYMENTS, "/api/v1/nodes/app-2/stacks/none/deployments", read).status())
        .isEqualTo(404);
    Answer empty = get(DEPLOYMENTS, "/api/v1/nodes/app-1/stacks/shop/deployments", read);
    assertThat(empty.body().strip()).isEqualTo("[ ]");
  }

  @Test
  void failedAuthenticationsAreRateLimitedPerAddress() {
    for (int i = 0; i < ControlPlane.AUTH_FAILURES; i++) {
      assertThat(get(FLEET, "/api/v1/fleet", "slv_guess" + i).status()).isEqualTo(401);
    }
    Answer blocked = get(FLEET, "/api/v1/fleet", read);
    assertThat(blocked.status()).isEqualTo(429);
    assertThat(blocked.header("Retry-After")).isEqualTo("60");
    assertThat(blocked.body()).contains("wait 60 s");
    // The open routes are not behind it.
    assertThat(get("/healthz", "/healthz", null).status()).isEqualTo(200);
    clock.now = clock.now.plusSeconds(59);
    assertThat(get(FLEET, "/api/v1/fleet", read).status()).isEqualTo(429);
    clock.now = clock.now.plusSeconds(1);
    assertThat(get(FLEET, "/api/v1/fleet", read).status()).isEqualTo(200);
  }

  @Test
  void keysCreatedOrRevokedElsewhereTakeEffectAtOnce() {
    // Another store on the same database: what `selvedge keys` in another process does.
    Store other = Stores.open(storeConfig(), clock);
    others.add(other);
    ApiKeys cli = new ApiKeys(other.apiKeys(), clock);
    String fresh = token(cli.create("fresh-" + suffix, Scope.READ).token());
    assertThat(get(FLEET, "/api/v1/fleet", fresh).status()).isEqualTo(200);
    cli.revoke("fresh-" + suffix);
    assertThat(get(FLEET, "/api/v1/fleet", fresh).status()).isEqualTo(401);
    Answer keys = get(KEYS, "/api/v1/keys", admin);
    assertThat(keys.body())
        .contains("\"name\":\"fresh-" + suffix + "\",\"scope\":\"read\"")
        .contains("\"name\":\"read-" + suffix + "\"");
    assertThat(keys.body()).contains("\"revoked_at\":\"" + clock.now + "\"");
  }

  @Test
  void errorsAreJsonNeverTraces() {
    Answer unknown = send("/nope", null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body()).isEqualTo("{\"error\":\"not_found\",\"message\":\"no such route\"}");
    Answer api = send("/api/v1/nope", read);
    assertThat(api.status()).isEqualTo(404);
    assertThat(api.body()).startsWith("{\"error\":\"not_found\"");
    Answer post = request("POST", "/api/v1/fleet", read);
    assertThat(post.status()).isIn(404, 405);
    assertThat(post.body()).startsWith("{\"error\":");
    for (String b : List.of(unknown.body(), api.body(), post.body())) {
      assertThat(b).doesNotContain("Exception").doesNotContain("\tat ");
    }
  }

  @Test
  void aStoreThatFailsIs503() {
    sweptStates();
    store.close();
    Answer a = get(FLEET, "/api/v1/fleet", read);
    assertThat(a.status()).isEqualTo(503);
    assertThat(a.body()).startsWith("{\"error\":\"store_unavailable\"").doesNotContain("\tat ");
    Answer ready = get("/readyz", "/readyz", null);
    assertThat(ready.status()).isEqualTo(503);
    // Neither names where the store is (its JDBC URL: host and database, or file): /readyz is
    // open to anyone.
    for (Answer x : List.of(a, ready)) {
      assertThat(x.body())
          .contains("the store cannot be reached; try again shortly")
          .doesNotContain(storeConfig().jdbcUrl())
          .doesNotContainIgnoringCase("jdbc:");
    }
    store = Stores.open(storeConfig(), clock);
  }

  @Test
  void corsOnlyForTheFleetFilesOrigins() {
    Answer allowed = get(FLEET, "/api/v1/fleet", read, "Origin", "https://dash.example.net");
    assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo("https://dash.example.net");
    Answer other = get(FLEET, "/api/v1/fleet", read, "Origin", "https://evil.example.org");
    assertThat(other.header("Access-Control-Allow-Origin")).isNull();
    Answer preflight =
        request(
            "OPTIONS",
            "/api/v1/fleet",
            null,
            "Origin",
            "https://dash.example.net",
            "Access-Control-Request-Method",
            "GET");
    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.header("Access-Control-Allow-Headers")).isEqualTo("Authorization");
    // Off when the fleet file names no origin (a reload takes effect at once).
    fleet.set(fleet(List.of()));
    Answer off = get(FLEET, "/api/v1/fleet", read, "Origin", "https://dash.example.net");
    assertThat(off.header("Access-Control-Allow-Origin")).isNull();
  }

  // ------------------------------------------------------------------------ the audit log

  /** The audit events of one request, by its id. */
  private List<AuditLog.Event> audited(String requestId) {
    return store.audit().find(AuditLog.Query.latest(1000)).stream()
        .filter(e -> requestId.equals(e.requestId()))
        .toList();
  }

  private static String text(AuditLog.Event e) {
    return String.join(
        "|",
        java.util.Arrays.asList(
            e.actor(),
            e.source(),
            e.action(),
            e.node(),
            e.host(),
            e.project(),
            e.service(),
            e.target(),
            e.before(),
            e.after(),
            e.outcome(),
            e.requestId(),
            e.detail()));
  }

  @Test
  void keysAreCreatedAndRevokedByAdminsAndEveryAttemptIsAudited() {
    String name = "ci-" + suffix;
    String body = "{\"name\":\"" + name + "\",\"scope\":\"read\"}";
    Answer none = call("POST", KEYS, "/api/v1/keys", null, body, "X-Request-Id", "none-" + suffix);
    assertThat(none.status()).isEqualTo(401);
    Answer reader =
        call("POST", KEYS, "/api/v1/keys", read, body, "X-Request-Id", "read-" + suffix);
    assertThat(reader.status()).isEqualTo(403);
    Answer created =
        call("POST", KEYS, "/api/v1/keys", admin, body, "X-Request-Id", "admin-" + suffix);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.header("Location")).isEqualTo("/api/v1/keys/" + name);
    // The one answer that shows a token: its own creation's. Every other answer is checked.
    BODIES.remove(created.body());
    String token =
        token(
            java.util.regex.Pattern.compile("\"token\":\"([^\"]+)\"")
                .matcher(created.body())
                .results()
                .findFirst()
                .orElseThrow()
                .group(1));
    assertThat(get(FLEET, "/api/v1/fleet", token).status()).isEqualTo(200);

    // Each one audited at once (before the answer was sent): who, from where, what, how.
    assertThat(audited("none-" + suffix))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.actor()).isEqualTo("anonymous");
              assertThat(e.source()).isEqualTo("127.0.0.1");
              assertThat(e.action()).isEqualTo("POST /api/v1/keys");
              assertThat(e.outcome()).isEqualTo("refused 401");
              assertThat(e.detail()).contains("send an API key");
              assertThat(e.host()).isNull();
            });
    assertThat(audited("read-" + suffix))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.actor()).isEqualTo("key:read-" + suffix);
              assertThat(e.outcome()).isEqualTo("refused 403");
              assertThat(e.detail()).contains("scope admin");
            });
    assertThat(audited("admin-" + suffix))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.actor()).isEqualTo("key:admin-" + suffix);
              assertThat(e.action()).isEqualTo("key.create");
              assertThat(e.outcome()).isEqualTo("accepted 201");
              assertThat(e.after()).isEqualTo("key:" + name + " scope read");
            });

    // Refused: a taken name, bad bodies (400 naming the field), too large.
    assertThat(call("POST", KEYS, "/api/v1/keys", admin, body).status()).isEqualTo(409);
    Answer noScope = call("POST", KEYS, "/api/v1/keys", admin, "{\"name\":\"x-" + suffix + "\"}");
    assertThat(noScope.status()).isEqualTo(400);
    assertThat(noScope.body()).contains("scope: required");
    Answer badScope =
        call("POST", KEYS, "/api/v1/keys", admin, "{\"name\":\"x\",\"scope\":\"root\"}");
    assertThat(badScope.body()).contains("scope: 'root' is not read, operate or admin");
    Answer badName =
        call("POST", KEYS, "/api/v1/keys", admin, "{\"name\":\"a b\",\"scope\":\"read\"}");
    assertThat(badName.status()).isEqualTo(400);
    assertThat(badName.body()).contains("name: use 1 to 100");
    Answer extra =
        call(
            "POST",
            KEYS,
            "/api/v1/keys",
            admin,
            "{\"name\":\"y\",\"scope\":\"read\",\"token\":\"mine\"}");
    assertThat(extra.body()).contains("token: unknown field");
    assertThat(call("POST", KEYS, "/api/v1/keys", admin, "[1]").status()).isEqualTo(400);
    assertThat(call("POST", KEYS, "/api/v1/keys", admin, "{nope").status()).isEqualTo(400);
    Answer large =
        call(
            "POST",
            KEYS,
            "/api/v1/keys",
            admin,
            "{\"name\":\"" + "z".repeat(AuditRoutes.MAX_BODY) + "\",\"scope\":\"read\"}");
    assertThat(large.status()).isEqualTo(413);

    // Revoked, then refused as revoked already; an unknown name is 404.
    Answer revoke =
        call(
            "DELETE", KEY, "/api/v1/keys/" + name, admin, null, "X-Request-Id", "revoke-" + suffix);
    assertThat(revoke.status()).isEqualTo(200);
    assertThat(revoke.body()).contains("\"revoked_at\":\"" + clock.now + "\"");
    assertThat(get(FLEET, "/api/v1/fleet", token).status()).isEqualTo(401);
    assertThat(call("DELETE", KEY, "/api/v1/keys/" + name, admin, null).status()).isEqualTo(409);
    assertThat(call("DELETE", KEY, "/api/v1/keys/nobody-" + suffix, admin, null).status())
        .isEqualTo(404);
    assertThat(audited("revoke-" + suffix))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.action()).isEqualTo("key.revoke");
              assertThat(e.before()).isEqualTo("key:" + name + " scope read");
              assertThat(e.after()).isEqualTo("revoked");
              assertThat(e.outcome()).isEqualTo("accepted 200");
            });
    // Refused before its handler ran, the route still says what was asked.
    call("DELETE", KEY, "/api/v1/keys/" + name, null, null, "X-Request-Id", "anon-" + suffix);
    assertThat(audited("anon-" + suffix))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.action()).isEqualTo("DELETE /api/v1/keys/{name}");
              assertThat(e.outcome()).isEqualTo("refused 401");
            });

    // Every write above is in the log; no token (or its hash) and no planted secret is.
    List<AuditLog.Event> all = store.audit().find(AuditLog.Query.latest(1000));
    assertThat(
            all.stream().filter(e -> e.actor().endsWith(suffix) || "anonymous".equals(e.actor())))
        .hasSizeGreaterThanOrEqualTo(14);
    for (AuditLog.Event e : all) {
      for (String t : TOKENS) {
        assertThat(text(e)).doesNotContain(t).doesNotContain(ApiKeys.hash(t));
      }
      assertThat(text(e)).doesNotContain(PLANTED);
    }
  }

  @Test
  void everyWriteIsAuditedEvenToNoRouteAndReadsAreNot() {
    call("POST", KEYS, "/api/v1/keys", read, "{}", "X-Request-Id", "w1-" + suffix);
    request("POST", "/api/v1/nope", read, "X-Request-Id", "w2-" + suffix);
    request("PUT", "/api/v1/fleet", admin, "X-Request-Id", "w3-" + suffix);
    get(FLEET, "/api/v1/fleet", read, "X-Request-Id", "r1-" + suffix);
    assertThat(audited("w1-" + suffix))
        .extracting(AuditLog.Event::outcome)
        .containsExactly("refused 403");
    assertThat(audited("w2-" + suffix))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.action()).isEqualTo("POST /api/v1/nope");
              assertThat(e.outcome()).isEqualTo("refused 404");
            });
    assertThat(audited("w3-" + suffix))
        .extracting(AuditLog.Event::outcome)
        .singleElement()
        .satisfies(o -> assertThat(o).isIn("refused 404", "refused 405"));
    assertThat(audited("r1-" + suffix)).isEmpty();
  }

  @Test
  void theAuditLogIsReadWithFiltersAndPagesNewestFirst() {
    Instant now = clock.instant();
    String actor = "key:auditor-" + suffix;
    for (int i = 0; i < 5; i++) {
      store
          .audit()
          .record(
              new AuditLog.Event(
                  0,
                  now.minus(Duration.ofMinutes(50 - i * 10L)),
                  actor,
                  "10.0.0.9",
                  i % 2 == 0 ? "service.restart" : "stack.apply",
                  i < 3 ? "app-1" : "app-2",
                  "docker-daemon:ABCD:EFGH",
                  "shop-" + suffix,
                  "web",
                  null,
                  "sha256:" + i,
                  "sha256:" + (i + 1),
                  "accepted 202",
                  "seed-" + i,
                  "operation op-" + i));
    }
    String q = "/api/v1/audit?actor=" + actor;
    Answer all = call("GET", AUDIT, q, read, null);
    assertThat(all.status()).isEqualTo(200);
    assertThat(all.body()).contains("\"next\":null");
    assertThat(all.body().indexOf("seed-4")).isLessThan(all.body().indexOf("seed-0"));
    assertThat(all.body())
        .contains("\"stack\":\"shop-" + suffix + "\"")
        .contains("\"source\":\"10.0.0.9\"")
        .contains("\"before\":\"sha256:0\",\"after\":\"sha256:1\"");

    // Pages of two, following `next`.
    Answer p1 = call("GET", AUDIT, q + "&limit=2", read, null);
    assertThat(p1.body()).contains("seed-4").contains("seed-3").doesNotContain("seed-2");
    String next = field(p1.body(), "next");
    assertThat(next).startsWith("/api/v1/audit?actor=").contains("limit=2").contains("before=");
    Answer p2 = call("GET", AUDIT, next, read, null);
    assertThat(p2.body()).contains("seed-2").contains("seed-1").doesNotContain("seed-3");
    Answer p3 = call("GET", AUDIT, field(p2.body(), "next"), read, null);
    assertThat(p3.body()).contains("seed-0").contains("\"next\":null");

    // Filters: node, stack, action, time as ISO-8601 and as an age.
    assertThat(call("GET", AUDIT, q + "&node=app-2", read, null).body())
        .contains("seed-4")
        .contains("seed-3")
        .doesNotContain("seed-2");
    assertThat(
            call("GET", AUDIT, q + "&action=stack.apply&stack=shop-" + suffix, read, null).body())
        .contains("seed-3")
        .contains("seed-1")
        .doesNotContain("seed-4");
    assertThat(call("GET", AUDIT, q + "&since=25m", read, null).body())
        .contains("seed-4")
        .contains("seed-3")
        .doesNotContain("seed-2");
    assertThat(
            call("GET", AUDIT, q + "&until=" + now.minus(Duration.ofMinutes(35)), read, null)
                .body())
        .contains("seed-0")
        .contains("seed-1")
        .doesNotContain("seed-2");
    assertThat(call("GET", AUDIT, "/api/v1/audit?stack=none-" + suffix, read, null).body())
        .isEqualTo("{\"events\":[],\"next\":null}");

    // Bad input: 400 naming the parameter.
    for (String[] bad :
        new String[][] {
          {"since=yesterday", "since:"},
          {"limit=0", "limit:"},
          {"before=x", "before:"},
          {"actr=x", "actr: unknown query parameter"},
          {"since=1h&until=2h", "since:"}
        }) {
      Answer a = call("GET", AUDIT, "/api/v1/audit?" + bad[0], read, null);
      assertThat(a.status()).as(bad[0]).isEqualTo(400);
      assertThat(a.body()).as(bad[0]).contains(bad[1]);
    }
    assertThat(call("GET", AUDIT, "/api/v1/audit", null, null).status()).isEqualTo(401);
  }

  private static String field(String json, String name) {
    try {
      return dev.selvedge.json.TreeJson.read(
              json.getBytes(java.nio.charset.StandardCharsets.UTF_8), null)
          .path(name)
          .asText();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aWriteWhileTheStoreFailsIs503AndItsLostAuditIsCountedNot500() {
    store.close();
    Answer a =
        call(
            "POST",
            KEYS,
            "/api/v1/keys",
            admin,
            "{\"name\":\"late-" + suffix + "\",\"scope\":\"read\"}");
    assertThat(a.status()).isEqualTo(503);
    assertThat(a.body()).startsWith("{\"error\":\"store_unavailable\"");
    assertThat(metrics.scrape()).contains("selvedge_audit_failures_total 1.0");
    store = Stores.open(storeConfig(), clock);
    assertThat(store.apiKeys().list()).noneMatch(k -> k.name().equals("late-" + suffix));
  }

  @Test
  void theEventStreamUpgradesWithAReadKeyOnly() throws IOException {
    // Refusals are the API's JSON errors; a key in the URL is no key.
    EventClient.Raw none = EventClient.upgrade(plane.port(), "?token=" + read, null);
    assertThat(none.status()).isEqualTo(401);
    BODIES.add(none.headers() + none.body());
    clock.now = clock.now.plus(ControlPlane.AUTH_WINDOW);
    EventClient.Raw revokedKey = EventClient.upgrade(plane.port(), "", "Bearer " + revoked);
    assertThat(revokedKey.status()).isEqualTo(401);
    EventClient.Raw bad = EventClient.upgrade(plane.port(), "?after=x", "Bearer " + read);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("after");
    assertThat(get("/api/v1/events", "/api/v1/events", read).status()).isEqualTo(426);
    assertThat(EventClient.upgrade(plane.port(), "", "Bearer " + read).status()).isEqualTo(101);
    OpenApiCheck.SEEN.add("GET /api/v1/events 101");

    // An event published reaches a client of the database in use, with an id from its store.
    try (EventClient c = EventClient.connect(plane.port(), "?after=0&node=app-1", read)) {
      events.publish(
          dev.selvedge.server.events.ServerEvent.of(
              "drift.detected",
              clock.instant(),
              "app-1",
              "shop",
              null,
              null,
              com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()));
      var m = c.next();
      assertThat(m.get("type").asText()).isEqualTo("drift.detected");
      assertThat(m.get("id").asLong()).isEqualTo(store.events().latestId().orElseThrow());
      BODIES.add(m.toString());
    }
  }

  @Test
  void theClusterShowsReplicasAliveOrNotTheirSweepsAndWhoSweptEachNode() throws Exception {
    // Heartbeats are written on the database's clock and judged against it: this replica's clock
    // (the test's, months away from the database's) plays no part.
    String a = "replica-a-" + suffix;
    String b = "replica-b-" + suffix;
    var beat =
        ReplicaHeartbeat.startOnDatabaseTime(store.replicas(), a, Duration.ofHours(1), line -> {});
    store
        .replicas()
        .register(
            new dev.selvedge.port.ReplicaStore.Replica(
                b, "other-host", 7, "0.9.0", clock.instant(), store.replicas().listing().now()));
    Duration window = ReplicaHeartbeat.PERIOD.multipliedBy(ReplicaHeartbeat.ALIVE_BEATS);
    try {
      // a sweep under way by a (its claim held), app-2's last state written by b's sweep
      var claim = states.claim("app-1", a, Duration.ofMinutes(1)).orElseThrow();
      var ofB = states.claim("app-2", b, Duration.ofMinutes(1)).orElseThrow();
      sweptStates();
      states.record(ofB, states.node("app-2").orElseThrow(), List.of());
      states.release(ofB);
      // a beats; b's last beat was two periods ago on the database's clock: still alive
      beat.beat();
      store
          .replicas()
          .heartbeat(
              b, store.replicas().listing().now().minus(ReplicaHeartbeat.PERIOD.multipliedBy(2)));
      Answer one = get(CLUSTER, "/api/v1/cluster", read);
      assertThat(one.status()).isEqualTo(200);
      var tree = dev.selvedge.json.TreeJson.readFirst(one.body());
      var ra = replica(tree, a);
      assertThat(ra.get("alive").asBoolean()).isTrue();
      assertThat(ra.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
      assertThat(Instant.parse(ra.get("heartbeat_at").asText()))
          .isAfter(store.replicas().listing().now().minus(window))
          .isNotEqualTo(clock.instant());
      assertThat(ra.get("claims")).hasSize(1);
      assertThat(ra.get("claims").get(0).get("node").asText()).isEqualTo("app-1");
      assertThat(ra.get("claims").get(0).get("token").asLong()).isEqualTo(claim.token());
      var rb = replica(tree, b);
      assertThat(rb.get("alive").asBoolean()).isTrue();
      assertThat(rb.get("swept_nodes").asInt()).isEqualTo(1);
      assertThat(rb.get("claims")).isEmpty();
      assertThat(get(NODE, "/api/v1/nodes/app-2", read).body())
          .contains("\"swept_by\":\"" + b + "\"");
      assertThat(get(FLEET, "/api/v1/fleet", read).body())
          .contains("\"swept_by\":\"" + b + "\"")
          .contains("\"swept_by\":null");

      // b misses its third beat: shown dead (whatever this replica's clock says); a keeps beating
      store.replicas().heartbeat(b, store.replicas().listing().now().minus(window.plusSeconds(1)));
      clock.now = clock.now.minus(Duration.ofDays(365));
      beat.beat();
      var later =
          dev.selvedge.json.TreeJson.readFirst(get(CLUSTER, "/api/v1/cluster", read).body());
      assertThat(replica(later, b).get("alive").asBoolean()).isFalse();
      assertThat(replica(later, a).get("alive").asBoolean()).isTrue();

      // a replica forgotten while it was paused registers again on its next beat
      store.replicas().remove(a);
      beat.beat();
      assertThat(store.replicas().replicas()).anyMatch(r -> r.id().equals(a));
    } finally {
      beat.close();
      store.replicas().remove(b);
    }
    assertThat(store.replicas().replicas()).noneMatch(r -> r.id().equals(a));
    assertThat(get(CLUSTER, "/api/v1/cluster", null).status()).isEqualTo(401);
    store.close();
    assertThat(get(CLUSTER, "/api/v1/cluster", read).status()).isEqualTo(503);
    store = Stores.open(storeConfig(), clock);
  }

  static final String CLUSTER = "/api/v1/cluster";

  private static com.fasterxml.jackson.databind.JsonNode replica(
      com.fasterxml.jackson.databind.JsonNode cluster, String id) {
    for (var r : cluster.get("replicas")) {
      if (r.get("id").asText().equals(id)) {
        return r;
      }
    }
    throw new AssertionError("no replica " + id + " in " + cluster);
  }
}
