package dev.selvedge.server;

import static dev.selvedge.server.InProcessServer.docker;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.server.ApiCalls.Answer;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
  private InProcessServer server;
  private ControlPlane plane;
  private String read;
  private final List<String> bodies = new ArrayList<>();
  private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
  private final ApiCalls api = new ApiCalls(() -> plane.port(), bodies);
  private final List<ServerSocketChannel> stuck = new ArrayList<>();

  @BeforeAll
  static void services() {
    facts = InProcessServer.facts(false);
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
    String local = InProcessServer.localEngine(facts);
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    nodes.put("one", node("one", local, "prod", same));
    nodes.put("two", node("two", local, "prod", same));
    nodes.put("three", node("three", local, "staging", other));
    nodes.put("gone", node("gone", "unix://" + tmp.resolve("no.sock"), "dev", same));
    for (int i = 0; i < ParityRoutes.AT_ONCE; i++) {
      Path socket = tmp.resolve("stuck-" + i + ".sock");
      ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      silent.bind(UnixDomainSocketAddress.of(socket));
      stuck.add(silent);
      nodes.put("stuck-" + i, node("stuck-" + i, "unix://" + socket, "dev", same));
    }
    Fleet fleet = new Fleet(tmp.resolve("fleet.yaml"), Fleet.Poll.DEFAULT, nodes, List.of());
    server = InProcessServer.start(tmp, fleet, InProcessServer.Options.DEFAULT);
    plane = server.plane();
    read = server.read();
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
      for (ServerSocketChannel s : stuck) {
        s.close();
      }
      if (server != null) {
        server.close();
      }
    } finally {
      InProcessServer.removeProject(project);
      background.shutdownNow();
    }
    for (String body : bodies) {
      assertThat(body).doesNotContain(SECRET);
    }
  }

  private Answer get(String query, String token) {
    return api.get(ROUTE, ROUTE + query, token);
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

  @Test
  void comparisonsBeyondTheServersLimitAreBusyNotQueued() throws Exception {
    // Engines that accept a connection and never answer hold a comparison for its whole timeout.
    List<java.util.concurrent.Future<Answer>> held = new ArrayList<>();
    List<SocketChannel> accepted = new ArrayList<>();
    for (int i = 0; i < ParityRoutes.AT_ONCE; i++) {
      String query = q("stuck-" + i, "one");
      held.add(background.submit(() -> get(query, read)));
    }
    for (ServerSocketChannel s : stuck) {
      accepted.add(s.accept()); // blocks until that comparison is reading the silent engine
    }
    Answer busy = get(q("one", "two"), read);
    assertThat(busy.status()).as(busy.body()).isEqualTo(429);
    assertThat(busy.json().get("error").asText()).isEqualTo("busy");

    for (SocketChannel c : accepted) {
      c.close(); // the held comparisons end (their node unreadable) and free their places
    }
    for (var f : held) {
      Answer a = f.get(60, TimeUnit.SECONDS);
      assertThat(a.status()).as(a.body()).isEqualTo(200);
      assertThat(a.json().get("result").asText()).isEqualTo("unreadable");
    }
    assertThat(get(q("one", "two"), read).status()).isEqualTo(200);
  }
}
