package dev.selvedge.server;

import static dev.selvedge.server.InProcessServer.docker;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.fleet.AuditSchedule;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.server.ApiCalls.Answer;
import dev.selvedge.server.events.ServerEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
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
  private InProcessServer server;
  private ControlPlane plane;
  private String read;
  private String operate;
  private final List<String> bodies = new ArrayList<>();
  private final List<ServerEvent> published = new CopyOnWriteArrayList<>();
  private final ApiCalls api = new ApiCalls(() -> plane.port(), bodies);

  @BeforeAll
  static void services() {
    facts = InProcessServer.facts(false);
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
    String local = InProcessServer.localEngine(facts);
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
    plane = server.plane();
    read = server.read();
    operate = server.operate();
  }

  private Fleet.Node node(String id, String engine, String tenant, Path contract) {
    return new Fleet.Node(
        id,
        engine,
        null,
        null,
        null,
        List.of(),
        Map.of(tenant, new Fleet.Stack(tenant, contract, prefix + "-" + tenant, null, null)));
  }

  @AfterEach
  void down() throws Exception {
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      for (String t : List.of("a", "b")) {
        InProcessServer.removeProject(prefix + "-" + t);
      }
    }
    for (String body : bodies) {
      assertThat(body).doesNotContain(SECRET);
    }
  }

  private Answer call(String method, String route, String path, String token) {
    return api.call(method, route, path, token, null);
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
    assertThat(r.get("trigger").asText()).isEqualTo("request:" + server.operateName());
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
}
