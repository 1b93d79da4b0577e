package dev.selvedge.server;

import static dev.selvedge.server.InProcessServer.docker;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.port.Lease;
import dev.selvedge.port.OperationStore;
import dev.selvedge.port.Store;
import dev.selvedge.server.ApiCalls.Answer;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.ServerEvent;
import dev.selvedge.store.StoreConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations API in process against the real engine, registry and an H2 store ({@code
 * OperationsPostgresIT}: PostgreSQL): apply, rollback, restart, stop, start run the CLI's use cases
 * on the local engine (images {@code app:good}, which serves /healthz, and {@code app:bad}, which
 * never becomes healthy, from scripts/test-services.sh). Every answer is checked against the
 * OpenAPI document, and none, nor any event, carries the planted secret. Containers are labelled
 * {@code dev.selvedge.test=1} under a unique project and removed after each test.
 */
class OperationsIT {
  private static final String TOKEN = "tok-OPS-s3cret-51c9";
  private static final String NODE = "local";
  private static final String STACK_NAME = "shop";
  private static Properties facts;
  private static String good;
  private static String bad;
  private static String busybox;
  private static final List<String> BODIES = Collections.synchronizedList(new ArrayList<>());

  @TempDir Path tmp;
  private String project;
  private int port;
  private Path repo;
  private InProcessServer server;
  private Store store;
  private ControlPlane plane;
  private String read;
  private String operate;
  private String operateName;
  private final List<ServerEvent> events = Collections.synchronizedList(new ArrayList<>());
  private volatile CountDownLatch hold;
  private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
  private final ApiCalls api = new ApiCalls(() -> plane.port(), BODIES);

  @BeforeAll
  static void services() {
    facts = InProcessServer.facts(true);
    String registry = facts.getProperty("SELVEDGE_TEST_REGISTRY");
    good = registry + "/selvedge-test/app:good";
    bad = registry + "/selvedge-test/app:bad";
    busybox = facts.getProperty("SELVEDGE_TEST_IMAGE", "selvedge-test/busybox:1");
  }

  @BeforeEach
  void up() throws Exception {
    project = "selvedge-ops-" + UUID.randomUUID().toString().substring(0, 8);
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    repo = Files.createDirectories(tmp.resolve("repo"));
    Files.writeString(repo.resolve(".env"), "API_TOKEN=" + TOKEN + "\n");
    Files.writeString(repo.resolve(".env.example"), "API_TOKEN=\n");
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    nodes.put(
        NODE,
        new Fleet.Node(
            NODE,
            InProcessServer.localEngine(facts),
            null,
            null,
            null,
            List.of(),
            Map.of(STACK_NAME, new Fleet.Stack(STACK_NAME, repo, project, null, null))));
    Fleet fleet = new Fleet(tmp.resolve("fleet.yaml"), Fleet.Poll.DEFAULT, nodes, List.of());
    server =
        InProcessServer.start(
            tmp,
            fleet,
            InProcessServer.Options.DEFAULT
                .store(storeConfig())
                .publisher(hub -> event -> published(hub, event))
                .gateTimeout(Duration.ofSeconds(60))
                .sweepEvery(Duration.ofSeconds(30)));
    store = server.store();
    plane = server.plane();
    read = server.read();
    operate = server.operate();
    operateName = server.operateName();
  }

  /** The store of this test: an H2 file of its own; PostgreSQL in {@code OperationsPostgresIT}. */
  protected StoreConfig storeConfig() {
    return new StoreConfig(
        "jdbc:h2:file:" + tmp.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null);
  }

  /** The event publisher: records, and holds an operation at its start while a test says so. */
  private void published(EventHub hub, ServerEvent event) {
    events.add(event);
    hub.publish(event);
    CountDownLatch h = hold;
    if (h != null && event.type().equals("operation.started")) {
      try {
        h.await(120, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @AfterEach
  void down() throws Exception {
    CountDownLatch h = hold;
    if (h != null) {
      h.countDown();
    }
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      InProcessServer.removeProject(project);
      background.shutdownNow();
    }
    synchronized (events) {
      for (ServerEvent e : events) {
        assertThat(e.toString()).doesNotContain(TOKEN);
        assertThat(e.node()).isEqualTo(NODE);
      }
    }
  }

  @AfterAll
  static void noSecretInAnyAnswer() {
    for (String body : BODIES) {
      assertThat(body).doesNotContain(TOKEN);
    }
  }

  // ------------------------------------------------------------------------------- fixture

  private void contract(String image, String mode, boolean selfCritical) throws IOException {
    Files.writeString(
        repo.resolve("compose.yaml"),
        InProcessServer.webContract(project, image, mode, port, selfCritical));
  }

  private Answer call(
      String method, String route, String path, String token, String body, String... headers) {
    return api.call(method, route, path, token, body, headers);
  }

  static final String STACK = "/api/v1/nodes/{node}/stacks/{stack}";
  static final String OPERATION = "/api/v1/operations/{id}";

  private String stack(String tail) {
    return "/api/v1/nodes/" + NODE + "/stacks/" + STACK_NAME + tail;
  }

  private Answer post(String tail, String token, String body, String... headers) {
    String route = STACK + tail.replaceFirst("^/services/[^/]+/", "/services/{service}/");
    return call("POST", route, stack(tail), token, body, headers);
  }

  /** Starts {@code tail} (apply, rollback, a service's verb) and waits for its end. */
  private JsonNode run(String tail, String body, String... headers) {
    Answer a = post(tail, operate, body, headers);
    assertThat(a.status()).as(a.body()).isEqualTo(202);
    String id = a.json().get("operation").asText();
    assertThat(a.header("Location")).isEqualTo("/api/v1/operations/" + id);
    return waitFor(id);
  }

  /** Polls the operation until it is in a terminal state. */
  private JsonNode waitFor(String id) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    while (true) {
      Answer a = call("GET", OPERATION, "/api/v1/operations/" + id, read, null);
      assertThat(a.status()).as(a.body()).isEqualTo(200);
      JsonNode op = a.json();
      String state = op.get("state").asText();
      if (!state.equals("queued") && !state.equals("running")) {
        return op;
      }
      assertThat(System.nanoTime()).as("operation %s still %s", id, state).isLessThan(deadline);
      pause();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(100); // polling a condition, not waiting for a time to pass
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private String daemonKey() throws Exception {
    return "docker-daemon:" + docker("info", "-f", "{{.ID}}").strip();
  }

  private String webEnv() throws Exception {
    String id =
        docker(
                "ps",
                "-q",
                "--filter",
                "label=com.docker.compose.project=" + project,
                "--filter",
                "label=com.docker.compose.service=web")
            .strip();
    assertThat(id).isNotEmpty();
    return docker("inspect", "-f", "{{json .Config.Env}}", id);
  }

  // --------------------------------------------------------------------------------- tests

  @Test
  void applyAFailingImageRestoresThePreviousContainerAndRollbackGoesBack() throws Exception {
    contract(good, "one", false);
    Answer plan = post("/plan", read, null);
    assertThat(plan.status()).as(plan.body()).isEqualTo(200);
    assertThat(plan.json().get("changes").asBoolean()).isTrue();
    assertThat(plan.json().get("project").asText()).isEqualTo(project);

    JsonNode first = run("/apply", null);
    assertThat(first.get("state").asText()).as(first.toString()).isEqualTo("succeeded");
    assertThat(first.at("/result/outcome").asText()).isEqualTo("healthy");
    assertThat(first.get("actor").asText()).isEqualTo("key:" + operateName);
    assertThat(first.get("steps").size()).isPositive();
    assertThat(first.get("node").asText()).isEqualTo(NODE);
    long one = first.at("/result/deployment").asLong();
    assertThat(webEnv()).contains("MODE=one");

    contract(good, "two", false);
    assertThat(run("/apply", "{}").get("state").asText()).isEqualTo("succeeded");
    assertThat(webEnv()).contains("MODE=two");

    contract(bad, "three", false);
    JsonNode failed = run("/apply", null);
    assertThat(failed.get("state").asText()).as(failed.toString()).isEqualTo("failed");
    assertThat(failed.at("/result/outcome").asText()).isEqualTo("rolled-back");
    assertThat(failed.at("/result/services/0/status").asText()).isEqualTo("rolled-back");
    assertThat(webEnv()).contains("MODE=two"); // the previous container is back
    // The failed apply's outcome is in the audit log, on the fleet node, by the key, with the
    // request that started it.
    String failedId = failed.get("id").asText();
    Answer audit =
        call("GET", "/api/v1/audit", "/api/v1/audit?node=" + NODE + "&action=apply", read, null);
    assertThat(audit.status()).as(audit.body()).isEqualTo(200);
    JsonNode outcomeRow = null;
    for (JsonNode e : audit.json().get("events")) {
      if (e.get("detail").asText().equals("operation " + failedId)
          && !e.get("outcome").asText().startsWith("accepted")) {
        outcomeRow = e;
      }
    }
    assertThat(outcomeRow).as(audit.body()).isNotNull();
    assertThat(outcomeRow.get("outcome").asText()).isEqualTo("failed: rolled-back");
    assertThat(outcomeRow.get("actor").asText()).isEqualTo("key:" + operateName);
    assertThat(outcomeRow.get("stack").asText()).isEqualTo(project);
    assertThat(outcomeRow.get("host").asText()).isEqualTo(daemonKey());
    assertThat(outcomeRow.get("request_id").asText()).isEqualTo(failed.get("request_id").asText());
    assertThat(outcomeRow.get("source").asText()).isEqualTo("127.0.0.1");
    assertThat(outcomeRow.get("before").asText()).startsWith("deployment ").endsWith("(healthy)");
    assertThat(outcomeRow.get("after").asText())
        .isEqualTo("deployment " + failed.at("/result/deployment").asText() + " (rolled-back)");
    // The core's per-container rows of the API's applies carry the node and the request too.
    assertThat(store.audit().recent(daemonKey(), project, 50))
        .filteredOn(e -> e.action().startsWith("apply "))
        .isNotEmpty()
        .allMatch(e -> NODE.equals(e.node()) && e.requestId() != null && e.source() != null);

    JsonNode back = run("/rollback", "{}");
    assertThat(back.get("state").asText()).as(back.toString()).isEqualTo("succeeded");
    assertThat(webEnv()).contains("MODE=one").contains("API_TOKEN=" + TOKEN);
    // Recorded in the deployment history of the daemon, as the CLI's, by the key.
    var history = store.deployments().history(daemonKey(), project, 10);
    assertThat(history).hasSize(4);
    assertThat(history.get(0).kind()).isEqualTo(dev.selvedge.port.Deployment.Kind.ROLLBACK);
    assertThat(history.get(0).rollbackOf()).isEqualTo(one);
    assertThat(history).allMatch(d -> d.actor().equals("key:" + operateName));

    JsonNode nowhere = run("/rollback", "{\"to\": 999999999}");
    assertThat(nowhere.get("state").asText()).isEqualTo("failed");
    assertThat(nowhere.at("/result/error").asText()).contains("999999999");

    // The events of the operations: in order, on the fleet's node id, without the secret.
    List<ServerEvent> firstEvents;
    String firstId = first.get("id").asText();
    synchronized (events) {
      firstEvents = events.stream().filter(e -> firstId.equals(e.operation())).toList();
    }
    assertThat(firstEvents.get(0).type()).isEqualTo("operation.started");
    assertThat(firstEvents.get(firstEvents.size() - 1).type()).isEqualTo("operation.finished");
    assertThat(firstEvents).extracting(ServerEvent::type).contains("operation.step");
    assertThat(firstEvents).allMatch(e -> e.stack().equals(STACK_NAME));
  }

  @Test
  void writesNeedAnOperateKeyOneAtATimeAndSelfCriticalServicesAConfirmation() throws Exception {
    contract(good, "one", true);
    assertThat(post("/apply", null, null).status()).isEqualTo(401);
    Answer forbidden = post("/apply", read, null);
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(forbidden.body()).contains("operate");

    hold = new CountDownLatch(1);
    Answer started = post("/apply", operate, null);
    assertThat(started.status()).as(started.body()).isEqualTo(202);
    String id = started.json().get("operation").asText();
    Answer busy = post("/apply", operate, null);
    assertThat(busy.status()).isEqualTo(409);
    assertThat(busy.body()).contains("key:" + operateName).contains(id).contains("since");
    assertThat(
            post("/services/web/restart", operate, null, "X-Confirm-Self-Restart", "yes").status())
        .isEqualTo(409);
    assertThat(
            call("GET", OPERATION, "/api/v1/operations/" + id, read, null)
                .json()
                .get("state")
                .asText())
        .isIn("queued", "running");
    hold.countDown();
    hold = null;
    assertThat(waitFor(id).get("state").asText()).isEqualTo("succeeded");

    Answer unconfirmed = post("/services/web/restart", operate, null);
    assertThat(unconfirmed.status()).isEqualTo(428);
    assertThat(unconfirmed.body()).contains("X-Confirm-Self-Restart: yes");
    assertThat(post("/services/web/stop", operate, null, "X-Confirm-Self-Restart", "no").status())
        .isEqualTo(428);
    JsonNode restarted = run("/services/web/restart", null, "X-Confirm-Self-Restart", "yes");
    assertThat(restarted.get("state").asText()).as(restarted.toString()).isEqualTo("succeeded");
    assertThat(restarted.at("/result/containers/0").asText()).isEqualTo(project + "-web-1");
    assertThat(
            run("/services/web/stop", null, "X-Confirm-Self-Restart", "yes").get("state").asText())
        .isEqualTo("succeeded");
    assertThat(docker("inspect", "-f", "{{.State.Running}}", project + "-web-1").strip())
        .isEqualTo("false");
    // Starting cannot cut anyone off: no confirmation.
    assertThat(run("/services/web/start", null).get("state").asText()).isEqualTo("succeeded");
    assertThat(docker("inspect", "-f", "{{.State.Running}}", project + "-web-1").strip())
        .isEqualTo("true");
    // Audited by the core use case with the key as actor.
    assertThat(store.audit().recent(daemonKey(), project, 20))
        .anyMatch(e -> e.actor().startsWith("key:" + operateName));

    // A CLI holding the project's lease on this daemon: 409 naming it.
    Lease cli =
        store
            .leases()
            .acquire(
                daemonKey(), project, "alice@laptop (pid 4242)", "apply", Duration.ofMinutes(1));
    try {
      Answer held = post("/apply", operate, null);
      assertThat(held.status()).isEqualTo(409);
      assertThat(held.body()).contains("alice@laptop (pid 4242)").contains("since");
    } finally {
      store.leases().release(cli);
    }
  }

  @Test
  void aRetriedRequestWithTheSameIdempotencyKeyGetsTheFirstOperation() throws Exception {
    contract(good, "one", false);
    hold = new CountDownLatch(1);
    Answer first = post("/apply", operate, null, "Idempotency-Key", "deploy-42");
    assertThat(first.status()).isEqualTo(202);
    String id = first.json().get("operation").asText();
    Answer again = post("/apply", operate, null, "Idempotency-Key", "deploy-42");
    assertThat(again.status()).isEqualTo(202);
    assertThat(again.json().get("operation").asText()).isEqualTo(id);
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    Answer other = post("/apply", operate, "{\"force\": true}", "Idempotency-Key", "deploy-42");
    assertThat(other.status()).isEqualTo(422);
    assertThat(other.body()).contains("idempotency_key_reused");
    assertThat(post("/apply", operate, null, "Idempotency-Key", "two words").status())
        .isEqualTo(400);
    hold.countDown();
    hold = null;
    assertThat(waitFor(id).get("state").asText()).isEqualTo("succeeded");
    // After it ended, a retry still answers it (and starts nothing).
    Answer late = post("/apply", operate, null, "Idempotency-Key", "deploy-42");
    assertThat(late.json().get("operation").asText()).isEqualTo(id);
    assertThat(late.json().get("state").asText()).isEqualTo("succeeded");
    assertThat(store.deployments().history(daemonKey(), project, 10)).hasSize(1);
  }

  @Test
  void aPlanIsScrubbedOfTheProjectsSecretValues() throws Exception {
    // The secret substituted into the image's tag: the plan names the image, and says why.
    contract(good.substring(0, good.lastIndexOf(':')) + ":${API_TOKEN}", "one", false);
    Answer plan = post("/plan", read, null);
    assertThat(plan.status()).as(plan.body()).isEqualTo(200);
    assertThat(plan.body()).doesNotContain(TOKEN).contains("selvedge-test/app:");
    assertThat(plan.body()).contains(dev.selvedge.contract.SecretValues.MASK);
  }

  @Test
  void concurrentRequestsWithOneIdempotencyKeyGetOneOperation() throws Exception {
    contract(good, "one", false);
    hold = new CountDownLatch(1);
    int n = 5;
    CountDownLatch go = new CountDownLatch(1);
    List<java.util.concurrent.Future<Answer>> answers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      answers.add(
          background.submit(
              () -> {
                go.await();
                return post("/apply", operate, null, "Idempotency-Key", "together-1");
              }));
    }
    go.countDown();
    java.util.Set<String> ids = new java.util.HashSet<>();
    int replayed = 0;
    for (var f : answers) {
      Answer a = f.get(120, TimeUnit.SECONDS);
      assertThat(a.status()).as(a.body()).isEqualTo(202);
      ids.add(a.json().get("operation").asText());
      if ("true".equals(a.header("Idempotent-Replayed"))) {
        replayed++;
      }
    }
    assertThat(ids).hasSize(1);
    assertThat(replayed).isEqualTo(n - 1);
    hold.countDown();
    hold = null;
    assertThat(waitFor(ids.iterator().next()).get("state").asText()).isEqualTo("succeeded");
    assertThat(store.deployments().history(daemonKey(), project, 10)).hasSize(1);
  }

  @Test
  void badRequestsAreRefusedNamingWhatIsWrong() throws Exception {
    contract(good, "one", false);
    Answer big = post("/apply", operate, "{\"force\": \"" + "x".repeat(70_000) + "\"}");
    assertThat(big.status()).isEqualTo(413);
    Answer unknown = post("/apply", operate, "{\"forse\": true}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body()).contains("forse");
    Answer badTo = post("/rollback", operate, "{\"to\": \"yesterday\"}");
    assertThat(badTo.status()).isEqualTo(400);
    assertThat(badTo.body()).contains("to:");
    assertThat(post("/apply", operate, "[1]").status()).isEqualTo(400);
    assertThat(post("/apply", operate, "{not json").status()).isEqualTo(400);
    assertThat(post("/services/web/restart", operate, "{\"to\": 1}").status()).isEqualTo(400);
    Answer noService = post("/services/nope/restart", operate, null);
    assertThat(noService.status()).isEqualTo(404);
    assertThat(noService.body()).contains("nope").contains("web");
    assertThat(
            call("POST", STACK + "/apply", "/api/v1/nodes/nowhere/stacks/shop/apply", operate, null)
                .status())
        .isEqualTo(404);
    assertThat(
            call(
                    "POST",
                    STACK + "/apply",
                    "/api/v1/nodes/local/stacks/nothing/apply",
                    operate,
                    null)
                .status())
        .isEqualTo(404);
    assertThat(call("GET", OPERATION, "/api/v1/operations/feedface", read, null).status())
        .isEqualTo(404);
    // Nothing was recorded or run.
    assertThat(store.operations().unfinished(NODE, STACK_NAME)).isEmpty();
    assertThat(store.deployments().history(daemonKey(), project, 10)).isEmpty();
  }

  @Test
  void aStoreThatCannotBeWrittenRefusesMutationsAndRunsNothing() throws Exception {
    contract(good, "one", false);
    store.close();
    Answer a = post("/apply", operate, null);
    assertThat(a.status()).isEqualTo(503);
    assertThat(docker("ps", "-aq", "--filter", "label=com.docker.compose.project=" + project))
        .isBlank();
  }

  @Test
  void anEndTheStoreDidNotTakeIsRecordedLaterAndFreesTheStack() throws Exception {
    contract(good, "one", false);
    hold = new CountDownLatch(1);
    Answer started = post("/apply", operate, null);
    assertThat(started.status()).as(started.body()).isEqualTo(202);
    String id = started.json().get("operation").asText();
    waitForEvent(id, "operation.started");
    // A blip of the store: the operations' table is gone while the operation ends.
    sql("ALTER TABLE operation RENAME TO operation_away");
    try {
      hold.countDown();
      hold = null;
      waitForEvent(id, "operation.finished");
    } finally {
      sql("ALTER TABLE operation_away RENAME TO operation");
    }
    // The end is recorded once the store takes it again, without a restart.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      String state = store.operations().find(id).orElseThrow().state().label();
      if (!state.equals("running")) {
        assertThat(state).isEqualTo("succeeded");
        break;
      }
      assertThat(System.nanoTime()).as("operation %s still running", id).isLessThan(deadline);
      pause();
    }
    JsonNode op = call("GET", OPERATION, "/api/v1/operations/" + id, read, null).json();
    assertThat(op.at("/result/outcome").asText()).isEqualTo("healthy");
    // Its outcome was audited once.
    assertThat(store.audit().recent(daemonKey(), project, 50))
        .filteredOn(e -> e.detail().equals("operation " + id))
        .hasSize(1);
    assertThat(run("/apply", null).get("state").asText()).isEqualTo("succeeded");
  }

  @Test
  void aStoredOperationThisServerDoesNotRunAndOlderThanItDoesNotBlockTheStack() throws Exception {
    contract(good, "one", false);
    // Left queued by an earlier run of the server that could not mark it at start-up.
    String stale = "s" + UUID.randomUUID().toString().replace("-", "");
    store
        .operations()
        .create(
            new OperationStore.Operation(
                stale,
                NODE,
                STACK_NAME,
                null,
                "apply",
                OperationStore.State.QUEUED,
                "key:" + operateName,
                "req",
                null,
                "h",
                Instant.now().minus(Duration.ofHours(1)),
                null,
                null,
                null,
                null,
                null));
    JsonNode op = run("/apply", null);
    assertThat(op.get("state").asText()).as(op.toString()).isEqualTo("succeeded");
  }

  /** Waits until the event stream carried {@code type} of operation {@code id}. */
  private void waitForEvent(String id, String type) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      synchronized (events) {
        if (events.stream().anyMatch(e -> id.equals(e.operation()) && e.type().equals(type))) {
          return;
        }
      }
      assertThat(System.nanoTime()).as("%s of %s", type, id).isLessThan(deadline);
      pause();
    }
  }

  /** Runs {@code statement} on the store's database, as its owner. */
  private void sql(String statement) throws java.sql.SQLException {
    StoreConfig c = storeConfig();
    try (java.sql.Connection conn =
            java.sql.DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password());
        java.sql.Statement st = conn.createStatement()) {
      st.execute(statement);
    }
  }

  @Test
  void anOperationWhoseRequestCannotBeAuditedRunsNothing() throws Exception {
    contract(good, "one", false);
    sql("ALTER TABLE audit_event RENAME TO audit_event_away");
    Answer a;
    try {
      a = post("/apply", operate, null);
    } finally {
      sql("ALTER TABLE audit_event_away RENAME TO audit_event");
    }
    assertThat(a.status()).as(a.body()).isEqualTo(503);
    assertThat(docker("ps", "-aq", "--filter", "label=com.docker.compose.project=" + project))
        .isBlank();
    assertThat(store.deployments().history(daemonKey(), project, 10)).isEmpty();
    // Once the store takes it again, an operation's request is audited once, before it ran.
    JsonNode op = run("/apply", null);
    assertThat(op.get("state").asText()).isEqualTo("succeeded");
    String detail = "operation " + op.get("id").asText();
    var rows =
        store
            .audit()
            .find(
                new dev.selvedge.port.AuditLog.Query(
                    null, NODE, null, "apply", null, null, null, 50));
    assertThat(rows)
        .filteredOn(e -> e.detail().equals(detail) && e.outcome().equals("accepted 202"))
        .hasSize(1);
    assertThat(rows)
        .filteredOn(e -> e.detail().equals(detail) && e.outcome().equals("succeeded: healthy"))
        .hasSize(1);
  }

  @Test
  void operationsLeftUnfinishedByAStoppedServerAreInterruptedAtStartUp() {
    String queued = "q" + UUID.randomUUID().toString().replace("-", "");
    String running = "r" + UUID.randomUUID().toString().replace("-", "");
    for (String id : List.of(queued, running)) {
      store
          .operations()
          .create(
              new OperationStore.Operation(
                  id,
                  NODE,
                  STACK_NAME,
                  null,
                  "apply",
                  OperationStore.State.QUEUED,
                  "key:" + operateName,
                  "req",
                  null,
                  "h",
                  Instant.now(),
                  null,
                  null,
                  null,
                  null,
                  null));
    }
    store.operations().started(running, Instant.now());
    plane = server.restart();
    for (String id : List.of(queued, running)) {
      JsonNode op = call("GET", OPERATION, "/api/v1/operations/" + id, read, null).json();
      assertThat(op.get("state").asText()).isEqualTo("interrupted");
      assertThat(op.get("finished_at").isNull()).isFalse();
    }
    // No longer in the way of a new operation.
    assertThat(store.operations().unfinished(NODE, STACK_NAME)).isEmpty();
  }

  @Test
  void logsAreBoundedAndScrubbed() throws Exception {
    contract(good, "one", false);
    String script =
        "echo \"opening with $API_TOKEN\"; i=0; while [ $i -lt 12000 ]; do echo \"line $i "
            + "x".repeat(150)
            + "\"; i=$((i+1)); done; echo \"closing with $API_TOKEN\"; echo done-marker; sleep 600";
    docker(
        "run",
        "-d",
        "--label",
        "dev.selvedge.test=1",
        "--label",
        "com.docker.compose.project=" + project,
        "--label",
        "com.docker.compose.service=web",
        "--name",
        project + "-web-1",
        "-e",
        "API_TOKEN=" + TOKEN,
        busybox,
        "sh",
        "-c",
        script);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!docker("logs", "--tail", "1", project + "-web-1").contains("done-marker")) {
      assertThat(System.nanoTime()).as("the log was written").isLessThan(deadline);
      pause();
    }
    String logs = STACK + "/services/{service}/logs";
    Answer few = call("GET", logs, stack("/services/web/logs?tail=3"), read, null);
    assertThat(few.status()).as(few.body()).isEqualTo(200);
    JsonNode lines = few.json().at("/containers/0/lines");
    assertThat(lines).hasSize(3);
    assertThat(lines.get(2).asText()).isEqualTo("done-marker");
    assertThat(lines.get(1).asText()).startsWith("closing with ").doesNotContain(TOKEN);
    assertThat(few.json().at("/containers/0/tail_reached").asBoolean()).isTrue();
    assertThat(few.json().get("limits_hit")).isEmpty();

    Answer all = call("GET", logs, stack("/services/web/logs?tail=all&since=1h"), read, null);
    assertThat(all.status()).isEqualTo(200);
    assertThat(all.body().length()).isLessThan(OperationRoutes.MAX_LOG_BYTES + 100_000);
    assertThat(all.json().at("/containers/0/lines_left_out").asInt()).isPositive();
    assertThat(all.json().get("limits_hit").toString()).contains("bytes").contains("tail");

    assertThat(call("GET", logs, stack("/services/web/logs?tail=0"), read, null).status())
        .isEqualTo(400);
    Answer since = call("GET", logs, stack("/services/web/logs?since=lately"), read, null);
    assertThat(since.status()).isEqualTo(400);
    assertThat(since.body()).contains("since");
    assertThat(call("GET", logs, stack("/services/nope/logs"), read, null).status()).isEqualTo(404);
    assertThat(call("GET", logs, stack("/services/web/logs"), null, null).status()).isEqualTo(401);
  }

  @Test
  void aSweepOnRequestRunsAndIsRateLimitedPerNode() {
    String route = "/api/v1/nodes/{node}/sweep";
    Answer first = call("POST", route, "/api/v1/nodes/local/sweep", read, null);
    assertThat(first.status()).as(first.body()).isEqualTo(202);
    Answer again = call("POST", route, "/api/v1/nodes/local/sweep", read, null);
    assertThat(again.status()).isEqualTo(429);
    assertThat(Integer.parseInt(again.header("Retry-After"))).isBetween(1, 30);
    assertThat(call("POST", route, "/api/v1/nodes/nowhere/sweep", read, null).status())
        .isEqualTo(404);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (store.fleetState().node(NODE).isEmpty()) {
      assertThat(System.nanoTime()).as("the sweep was recorded").isLessThan(deadline);
      pause();
    }
  }
}
