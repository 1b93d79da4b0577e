package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.docker.RegistryClient;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.update.CronSchedule;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.RegistryDigests;
import dev.selvedge.port.Store;
import dev.selvedge.server.ApiCalls.Answer;
import dev.selvedge.server.events.ServerEvent;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auto-update against real registries: the test services' registry on 127.0.0.1:5000 (no auth),
 * where an image is pushed to a tag and then another to the same tag, and a second registry this
 * test starts with htpasswd auth (Debian's docker-registry, a bcrypt htpasswd file), reached with a
 * docker config.json holding its credentials. The API is the server's, its answers checked against
 * openapi.json; the rollout starter records what it is asked. No credential in any answer, event,
 * log line or message.
 */
class AutoUpdateApiIT {
  private static final String USER = "selvedge-au";
  private static final String PASSWORD = "au-registry-p4ss-" + UUID.randomUUID();
  private static Properties facts;
  private static Path authDir;
  private static Process authRegistry;
  private static String authHost;

  @TempDir Path tmp;
  private String prefix;
  private InProcessServer server;
  private Store store;
  private ControlPlane plane;
  private String read;
  private String operate;
  private final List<String> bodies = new ArrayList<>();
  private final List<String> said = new CopyOnWriteArrayList<>();
  private final List<ServerEvent> published = new CopyOnWriteArrayList<>();
  private final List<Map<String, String>> starts = new CopyOnWriteArrayList<>();
  private final List<String> images = new ArrayList<>();
  private final List<String> pushed = new ArrayList<>();
  private final ApiCalls api = new ApiCalls(() -> plane.port(), bodies);
  private final HttpClient http = HttpClient.newHttpClient();
  private Path dockerConfig;

  @BeforeAll
  static void services() throws Exception {
    facts = new Properties();
    Path file = Path.of(System.getProperty("selvedge.test.env", "/var/lib/selvedge-test/env"));
    assumeTrue(Files.isReadable(file), "test services absent: run scripts/test-services.sh first");
    try (InputStream in = Files.newInputStream(file)) {
      facts.load(in);
    }
    // The second registry: htpasswd auth (bcrypt), loopback, its own port and storage.
    authDir = Files.createTempDirectory("selvedge-au-registry");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    authHost = "127.0.0.1:" + port;
    String htpasswd = run(List.of("htpasswd", "-Bbn", USER, PASSWORD), null);
    Files.writeString(authDir.resolve("htpasswd"), htpasswd.strip() + "\n");
    Files.writeString(
        authDir.resolve("config.yml"),
        "version: 0.1\n"
            + "log:\n  level: warn\n"
            + "storage:\n  filesystem:\n    rootdirectory: "
            + authDir.resolve("data")
            + "\n  delete:\n    enabled: true\n"
            + "http:\n  addr: "
            + authHost
            + "\n"
            + "auth:\n  htpasswd:\n    realm: selvedge-test\n    path: "
            + authDir.resolve("htpasswd")
            + "\n");
    authRegistry =
        new ProcessBuilder("docker-registry", "serve", authDir.resolve("config.yml").toString())
            .redirectErrorStream(true)
            .redirectOutput(authDir.resolve("registry.log").toFile())
            .start();
    HttpClient probe = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try {
        HttpResponse<Void> r =
            probe.send(
                HttpRequest.newBuilder(URI.create("http://" + authHost + "/v2/")).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 401) {
          break;
        }
      } catch (IOException e) {
        // not listening yet
      }
      assertThat(authRegistry.isAlive())
          .as("docker-registry exited: %s", Files.readString(authDir.resolve("registry.log")))
          .isTrue();
      assertThat(System.nanoTime()).as("registry on %s answers", authHost).isLessThan(deadline);
      Thread.sleep(50); // polling a process that starts: no timeout raced
    }
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    if (authRegistry != null) {
      authRegistry.destroy();
      authRegistry.waitFor(10, TimeUnit.SECONDS);
    }
    if (authDir != null) {
      try (var walk = Files.walk(authDir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @BeforeEach
  void up() throws Exception {
    prefix = "selvedge-au-" + UUID.randomUUID().toString().substring(0, 8);
    dockerConfig = Files.createDirectories(tmp.resolve("docker-config"));
    String auth =
        Base64.getEncoder()
            .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        dockerConfig.resolve("config.json"),
        "{\"auths\": {\"" + authHost + "\": {\"auth\": \"" + auth + "\"}}}\n");
  }

  private void startServer(String registry) throws Exception {
    Path contract = Files.createDirectories(tmp.resolve("shop"));
    Files.writeString(
        contract.resolve("compose.yaml"),
        "services:\n  api:\n    image: " + registry + "/" + prefix + "/api:1\n");
    Fleet.AutoUpdate policy =
        new Fleet.AutoUpdate(
            CronSchedule.parse("0 3 * * *"),
            List.of("api"),
            null, // any time: the window's rules are AutoUpdatesTest's
            List.of("1", "100%"),
            Duration.ofMinutes(2));
    String local = InProcessServer.localEngine(facts);
    Fleet.Node node =
        new Fleet.Node(
            "one",
            local,
            null,
            null,
            null,
            List.of(),
            Map.of("shop", new Fleet.Stack("shop", contract, prefix, null, policy)));
    Fleet fleet =
        new Fleet(
            tmp.resolve("fleet.yaml"),
            Fleet.Poll.DEFAULT,
            Map.of("one", node),
            List.of(),
            Fleet.Retention.DEFAULT,
            Fleet.Audit.DEFAULT,
            List.of());
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("DOCKER_CONFIG", dockerConfig.toString());
    server =
        InProcessServer.start(
            tmp.resolve("server"),
            fleet,
            InProcessServer.Options.DEFAULT
                .environment(env)
                .publisher(
                    hub ->
                        event -> {
                          published.add(event);
                          hub.publish(event);
                        }));
    store = server.store();
    plane = server.plane();
    read = server.read();
    operate = server.operate();
    plane
        .autoUpdates()
        .starter(
            (stack, pins, waves, gate, reason) -> {
              starts.add(pins);
              return "rollout-" + starts.size();
            });
  }

  @AfterEach
  void down() throws Exception {
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      for (String image : images) {
        runQuietly(List.of("docker", "rmi", "-f", image));
      }
      // the manifests pushed to the shared registry (the htpasswd one goes with its directory)
      for (String manifest : pushed) {
        try {
          http.send(
              HttpRequest.newBuilder(URI.create(manifest)).DELETE().build(),
              HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
          // best effort
        }
      }
    }
    for (String body : bodies) {
      assertThat(body).doesNotContain(PASSWORD).doesNotContain(base64Credentials());
    }
    for (ServerEvent e : published) {
      assertThat(e.data().toString()).doesNotContain(PASSWORD);
    }
    for (String line : said) {
      assertThat(line).doesNotContain(PASSWORD);
    }
  }

  private static String base64Credentials() {
    return Base64.getEncoder()
        .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
  }

  /** Builds an image of one unique file (docker import), tags it, pushes it; its digest. */
  private String push(String registry, String content) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("rootfs-" + UUID.randomUUID()));
    Files.writeString(root.resolve("version.txt"), content + "\n");
    Path tar = tmp.resolve(root.getFileName() + ".tar");
    run(List.of("tar", "-C", root.toString(), "-cf", tar.toString(), "."), null);
    String ref = registry + "/" + prefix + "/api:1";
    run(
        List.of("docker", "import", "--change", "LABEL dev.selvedge.test=1", tar.toString(), ref),
        null);
    images.add(ref);
    String out = run(List.of("docker", "--config", dockerConfig.toString(), "push", ref), null);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("digest: (sha256:[0-9a-f]{64})").matcher(out);
    assertThat(m.find()).as("push output names the digest: %s", out).isTrue();
    pushed.add("http://" + registry + "/v2/" + prefix + "/api/manifests/" + m.group(1));
    return m.group(1);
  }

  private Answer call(String method, String route, String token) {
    return api.call(method, route, route, token, null);
  }

  private JsonNode check() throws Exception {
    Answer a = call("POST", "/api/v1/autoupdate/check", operate);
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    JsonNode checks = a.json().path("checks");
    assertThat(checks).hasSize(1);
    return checks.get(0);
  }

  @Test
  void aNewDigestPushedToTheSameTagStartsOneRolloutPinnedToItAndNotASecond() throws Exception {
    String registry = facts.getProperty("SELVEDGE_TEST_REGISTRY", "127.0.0.1:5000");
    startServer(registry);
    String a = push(registry, "A " + prefix);
    assertThat(
            RegistryClient.fromEnvironment(
                    Map.of("DOCKER_CONFIG", dockerConfig.toString()), Duration.ofSeconds(10))
                .digest(registry + "/" + prefix + "/api:1"))
        .isEqualTo(a);

    JsonNode first = check();
    assertThat(first.path("services").get(0).path("state").asText()).isEqualTo("current");
    assertThat(first.path("services").get(0).path("digest").asText()).isEqualTo(a);
    assertThat(starts).isEmpty();

    String b = push(registry, "B " + prefix);
    assertThat(b).isNotEqualTo(a);
    JsonNode second = check();
    assertThat(second.path("rollout").asText()).isEqualTo("rollout-1");
    assertThat(second.path("services").get(0).path("state").asText()).isEqualTo("started");
    String pinned = registry + "/" + prefix + "/api@" + b;
    assertThat(starts).containsExactly(Map.of("api", pinned));

    JsonNode third = check();
    assertThat(third.path("rollout").isNull()).isTrue();
    assertThat(third.path("services").get(0).path("state").asText()).isEqualTo("attempted");
    assertThat(starts).hasSize(1);

    Answer forbidden = call("POST", "/api/v1/autoupdate/check", read);
    assertThat(forbidden.status()).isEqualTo(403);
    Answer list = call("GET", "/api/v1/autoupdate", read);
    assertThat(list.status()).isEqualTo(200);
    JsonNode stack = list.json().path("stacks").get(0);
    assertThat(stack.path("stack").asText()).isEqualTo("shop");
    assertThat(stack.path("attempts").get(0).path("digest").asText()).isEqualTo(b);
    assertThat(stack.path("attempts").get(0).path("rollout").asText()).isEqualTo("rollout-1");
    // what runs, as far as auto-update knows: A, until the rollout of B finishes
    assertThat(stack.path("seen").get(0).path("digest").asText()).isEqualTo(a);
    assertThat(stack.path("last_check").path("services").get(0).path("state").asText())
        .isEqualTo("attempted");
    assertThat(published.stream().map(ServerEvent::type))
        .contains("autoupdate.checked", "autoupdate.started", "autoupdate.skipped");
    assertThat(
            store
                .audit()
                .find(
                    new AuditLog.Query(AutoUpdates.ACTOR, null, null, null, null, null, null, 10)))
        .extracting(AuditLog.Event::after)
        .containsExactly("api=" + pinned);
  }

  @Test
  void aRegistryWithHtpasswdIsAskedWithTheDockerConfigsCredentialsAndSays401WithoutThem()
      throws Exception {
    startServer(authHost);
    String a = push(authHost, "A " + prefix);
    String ref = authHost + "/" + prefix + "/api:1";

    // with the credentials of DOCKER_CONFIG: the digest pushed
    assertThat(
            RegistryClient.fromEnvironment(
                    Map.of("DOCKER_CONFIG", dockerConfig.toString()), Duration.ofSeconds(10))
                .digest(ref))
        .isEqualTo(a);
    JsonNode first = check();
    assertThat(first.path("services").get(0).path("digest").asText()).isEqualTo(a);
    String b = push(authHost, "B " + prefix);
    assertThat(check().path("rollout").asText()).isEqualTo("rollout-1");
    assertThat(starts).containsExactly(Map.of("api", authHost + "/" + prefix + "/api@" + b));

    // without them: a clear 401
    Path empty = Files.createDirectories(tmp.resolve("no-credentials"));
    Files.writeString(empty.resolve("config.json"), "{\"auths\": {}}\n");
    RegistryDigests.Failed none =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            RegistryDigests.Failed.class,
            () ->
                RegistryClient.fromEnvironment(
                        Map.of("DOCKER_CONFIG", empty.toString()), Duration.ofSeconds(10))
                    .digest(ref));
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.getMessage())
        .contains("registry " + authHost + " answered 401 Unauthorized for " + prefix + "/api:1")
        .contains("has none for " + authHost);

    // a wrong password: refused, and the message names the config file, never the secret
    Path wrong = Files.createDirectories(tmp.resolve("wrong-credentials"));
    String bad =
        Base64.getEncoder()
            .encodeToString((USER + ":not-" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        wrong.resolve("config.json"),
        "{\"auths\": {\"" + authHost + "\": {\"auth\": \"" + bad + "\"}}}\n");
    RegistryDigests.Failed refused =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            RegistryDigests.Failed.class,
            () ->
                RegistryClient.fromEnvironment(
                        Map.of("DOCKER_CONFIG", wrong.toString()), Duration.ofSeconds(10))
                    .digest(ref));
    assertThat(refused.getMessage())
        .contains("answered 401")
        .contains("refused the credentials of the docker config " + wrong.resolve("config.json"))
        .doesNotContain(PASSWORD)
        .doesNotContain(bad);
    said.add(none.getMessage());
    said.add(refused.getMessage());
    Answer list = call("GET", "/api/v1/autoupdate", read);
    assertThat(list.body()).contains(b);
  }

  private static String run(List<String> cmd, Path dir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(
          String.join(" ", cmd).replace(PASSWORD, "***") + ": " + out.replace(PASSWORD, "***"));
    }
    return out;
  }

  private static void runQuietly(List<String> cmd) {
    try {
      run(cmd, null);
    } catch (Exception e) {
      // cleanup: best effort
    }
  }
}
