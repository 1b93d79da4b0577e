package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selvedge.port.Lease;
import dev.selvedge.port.Store;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * plan, apply, rollback, history and the guarded operations against a real engine and a real
 * registry (127.0.0.1:5000, images pushed by scripts/test-services.sh: {@code app:good} serves
 * /healthz, {@code app:bad} does not, so its healthcheck never passes). The store is the default H2
 * file under a per-test SELVEDGE_HOME (one test runs a PostgreSQL of its own, to stop it).
 * Everything is labelled {@code dev.selvedge.test=1} under a unique project name and removed after
 * each test.
 */
class ApplyIT {
  private static final String TOKEN = "tok-APPLY-s3cret-77e1";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Map<String, String> facts;
  private static String good;
  private static String bad;

  @TempDir Path tmp;
  private String project;
  private int port;
  private Path repo;
  private Path home;
  private final List<String> outputs = new ArrayList<>();
  private boolean relaxedPolicy = true;
  private final Map<String, String> extraEnv = new LinkedHashMap<>();

  @BeforeAll
  static void services() throws IOException {
    facts = TestHost.facts();
    String registry = facts.get("SELVEDGE_TEST_REGISTRY");
    assumeTrue(
        registry != null, "no registry in " + TestHost.FACTS + ": re-run scripts/test-services.sh");
    good = registry + "/selvedge-test/app:good";
    bad = registry + "/selvedge-test/app:bad";
  }

  @BeforeEach
  void up() throws Exception {
    project = "selvedge-apply-" + UUID.randomUUID().toString().substring(0, 8);
    port = freePort();
    repo = Files.createDirectories(tmp.resolve("repo"));
    home = Files.createDirectories(tmp.resolve("home"));
    Files.writeString(repo.resolve(".env"), "API_TOKEN=" + TOKEN + "\n");
    Files.writeString(repo.resolve(".env.example"), "API_TOKEN=\n");
  }

  @AfterEach
  void down() throws Exception {
    TestHost.removeProject(project);
    // Whatever happened, no output carried the secret.
    for (String o : outputs) {
      assertThat(o).doesNotContain(TOKEN);
    }
  }

  private void contract(String image, String mode, int hostPort, String extra) throws IOException {
    Files.writeString(
        repo.resolve("compose.yaml"),
        """
        name: %s
        %s
        services:
          web:
            image: %s
            environment:
              MODE: %s
              API_TOKEN: ${API_TOKEN}
            ports:
              - "127.0.0.1:%d:8080"
            volumes:
              - data:/data
            labels:
              dev.selvedge.test: "1"
            healthcheck:
              test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/healthz"]
              interval: 1s
              timeout: 2s
              retries: 2
            restart: unless-stopped
            stop_grace_period: 1s
            x-selvedge:
              readback:
                health: http://127.0.0.1:%d/healthz
                expect:
                  status: ok
                timeout: 2s
        %s
        volumes:
          data:
            labels:
              dev.selvedge.test: "1"
        """
            .formatted(
                project, relaxedPolicy ? RELAXED : "", image, mode, hostPort, hostPort, extra));
  }

  /** The test stacks check health every second and log to the default driver: allowed here. */
  private static final String RELAXED =
      """
      x-selvedge:
        policy:
          rules:
            healthcheck-interval-too-short: "off"
            logging-unbounded: "off"
            healthcheck-missing: "off"
      """;

  // ------------------------------------------------------------------------------ the tests

  @Test
  void verifyErrorsRefuseTheApplyUnlessForcedAndForcingIsRecorded() throws Exception {
    relaxedPolicy = false;
    contract(good, "prod", port, "");
    Result refused = cli("apply");
    assertThat(refused.code()).as(refused.all()).isEqualTo(1);
    assertThat(refused.err()).contains("apply refused").contains("healthcheck-interval-too-short");
    assertThat(containerId("web")).isEmpty();
    Result forced = cli("apply", "--force");
    assertThat(forced.code()).as(forced.all()).isZero();
    Result history = cli("history", "--format", "json");
    assertThat(JSON.readTree(history.out()).get(0).get("forced").asBoolean()).isTrue();
  }

  @Test
  void appliesReappliesAsANoOpAndRollsBackABadImage() throws Exception {
    contract(good, "prod", port, "");
    Result plan = cli("plan");
    assertThat(plan.code()).as(plan.all()).isEqualTo(1);
    assertThat(plan.out())
        .contains("web")
        .contains("create")
        .contains("volume " + project + "_data: create");

    Result first = cli("apply");
    assertThat(first.code()).as(first.all()).isZero();
    assertThat(first.out()).contains(": healthy").contains("applied");
    String id = containerId("web");
    String goodImage = inspect(id, "{{.Image}}");
    assertThat(inspect(id, "{{.Name}}")).isEqualTo("/" + project + "-web-1");
    assertThat(inspect(id, "{{index .Config.Labels \"com.docker.compose.container-number\"}}"))
        .isEqualTo("1");

    // docker-compose 1.29 recognises what Selvedge created (it predates the top-level name:).
    Path compat = tmp.resolve("compat.yaml");
    Files.writeString(
        compat, Files.readString(repo.resolve("compose.yaml")).replaceFirst("name: .*\n", ""));
    String ps =
        run(
            List.of(
                "docker-compose",
                "-p",
                project,
                "-f",
                compat.toString(),
                "--project-directory",
                repo.toString(),
                "ps"));
    assertThat(ps).contains(project + "-web-1");

    Result noopPlan = cli("plan", "--format", "json");
    assertThat(noopPlan.code()).as(noopPlan.all()).isZero();
    assertThat(JSON.readTree(noopPlan.out()).get("changes").asBoolean()).isFalse();
    Result again = cli("apply");
    assertThat(again.code()).as(again.all()).isZero();
    assertThat(again.out()).contains("nothing to do");
    assertThat(containerId("web")).isEqualTo(id);

    Result drift = cli("drift", "--format", "json");
    assertThat(drift.code()).as(drift.all()).isZero();

    contract(bad, "prod", port, "");
    Result badPlan = cli("plan");
    assertThat(badPlan.out()).contains("recreate").contains("image");
    Result rolled = cli("apply", "--gate-timeout", "30s", "--format", "json");
    assertThat(rolled.code()).as(rolled.all()).isEqualTo(1);
    JsonNode result = JSON.readTree(rolled.out());
    assertThat(result.get("outcome").asText()).isEqualTo("rolled-back");
    assertThat(result.get("services").get(0).get("status").asText()).isEqualTo("rolled-back");
    String now = containerId("web");
    assertThat(inspect(now, "{{.Image}}")).isEqualTo(goodImage);
    assertThat(inspect(now, "{{.Name}}")).isEqualTo("/" + project + "-web-1");
    assertThat(inspect(now, "{{.State.Health.Status}}")).isEqualTo("healthy");

    Result history = cli("history", "--format", "json");
    assertThat(history.code()).isZero();
    List<String> outcomes = new ArrayList<>();
    JSON.readTree(history.out()).forEach(d -> outcomes.add(d.get("outcome").asText()));
    // The no-op re-apply is not a deployment.
    assertThat(outcomes).containsExactly("rolled-back", "healthy");
    long firstId = JSON.readTree(history.out()).get(1).get("id").asLong();
    Result show = cli("history", "--show", Long.toString(firstId));
    assertThat(show.out())
        .contains("envFingerprints")
        .contains("hmac-sha256:")
        .contains("********");
  }

  /**
   * The tryout: a local image (no registry, so the container is created from its id) and one .env
   * value changed. plan's reason is that value, by fingerprint; the image, which the tag still
   * names, is not one.
   */
  @Test
  void aChangedEnvValueOfALocalImageStackIsPlansOnlyReason() throws Exception {
    Files.writeString(
        repo.resolve("compose.yaml"),
        """
        name: %s
        %s
        services:
          api:
            image: %s
            command: ["sleep", "3600"]
            environment:
              LOG_LEVEL: ${LOG_LEVEL:-info}
              API_TOKEN: ${API_TOKEN}
            labels:
              dev.selvedge.test: "1"
            restart: unless-stopped
            stop_grace_period: 1s
        """
            .formatted(project, RELAXED, facts.get("SELVEDGE_TEST_IMAGE")));
    Result first = cli("apply");
    assertThat(first.code()).as(first.all()).isZero();
    assertThat(inspect(containerId("api"), "{{.Config.Image}}")).startsWith("sha256:");
    Files.writeString(repo.resolve(".env"), "API_TOKEN=" + TOKEN + "\nLOG_LEVEL=debug\n");

    Result plan = cli("plan", "--format", "json");
    assertThat(plan.code()).as(plan.all()).isEqualTo(1);
    JsonNode api = JSON.readTree(plan.out()).get("services").get(0);
    assertThat(api.get("action").asText()).isEqualTo("recreate");
    List<String> reasons = new ArrayList<>();
    api.get("reasons").forEach(r -> reasons.add(r.asText()));
    assertThat(reasons)
        .singleElement()
        .asString()
        .startsWith("environment.LOG_LEVEL: ")
        .contains("the container's hmac-sha256:", "the contract's hmac-sha256:")
        .doesNotContain("debug");
  }

  @Test
  void aNoOpApplyStillNeedsWhatRunsToBeHealthy() throws Exception {
    contract(good, "prod", port, "");
    assertThat(cli("apply").code()).isZero();
    String id = containerId("web");
    // The app stops answering its health URL: nothing in the contract changed.
    run(List.of("docker", "exec", id, "rm", "/www/healthz"));
    Result sick = cli("apply", "--gate-timeout", "10s", "--format", "json");
    assertThat(sick.code()).as(sick.all()).isEqualTo(1);
    JsonNode result = JSON.readTree(sick.out());
    assertThat(result.get("summary").asText()).contains("nothing to change, but not healthy: web");
    assertThat(result.get("services").get(0).get("status").asText()).isEqualTo("failed");
    assertThat(containerId("web")).as("nothing is recreated").isEqualTo(id);
    // Healthy again: the no-op passes, and neither run was a deployment.
    run(List.of("docker", "exec", id, "sh", "-c", "echo '{\"status\":\"ok\"}' > /www/healthz"));
    // Docker's own status stays unhealthy until its next check passes.
    for (int i = 0; i < 100 && !inspect(id, "{{.State.Health.Status}}").equals("healthy"); i++) {
      Thread.sleep(100);
    }
    Result well = cli("apply", "--gate-timeout", "20s");
    assertThat(well.code()).as(well.all()).isZero();
    assertThat(well.out()).contains("nothing to do");
    assertThat(JSON.readTree(cli("history", "--format", "json").out())).hasSize(1);
  }

  @Test
  void aShortGateDoesNotCutShortTheReturnOfThePreviousContainer() throws Exception {
    contract(good, "prod", port, "");
    slowFirstHealthcheck();
    assertThat(cli("apply").code()).isZero();
    String id = containerId("web");
    contract(bad, "prod", port, "");
    slowFirstHealthcheck();
    // 1s is over before anyone's first healthcheck has answered: the new version fails its gate,
    // and the previous container, started again, must be given the time it needs.
    Result r = cli("apply", "--gate-timeout", "1s", "--format", "json");
    assertThat(r.code()).as(r.all()).isEqualTo(1);
    JsonNode web = JSON.readTree(r.out()).get("services").get(0);
    assertThat(web.get("status").asText()).as(web.toString()).isEqualTo("rolled-back");
    assertThat(web.get("detail").asText()).contains("not healthy within 1s").contains("restored");
    assertThat(containerId("web")).isEqualTo(id);
    assertThat(inspect(id, "{{.State.Health.Status}}")).isEqualTo("healthy");
  }

  /** The first healthcheck answers 3s + 2s after a start: later than a 1s gate looks. */
  private void slowFirstHealthcheck() throws IOException {
    Path file = repo.resolve("compose.yaml");
    Files.writeString(
        file,
        Files.readString(file)
            .replace(
                "[\"CMD\", \"wget\", \"-q\", \"-O-\", \"http://127.0.0.1:8080/healthz\"]",
                "[\"CMD-SHELL\", \"sleep 2; wget -q -O- http://127.0.0.1:8080/healthz\"]")
            .replace("interval: 1s", "interval: 3s")
            .replace("timeout: 2s\n      retries", "timeout: 5s\n      retries"));
  }

  @Test
  void aServiceTheApplyDidNotChangeMustBeHealthyForTheDeploymentToBe() throws Exception {
    String other =
        """
          other:
            image: %s
            command: ["sh", "-c", "exec httpd -f -p 8081 -h /www"]
            environment:
              MODE: %s
            labels:
              dev.selvedge.test: "1"
        """;
    contract(good, "prod", port, other.formatted(good, "one"));
    assertThat(cli("apply").code()).isZero();
    String web = containerId("web");
    run(List.of("docker", "exec", web, "rm", "/www/healthz"));
    waitFor(
        () -> inspect(web, "{{.State.Health.Status}}").equals("unhealthy"),
        "web's healthcheck to report unhealthy");
    // Only 'other' changes; 'web', untouched, is not healthy.
    contract(good, "prod", port, other.formatted(good, "two"));
    Result r = cli("apply", "--format", "json");
    assertThat(r.code()).as(r.all()).isEqualTo(1);
    JsonNode result = JSON.readTree(r.out());
    assertThat(result.get("outcome").asText()).isEqualTo("failed");
    assertThat(result.get("summary").asText()).contains("not healthy at the end of the apply: web");
    Map<String, String> status = new java.util.HashMap<>();
    result
        .get("services")
        .forEach(n -> status.put(n.get("service").asText(), n.get("status").asText()));
    assertThat(status).containsEntry("web", "failed").containsEntry("other", "applied");
    assertThat(containerId("web")).as("nothing is done to it").isEqualTo(web);
    long id = result.get("deployment").asLong();
    JsonNode history = JSON.readTree(cli("history", "--format", "json").out());
    assertThat(history.get(0).get("id").asLong()).isEqualTo(id);
    assertThat(history.get(0).get("outcome").asText()).isEqualTo("failed");
    // So it is no rollback target.
    Result to = cli("rollback", "--to", Long.toString(id));
    assertThat(to.code()).as(to.all()).isEqualTo(2);
    assertThat(to.err()).contains("did not become healthy (it ended failed)");
  }

  @Test
  void aNoOpLooksBrieflyAtAWrongReadbackAndNamesAnInterruptedLatestDeploymentAsSuch()
      throws Exception {
    contract(good, "prod", port, "");
    assertThat(cli("apply").code()).isZero();
    String id = containerId("web");
    // The healthcheck (any 200) stays healthy; the readback expects status ok and never gets it.
    run(
        List.of(
            "docker", "exec", id, "sh", "-c", "echo '{\"status\":\"degraded\"}' > /www/healthz"));
    // A run that died after its last change: the store still says running.
    long crashed;
    try (Store store =
        Stores.open(StoreConfig.defaults(Map.of("SELVEDGE_HOME", home.toString())))) {
      dev.selvedge.port.Deployment last =
          store.deployments().history("docker-daemon:" + daemonId(), project, 1).get(0);
      crashed =
          store
              .deployments()
              .begin(
                  new dev.selvedge.port.Deployment(
                      0,
                      last.host(),
                      project,
                      dev.selvedge.port.Deployment.Kind.APPLY,
                      null,
                      "crasher@ci",
                      java.time.Instant.now(),
                      null,
                      dev.selvedge.port.Deployment.Outcome.RUNNING,
                      false,
                      last.renderedConfig(),
                      last.images(),
                      last.envFingerprints(),
                      null,
                      ""))
              .id();
    }
    // No --gate-timeout: the default 120s must not be what a standing readback is waited for.
    Result r = cli("apply", "--format", "json");
    assertThat(r.code()).as(r.all()).isEqualTo(1);
    JsonNode result = JSON.readTree(r.out());
    assertThat(result.get("services").get(0).get("detail").asText())
        .contains("not healthy within 10s")
        .contains("readback");
    assertThat(result.get("summary").asText())
        .contains("the latest deployment, " + crashed + ", ended interrupted");
  }

  @Test
  void anEngineThatGoesAwayMidApplyIsSaidToBeUnreachableWithExitTwo() throws Exception {
    // The engine is reached through a forwarder this test cuts: dockerd itself stays up.
    try (Forwarder forwarder = new Forwarder(Path.of("/var/run/docker.sock"))) {
      String host = "tcp://127.0.0.1:" + forwarder.port();
      contract(good, "prod", port, "");
      Result first = cli("apply", "--host", host);
      assertThat(first.code()).as(first.all()).isZero();
      contract(good, "changed", port, "");
      // A slower first healthcheck keeps the gate open while the engine goes away under it.
      Path file = repo.resolve("compose.yaml");
      Files.writeString(file, Files.readString(file).replace("interval: 1s", "interval: 4s"));
      Thread cutter =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      waitFor(() -> !run(parkedFilter()).isBlank(), "the old container parked");
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    } finally {
                      forwarder.cut();
                    }
                  });
      Result r = cli("apply", "--host", host, "--gate-timeout", "60s");
      cutter.join();
      assertThat(r.code()).as(r.all()).isEqualTo(2);
      assertThat(r.err())
          .contains("the engine became unreachable during the apply: " + host)
          .contains("run apply again");
      assertThat(r.all()).doesNotContain("could not start it");
    }
  }

  /**
   * A TCP listener on loopback that relays each connection to a unix socket, until closed: then the
   * listener and every relayed connection close at once, as an engine that went away.
   */
  static final class Forwarder implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final List<java.io.Closeable> open =
        java.util.Collections.synchronizedList(new ArrayList<>());

    Forwarder(Path socket) throws IOException {
      Thread.ofVirtual()
          .start(
              () -> {
                while (!server.isClosed()) {
                  try {
                    java.net.Socket client = server.accept();
                    var engine =
                        java.nio.channels.SocketChannel.open(
                            java.net.UnixDomainSocketAddress.of(socket));
                    open.add(client);
                    open.add(engine);
                    var toEngine = java.nio.channels.Channels.newOutputStream(engine);
                    var fromEngine = java.nio.channels.Channels.newInputStream(engine);
                    Thread.ofVirtual().start(() -> pipe(client, toEngine));
                    Thread.ofVirtual().start(() -> pipe(fromEngine, client));
                  } catch (IOException e) {
                    return;
                  }
                }
              });
    }

    int port() {
      return server.getLocalPort();
    }

    private static void pipe(java.net.Socket from, java.io.OutputStream to) {
      try {
        from.getInputStream().transferTo(to);
      } catch (IOException e) {
        // cut
      }
    }

    private static void pipe(java.io.InputStream from, java.net.Socket to) {
      try {
        from.transferTo(to.getOutputStream());
      } catch (IOException e) {
        // cut
      }
    }

    @Override
    public void close() {
      cut();
    }

    /** The engine goes away: the listener and every relayed connection close. */
    void cut() {
      try {
        server.close();
      } catch (IOException e) {
        // closing
      }
      synchronized (open) {
        for (java.io.Closeable c : open) {
          try {
            c.close();
          } catch (IOException e) {
            // closing
          }
        }
      }
    }
  }

  @Test
  void aSecretSubstitutedIntoAnImageThatCannotBePulledIsMaskedInProgressAndError()
      throws Exception {
    // A contract a user forced past verify: the tag is a secret variable. The engine's refusal
    // quotes the reference, and so does the pull's progress line.
    contract(good.substring(0, good.lastIndexOf(':')) + ":${API_TOKEN}", "prod", port, "");
    Result r = cli("apply", "--force");
    assertThat(r.code()).as(r.all()).isEqualTo(2);
    assertThat(r.err()).contains("pulling").contains("********").doesNotContain(TOKEN);
    assertThat(containerId("web")).isEmpty();
    // (every output is checked again for the secret after each test)
  }

  @Test
  void anImageMissingOnTheEngineIsPulledAndPinnedByDigest() throws Exception {
    String tag = good.substring(0, good.lastIndexOf(':')) + ":pull-" + project.substring(15);
    run(List.of("docker", "tag", good, tag));
    run(List.of("docker", "push", tag));
    run(List.of("docker", "rmi", tag));
    try {
      contract(tag, "prod", port, "");
      Result plan = cli("plan");
      assertThat(plan.out()).contains("is not on the engine: it will be pulled");
      Result r = cli("apply");
      assertThat(r.code()).as(r.all()).isZero();
      assertThat(r.err()).contains("pulling " + tag).contains("Digest: sha256:");
      String image = inspect(containerId("web"), "{{.Config.Image}}");
      assertThat(image).startsWith(tag + "@sha256:");
      String digest = image.substring(image.indexOf('@') + 1);
      assertThat(run(List.of("docker", "image", "inspect", "-f", "{{json .RepoDigests}}", tag)))
          .contains(digest);
      // The plan and the recorded deployment write the digest alike, as Docker's RepoDigests do.
      String planned =
          JSON.readTree(cli("plan", "--format", "json").out())
              .get("services")
              .get(0)
              .get("image")
              .get("repoDigest")
              .asText();
      JsonNode latest = JSON.readTree(cli("history", "--format", "json").out()).get(0);
      String recorded = latest.get("images").get(0).get("repoDigest").asText();
      assertThat(planned)
          .isEqualTo(recorded)
          .isEqualTo(tag.substring(0, tag.lastIndexOf(':')) + "@" + digest);
      // The store holds no secret value, in any file.
      try (var files = Files.walk(home)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
              .as(f.toString())
              .doesNotContain(TOKEN);
        }
      }
    } finally {
      // Only a second tag of the good image: removing it untags, even with a container using it.
      new ProcessBuilder("docker", "rmi", tag).start().waitFor();
    }
  }

  @Test
  void anApplyThroughSshAndARollbackThroughTheSocketShareOneHistory() throws Exception {
    String sshHost = facts.get("SELVEDGE_TEST_SSH_HOST");
    assumeTrue(sshHost != null, "no SSH test host in " + TestHost.FACTS);
    extraEnv.put("SELVEDGE_SSH_IDENTITY", facts.get("SELVEDGE_TEST_SSH_KEY"));
    extraEnv.put("SELVEDGE_SSH_KNOWN_HOSTS", facts.get("SELVEDGE_TEST_SSH_KNOWN_HOSTS"));
    String identity = "docker-daemon:" + daemonId();
    // What a Selvedge from before host identities recorded through the SSH endpoint: a deployment
    // and an audit event keyed by the endpoint string.
    Map<String, String> env = Map.of("SELVEDGE_HOME", home.toString());
    long old;
    try (Store store = Stores.open(StoreConfig.defaults(env))) {
      dev.selvedge.port.Deployment d =
          store
              .deployments()
              .begin(
                  new dev.selvedge.port.Deployment(
                      0,
                      sshHost,
                      project,
                      dev.selvedge.port.Deployment.Kind.APPLY,
                      null,
                      "earlier@ci",
                      java.time.Instant.now(),
                      null,
                      dev.selvedge.port.Deployment.Outcome.RUNNING,
                      false,
                      "{}",
                      List.of(),
                      Map.of(),
                      null,
                      ""));
      store
          .deployments()
          .finish(d.id(), dev.selvedge.port.Deployment.Outcome.FAILED, "", java.time.Instant.now());
      old = d.id();
      store
          .audit()
          .record(
              dev.selvedge.port.AuditLog.Event.of(
                  java.time.Instant.now(),
                  "earlier@ci",
                  sshHost,
                  project,
                  "web",
                  "stop",
                  project + "-web-1",
                  "done",
                  ""));
    }

    contract(good, "prod", port, "");
    Result r = cli("apply", "--host", sshHost);
    assertThat(r.code()).as(r.all()).isZero();
    String id = containerId("web");
    assertThat(inspect(id, "{{.State.Health.Status}}")).isEqualTo("healthy");
    long viaSsh =
        JSON.readTree(cli("history", "--host", sshHost, "--format", "json").out())
            .get(0)
            .get("id")
            .asLong();

    // The local socket reaches the same daemon: the same history, the earlier row included.
    Result history = cli("history", "--format", "json");
    assertThat(history.code()).as(history.all()).isZero();
    JsonNode rows = JSON.readTree(history.out());
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).get("id").asLong()).isEqualTo(viaSsh);
    assertThat(rows.get(1).get("id").asLong()).isEqualTo(old);
    for (JsonNode row : rows) {
      assertThat(row.get("host").asText()).isEqualTo(identity);
    }
    assertThat(cli("history", "--audit").out())
        .contains("earlier@ci")
        .containsPattern(" apply create +" + project + "-web-1");
    Result again = cli("apply");
    assertThat(again.out()).contains("nothing to do");
    assertThat(containerId("web")).isEqualTo(id);

    // A change through the socket, then a rollback through it goes back to the SSH apply.
    contract(good, "staging", port, "");
    Result changed = cli("apply");
    assertThat(changed.code()).as(changed.all()).isZero();
    assertThat(env(containerId("web"))).contains("MODE=staging");
    Result back = cli("rollback");
    assertThat(back.code()).as(back.all()).isZero();
    assertThat(back.err()).contains("rolling back to deployment " + viaSsh + " ");
    assertThat(env(containerId("web"))).contains("MODE=prod");
    JsonNode afterwards =
        JSON.readTree(cli("history", "--host", sshHost, "--format", "json").out());
    assertThat(afterwards).hasSize(4);
    assertThat(afterwards.get(0).get("kind").asText()).isEqualTo("rollback");
    assertThat(afterwards.get(0).get("rollbackOf").asLong()).isEqualTo(viaSsh);
    try (Store store = Stores.open(StoreConfig.defaults(env))) {
      assertThat(store.deployments().history(sshHost, project, 10)).isEmpty();
      assertThat(store.deployments().aliases(sshHost))
          .extracting(dev.selvedge.port.DeploymentStore.Alias::identity)
          .containsExactly(identity);
    }
  }

  @Test
  void aTakenPortIsRefusedBeforeAnythingChanges() throws Exception {
    contract(good, "prod", port, "");
    assertThat(cli("apply").code()).isZero();
    String id = containerId("web");
    int taken = freePort();
    try (ServerSocket blocker = new ServerSocket(taken, 1, InetAddress.getLoopbackAddress())) {
      assertThat(blocker.isBound()).isTrue();
      contract(good, "prod", taken, "");
      Result r = cli("apply", "--gate-timeout", "30s");
      assertThat(r.code()).as(r.all()).isEqualTo(2);
      assertThat(r.err())
          .contains("service 'web' publishes 127.0.0.1:" + taken + "/tcp, which is already in use")
          .contains("Nothing was changed");
      assertThat(r.err()).doesNotContain("stopping");
    }
    assertThat(containerId("web")).isEqualTo(id);
    assertThat(inspect(id, "{{.State.Running}}")).isEqualTo("true");
    assertThat(inspect(id, "{{.Name}}")).isEqualTo("/" + project + "-web-1");
    assertThat(JSON.readTree(cli("history", "--format", "json").out())).hasSize(1);
    // Its own port is not "taken": re-publishing what the service holds now passes the check.
    contract(good, "other", port, "");
    Result again = cli("apply");
    assertThat(again.code()).as(again.all()).isZero();
    assertThat(containerId("web")).isNotEqualTo(id);
  }

  @Test
  void rollbackGoesBackToTheLastHealthyDeployment() throws Exception {
    contract(good, "one", port, "");
    assertThat(cli("apply").code()).isZero();
    contract(good, "two", port, "");
    assertThat(cli("apply").code()).isZero();
    assertThat(env(containerId("web"))).contains("MODE=two");
    Result back = cli("rollback");
    assertThat(back.code()).as(back.all()).isZero();
    String id = containerId("web");
    assertThat(env(id)).contains("MODE=one").contains("API_TOKEN=" + TOKEN);
    Result history = cli("history");
    assertThat(history.out()).contains("rollback (to ");
  }

  @Test
  void afterAnOrphanOnlyApplyRollbackGoesBackOneStep() throws Exception {
    String extra =
        """
          extra:
            image: %s
            command: ["sh", "-c", "exec httpd -f -p 8081 -h /www"]
            labels:
              dev.selvedge.test: "1"
        """
            .formatted(good);
    contract(good, "one", port, extra);
    assertThat(cli("apply").code()).isZero();
    contract(good, "two", port, extra);
    assertThat(cli("apply").code()).isZero();
    // Only removes the orphan 'extra': no container is created, so none carries this deployment.
    contract(good, "two", port, "");
    Result orphanOnly = cli("apply");
    assertThat(orphanOnly.code()).as(orphanOnly.all()).isZero();
    assertThat(orphanOnly.out()).contains("removed " + project + "-extra-1");
    Result back = cli("rollback");
    assertThat(back.code()).as(back.all()).isZero();
    // The deployment before the orphan-only one: MODE=two with 'extra', not MODE=one.
    assertThat(env(containerId("web"))).contains("MODE=two");
    assertThat(containerId("extra")).isNotEmpty();
    assertThat(back.err()).contains("rolling back to deployment 2 ");
  }

  @Test
  void aHeldLeaseRefusesASecondOperationNamingItsHolder() throws Exception {
    contract(good, "prod", port, "");
    Map<String, String> env = Map.of("SELVEDGE_HOME", home.toString());
    try (Store store = Stores.open(StoreConfig.defaults(env))) {
      // Leases are per daemon, whatever endpoint reaches it.
      Lease held =
          store
              .leases()
              .acquire(
                  "docker-daemon:" + daemonId(),
                  project,
                  "alice@ops (pid 42)",
                  "apply",
                  Duration.ofMinutes(5));
      Result r = cli("apply");
      assertThat(r.code()).as(r.all()).isEqualTo(2);
      assertThat(r.err())
          .contains("alice@ops (pid 42)")
          .contains("'apply' since")
          .contains("unix:///var/run/docker.sock");
      String sshHost = facts.get("SELVEDGE_TEST_SSH_HOST");
      if (sshHost != null) {
        // The same daemon through SSH is the same lease.
        extraEnv.put("SELVEDGE_SSH_IDENTITY", facts.get("SELVEDGE_TEST_SSH_KEY"));
        extraEnv.put("SELVEDGE_SSH_KNOWN_HOSTS", facts.get("SELVEDGE_TEST_SSH_KNOWN_HOSTS"));
        Result viaSsh = cli("apply", "--host", sshHost);
        assertThat(viaSsh.code()).as(viaSsh.all()).isEqualTo(2);
        assertThat(viaSsh.err()).contains("alice@ops (pid 42)").contains(sshHost);
        assertThat(cli("restart", "web", "--host", sshHost).err()).contains("alice@ops (pid 42)");
      }
      store.leases().release(held);
    }
    assertThat(cli("apply").code()).isZero();
  }

  @Test
  void dependenciesAreHonouredAndSelfCriticalServicesNeedConfirmation() throws Exception {
    contract(
        good,
        "prod",
        port,
        """
          migrate:
            image: %s
            command: ["sh", "-c", "echo migrated"]
            labels:
              dev.selvedge.test: "1"
          proxy:
            image: %s
            command: ["sh", "-c", "exec httpd -f -p 8081 -h /www"]
            depends_on:
              migrate:
                condition: service_completed_successfully
              web:
                condition: service_healthy
            labels:
              dev.selvedge.test: "1"
            x-selvedge:
              self-critical: true
        """
            .formatted(good, good));
    Result r = cli("apply");
    assertThat(r.code()).as(r.all()).isZero();
    assertThat(inspect(containerId("migrate"), "{{.State.ExitCode}}")).isEqualTo("0");
    assertThat(inspect(containerId("proxy"), "{{.State.Running}}")).isEqualTo("true");
    // A no-op re-apply: the job that exited 0 is done (not unhealthy), and does not run again.
    String job = containerId("migrate");
    Result again = cli("apply");
    assertThat(again.code()).as(again.all()).isZero();
    assertThat(again.out()).contains("nothing to do");
    assertThat(containerId("migrate")).isEqualTo(job);
    assertThat(inspect(job, "{{.State.ExitCode}}")).isEqualTo("0");

    Result refused = cli("restart", "proxy");
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err()).contains("self-critical").contains("--confirm");
    Result restarted = cli("restart", "proxy", "--confirm");
    assertThat(restarted.code()).as(restarted.all()).isZero();
    List<dev.selvedge.port.AuditLog.Event> audit =
        auditLog().stream().filter(e -> e.action().equals("restart")).toList();
    assertThat(audit).hasSize(1);
    assertThat(audit.get(0))
        .extracting(
            dev.selvedge.port.AuditLog.Event::actor,
            dev.selvedge.port.AuditLog.Event::host,
            dev.selvedge.port.AuditLog.Event::project,
            dev.selvedge.port.AuditLog.Event::service,
            dev.selvedge.port.AuditLog.Event::action,
            dev.selvedge.port.AuditLog.Event::target,
            dev.selvedge.port.AuditLog.Event::outcome)
        .containsExactly(
            audit.get(0).actor(),
            "docker-daemon:" + daemonId(),
            project,
            "proxy",
            "restart",
            project + "-proxy-1",
            "done");
    assertThat(audit.get(0).actor()).startsWith("tester@ci (pid ");
    Result listed = cli("history", "--audit");
    assertThat(listed.code()).as(listed.all()).isZero();
    assertThat(listed.out().lines().toList().get(1))
        .contains("tester@ci (pid ")
        .contains(" proxy ")
        .contains(" restart ")
        .containsPattern(project + "-proxy-1 +done");
    // The apply's own changes are in it too, one per container it created.
    assertThat(auditLog())
        .filteredOn(e -> e.action().equals("apply create"))
        .extracting(dev.selvedge.port.AuditLog.Event::service)
        .containsExactlyInAnyOrder("migrate", "web", "proxy");
    Result stopped = cli("stop", "web");
    assertThat(stopped.code()).as(stopped.all()).isZero();
    assertThat(inspect(containerId("web"), "{{.State.Running}}")).isEqualTo("false");

    assertThat(cli("start", "web").code()).isZero();
    String since = run(List.of("date", "-u", "+%Y-%m-%dT%H:%M:%S.%NZ")).strip();
    Result gone = cli("down", "--confirm");
    assertThat(gone.code()).as(gone.all()).isZero();
    // Dependents first: proxy was stopped (its "die") before web, which it depends on.
    List<String> died =
        List.of(
            run(List.of(
                    "docker",
                    "events",
                    "--since",
                    since,
                    "--until",
                    run(List.of("date", "-u", "+%Y-%m-%dT%H:%M:%S.%NZ")).strip(),
                    "--filter",
                    "label=com.docker.compose.project=" + project,
                    "--filter",
                    "event=die",
                    "--format",
                    "{{index .Actor.Attributes \"com.docker.compose.service\"}}"))
                .strip()
                .split("\\s+"));
    assertThat(died).containsSubsequence("proxy", "web");
    assertThat(auditLog())
        .filteredOn(e -> e.action().equals("remove"))
        .extracting(dev.selvedge.port.AuditLog.Event::service)
        .containsExactlyInAnyOrder("migrate", "proxy", "web");
    assertThat(
            run(List.of(
                    "docker",
                    "ps",
                    "-aq",
                    "--filter",
                    "label=com.docker.compose.project=" + project))
                .strip())
        .isEmpty();
    assertThat(run(List.of("docker", "volume", "ls", "-q", "--filter", "name=" + project)))
        .contains(project + "_data");
    assertThat(run(List.of("docker", "network", "ls", "-q", "--filter", "name=" + project)))
        .isBlank();
    Result withVolumes = cli("down", "--volumes", "--confirm");
    assertThat(withVolumes.code()).as(withVolumes.all()).isZero();
    assertThat(withVolumes.out()).contains("1 volume(s)");
    assertThat(run(List.of("docker", "volume", "ls", "-q", "--filter", "name=" + project)))
        .doesNotContain(project + "_data");
  }

  @Test
  void aJobThatFailsAfterRunningAWhileStopsItsDependents() throws Exception {
    contract(
        good,
        "prod",
        port,
        """
          migrate:
            image: %s
            command: ["sh", "-c", "sleep 2; exit 3"]
            labels:
              dev.selvedge.test: "1"
          app:
            image: %s
            command: ["sh", "-c", "exec httpd -f -p 8081 -h /www"]
            depends_on:
              migrate:
                condition: service_completed_successfully
            labels:
              dev.selvedge.test: "1"
        """
            .formatted(good, good));
    Result r = cli("apply", "--format", "json");
    assertThat(r.code()).as(r.all()).isEqualTo(1);
    Map<String, String> status = new java.util.HashMap<>();
    JSON.readTree(r.out())
        .get("services")
        .forEach(n -> status.put(n.get("service").asText(), n.get("status").asText()));
    assertThat(status).containsEntry("app", "not-reached");
    assertThat(status.get("migrate")).isIn("rolled-back", "failed");
    assertThat(containerId("app")).isEmpty();
  }

  @Test
  void anApplyInterruptedByAnEngineRestartConvergesOnTheNextRun() throws Exception {
    contract(good, "prod", port, "");
    assertThat(cli("apply").code()).isZero();
    contract(good, "changed", port, "");
    // A slower first healthcheck keeps the gate open while the engine restarts under it.
    Path file = repo.resolve("compose.yaml");
    Files.writeString(file, Files.readString(file).replace("interval: 1s", "interval: 4s"));
    interruptedApply();
    // The new container came back with the engine but never passed its gate: it is gated now.
    Result converged = cli("apply", "--gate-timeout", "60s");
    assertThat(converged.code()).as(converged.all()).isZero();
    List<String> ids = projectContainers();
    assertThat(ids).hasSize(1);
    assertThat(env(ids.get(0))).contains("MODE=changed");
    assertThat(cli("apply").out()).contains("unchanged");
  }

  @Test
  void aStuckRunMidGateHoldsItsLeaseAndTheNextRunDoesNotAcceptTheUngatedContainer()
      throws Exception {
    contract(good, "prod", port, "");
    assertThat(cli("apply").code()).isZero();
    String goodImage = inspect(containerId("web"), "{{.Image}}");
    contract(bad, "prod", port, "");
    Map<String, String> env = Map.of("SELVEDGE_HOME", home.toString());
    // Held open here so this JVM serves the H2 file: a stopped process serving it would stall
    // every other one.
    try (Store serving = Stores.open(StoreConfig.defaults(env))) {
      // A separate selvedge process, stopped (SIGSTOP) while it gates the new container: alive,
      // so its lease is respected on this machine, but doing nothing.
      Path log = tmp.resolve("crashed.log");
      Process stuck = startCrasher(log);
      try {
        // Parked, and its successor created and gated: not merely renamed.
        waitFor(
            () -> Files.readString(log).contains("[web] waiting") && !run(parkedFilter()).isBlank(),
            "the previous container to be parked and the new one gated");
        run(List.of("kill", "-STOP", Long.toString(stuck.pid())));
        assertThat(run(parkedFilter())).isNotBlank();
        Lease held = serving.leases().current("docker-daemon:" + daemonId(), project).orElseThrow();
        assertThat(held.holder().pid()).isEqualTo(stuck.pid());

        // Its lease outlives its progress until it expires ...
        Result refused = cli("apply");
        assertThat(refused.code()).as(refused.all()).isEqualTo(2);
        assertThat(refused.err())
            .contains("crasher@ci")
            .contains("still running on this machine (pid " + stuck.pid() + ")");
        // ... and then another run takes over.
        expireCrashedLease();
        Result next = cli("apply", "--gate-timeout", "60s");
        assertThat(next.code()).as(next.all()).isEqualTo(1);
        assertThat(next.err()).contains("earlier deployment(s) of this project were interrupted");
        assertThat(next.err()).contains("resuming an interrupted apply");
        assertThat(next.out()).contains("rolled-back");
      } finally {
        stuck.destroyForcibly().waitFor();
      }
    }
    List<String> ids = projectContainers();
    assertThat(ids).hasSize(1);
    assertThat(inspect(ids.get(0), "{{.Image}}")).isEqualTo(goodImage);
    assertThat(inspect(ids.get(0), "{{.Name}}")).isEqualTo("/" + project + "-web-1");
    assertThat(inspect(ids.get(0), "{{.State.Running}}")).isEqualTo("true");
    assertThat(outcomes()).containsExactly("rolled-back", "interrupted", "healthy");
  }

  @Test
  void aKillDuringARestoreIsFinishedAtOnceByTheNextRun() throws Exception {
    contract(good, "prod", port, "");
    assertThat(cli("apply").code()).isZero();
    String previous = containerId("web");
    contract(bad, "prod", port, "");
    Path log = tmp.resolve("crashed.log");
    // The crashing run reaches the engine through a proxy that holds the request giving the
    // parked container its name back, so it is killed mid-restore: its successor removed, the
    // previous container still parked and stopped, the service down.
    String putBack = "/rename?name=" + project + "-web-1 ";
    try (StallingProxy proxy = new StallingProxy(putBack)) {
      Process crasher = startCrasher(log, "--gate-timeout", "2s", "--host", proxy.endpoint());
      try {
        waitFor(proxy::stalled, "the restore to ask for the previous container's name back");
      } finally {
        crasher.destroyForcibly().waitFor(); // SIGKILL
      }
    }
    assertThat(Files.readString(log)).contains("restoring the previous container");
    assertThat(projectContainers()).containsExactly(previous);
    assertThat(inspect(previous, "{{.Name}}"))
        .isEqualTo("/" + project + "-web-1" + "-selvedge-old");
    assertThat(inspect(previous, "{{.State.Running}}")).isEqualTo("false");

    // The next run, with the dead run's lease minutes from expiring, takes it over and puts the
    // previous container back before it plans: the same container runs again, under its name.
    contract(good, "prod", port, "");
    Result next = cli("apply");
    assertThat(next.code()).as(next.all()).isZero();
    assertThat(next.err())
        .contains("took over the lease of crasher@ci")
        .contains("finishing the restore crasher@ci")
        .contains("restored " + project + "-web-1 and started it");
    assertThat(next.out()).contains("nothing to do");
    assertThat(projectContainers()).containsExactly(previous);
    assertThat(inspect(previous, "{{.Name}}")).isEqualTo("/" + project + "-web-1");
    assertThat(inspect(previous, "{{.State.Running}}")).isEqualTo("true");
    assertThat(auditLog())
        .anySatisfy(
            e -> {
              assertThat(e.action()).isEqualTo("finish restore");
              assertThat(e.outcome()).isEqualTo("done");
            });
  }

  /**
   * A TCP endpoint in front of the local engine's socket that forwards everything until a request
   * holds {@code marker}, and from then on forwards nothing more of that connection.
   */
  private static final class StallingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final List<java.io.Closeable> open =
        java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stalled;

    StallingProxy(String marker) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread accepting =
          new Thread(
              () -> {
                try {
                  while (true) {
                    Socket client = server.accept();
                    var engine =
                        java.nio.channels.SocketChannel.open(
                            java.net.UnixDomainSocketAddress.of("/var/run/docker.sock"));
                    open.add(client);
                    open.add(engine);
                    pump(
                        client.getInputStream(),
                        java.nio.channels.Channels.newOutputStream(engine),
                        marker);
                    pump(
                        java.nio.channels.Channels.newInputStream(engine),
                        client.getOutputStream(),
                        null);
                  }
                } catch (IOException e) {
                  // closed: the test is done with it
                }
              });
      accepting.setDaemon(true);
      accepting.start();
    }

    String endpoint() {
      return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    boolean stalled() {
      return stalled;
    }

    private void pump(java.io.InputStream in, java.io.OutputStream out, String marker) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[65536];
                // Requests are small: the last bytes seen are enough to find a request line that
                // spans two reads.
                String tail = "";
                try {
                  for (int n; (n = in.read(buf)) > 0; ) {
                    if (marker != null) {
                      tail += new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                      if (tail.contains(marker)) {
                        stalled = true;
                        return;
                      }
                      tail = tail.substring(Math.max(0, tail.length() - 4096));
                    }
                    out.write(buf, 0, n);
                    out.flush();
                  }
                } catch (IOException e) {
                  // either side went away
                }
              });
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() throws IOException {
      server.close();
      synchronized (open) {
        for (java.io.Closeable c : open) {
          c.close();
        }
      }
    }
  }

  @Test
  void aCrashWhilePullingLeavesADeploymentTheNextRunMarksInterrupted() throws Exception {
    // A registry that accepts connections and never answers: the pull hangs until the crash.
    List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
    try (ServerSocket stalling = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread accepting =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(stalling.accept());
                  }
                } catch (IOException e) {
                  // closed: the test is done with it
                }
              });
      accepting.setDaemon(true);
      accepting.start();
      contract(
          "127.0.0.1:" + stalling.getLocalPort() + "/selvedge-test/stalls:1", "prod", port, "");
      Path log = tmp.resolve("crashed.log");
      Process crasher = startCrasher(log);
      try {
        waitFor(
            () -> Files.isRegularFile(log) && Files.readString(log).contains("pulling "),
            "the pull to start");
      } finally {
        crasher.destroyForcibly().waitFor();
        for (Socket s : held) {
          s.close();
        }
      }
    }
    // The attempt was recorded before the pull, the first change to the engine.
    assertThat(outcomes()).containsExactly("running");

    expireCrashedLease();
    contract(good, "prod", port, "");
    Result next = cli("apply");
    assertThat(next.code()).as(next.all()).isZero();
    assertThat(next.err()).contains("earlier deployment(s) of this project were interrupted");
    assertThat(outcomes()).containsExactly("healthy", "interrupted");
  }

  @Test
  void anApplyWithNothingToChangeLeavesNoDeployment() throws Exception {
    contract(good, "prod", port, "");
    assertThat(cli("apply").code()).isZero();
    Result again = cli("apply");
    assertThat(again.code()).as(again.all()).isZero();
    assertThat(outcomes()).containsExactly("healthy");
  }

  @Test
  void aStoreStoppedMidApplyKeepsTheEndingInTheSpoolAndTheNextCommandRecordsIt() throws Exception {
    try (ScratchPostgres pg = ScratchPostgres.start(freePort())) {
      extraEnv.put("SELVEDGE_STORE_URL", pg.jdbcUrl());
      extraEnv.put("SELVEDGE_STORE_USER", "postgres");
      // Healthy only once the test says so: the store is stopped while the gate waits.
      Files.writeString(
          repo.resolve("compose.yaml"),
          """
          name: %s
          %s
          services:
            gated:
              image: %s
              command: ["sleep", "3600"]
              environment:
                API_TOKEN: ${API_TOKEN}
              labels:
                dev.selvedge.test: "1"
              healthcheck:
                test: ["CMD", "test", "-f", "/tmp/ready"]
                interval: 1s
                timeout: 2s
                retries: 600
              stop_grace_period: 1s
          """
              .formatted(project, RELAXED, facts.get("SELVEDGE_TEST_IMAGE")));
      // A store down at the start refuses the apply before anything changes.
      pg.stop();
      Result refused = cli("apply");
      assertThat(refused.code()).as(refused.all()).isEqualTo(2);
      assertThat(refused.err()).contains("cannot open the store");
      assertThat(containerId("gated")).isEmpty();
      pg.start();

      Path log = tmp.resolve("apply.log");
      Process apply = startCrasher(log);
      try {
        waitFor(
            () -> Files.isRegularFile(log) && Files.readString(log).contains("[gated] waiting"),
            "the gate to wait");
        pg.stop();
        run(List.of("docker", "exec", containerId("gated"), "sh", "-c", ": > /tmp/ready"));
        assertThat(apply.waitFor(3, TimeUnit.MINUTES)).as("the apply to end").isTrue();
      } finally {
        apply.destroyForcibly().waitFor();
      }
      String out = Files.readString(log);
      outputs.add(out);
      // The engine side succeeded: that is the exit code, and the record waits in the spool.
      assertThat(apply.exitValue()).as(out).isZero();
      List<Path> spooled;
      try (var files = Files.walk(home.resolve("spool"))) {
        spooled = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
      }
      Path ending =
          spooled.stream()
              .filter(f -> f.getFileName().toString().startsWith("deployment-"))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError("no spooled ending in " + spooled + "\n" + out));
      assertThat(out).contains("kept in " + ending).contains("ended healthy");
      for (Path f : spooled) {
        assertThat(
                java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(f)))
            .isEqualTo("rw-------");
        assertThat(Files.readString(f)).doesNotContain(TOKEN);
      }
      assertThat(spooled).anyMatch(f -> f.getFileName().toString().startsWith("lease-"));

      pg.start();
      Result history = cli("history", "--format", "json");
      assertThat(history.code()).as(history.all()).isZero();
      assertThat(history.err())
          .contains("recorded how deployment")
          .contains("healthy")
          .contains("released the lease on '" + project + "'");
      JsonNode latest = JSON.readTree(history.out()).get(0);
      assertThat(latest.get("outcome").asText()).isEqualTo("healthy");
      try (var files = Files.walk(home.resolve("spool"))) {
        assertThat(files.filter(Files::isRegularFile).toList()).isEmpty();
      }
      // Not locked out until the lease (ten minutes here) runs out.
      Result again = cli("apply");
      assertThat(again.code()).as(again.all()).isZero();
      assertThat(again.out()).contains("nothing to do");
    }
  }

  private List<String> outcomes() throws IOException {
    Result history = cli("history", "--format", "json");
    List<String> outcomes = new ArrayList<>();
    JSON.readTree(history.out()).forEach(d -> outcomes.add(d.get("outcome").asText()));
    return outcomes;
  }

  /** The lease a crashed run holds for this long: it cannot run out while a test works. */
  private static final Duration CRASHER_TTL = Duration.ofMinutes(10);

  /** A separate selvedge process applying the project (to be killed), its output to {@code log}. */
  private Process startCrasher(Path log, String... args) throws IOException {
    Path jar = Path.of("target", "selvedge.jar").toAbsolutePath();
    assumeTrue(Files.isRegularFile(jar), "no " + jar + ": run through mvn verify");
    List<String> command =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                jar.toString(),
                "apply",
                "--gate-timeout",
                "60s"));
    command.addAll(List.of(args)); // the last --gate-timeout wins
    command.addAll(List.of("--project-directory", repo.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SELVEDGE_HOME", home.toString());
    pb.environment().put("SELVEDGE_LEASE_TTL", CRASHER_TTL.toMinutes() + "m");
    pb.environment().put("SELVEDGE_ACTOR", "crasher@ci");
    pb.environment().putAll(extraEnv);
    // A --host tcp:// here is the test's plain proxy, not a TLS endpoint.
    pb.environment().remove("DOCKER_TLS_VERIFY");
    return pb.start();
  }

  /**
   * Lets a crashed run's lease expire without waiting for it (a wait would race the machine's
   * speed): its expiry is moved back by its time to live and a minute, as if that had passed on the
   * database's clock (which judges leases: no process's clock can make one look expired); then a
   * store takes the lease over, as the next run would then, and gives it up for the next run.
   */
  private void expireCrashedLease() throws Exception {
    StoreConfig config = StoreConfig.defaults(Map.of("SELVEDGE_HOME", home.toString()));
    String key = "docker-daemon:" + daemonId();
    try (Store store = Stores.open(config);
        Connection db =
            DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password())) {
      OffsetDateTime expires;
      try (PreparedStatement read =
          db.prepareStatement("SELECT expires_at FROM lease WHERE host = ? AND project = ?")) {
        read.setString(1, key);
        read.setString(2, project);
        try (ResultSet rs = read.executeQuery()) {
          assertThat(rs.next()).as("the crashed run's lease").isTrue();
          expires = rs.getObject(1, OffsetDateTime.class);
        }
      }
      try (PreparedStatement age =
          db.prepareStatement("UPDATE lease SET expires_at = ? WHERE host = ? AND project = ?")) {
        age.setObject(1, expires.minus(CRASHER_TTL.plusMinutes(1)));
        age.setString(2, key);
        age.setString(3, project);
        assertThat(age.executeUpdate()).isEqualTo(1);
      }
      assertThat(store.leases().current(key, project)).isEmpty();
      store
          .leases()
          .release(store.leases().acquire(key, project, "later@ci", "apply", CRASHER_TTL));
    }
  }

  private List<dev.selvedge.port.AuditLog.Event> auditLog() throws Exception {
    try (Store store =
        Stores.open(StoreConfig.defaults(Map.of("SELVEDGE_HOME", home.toString())))) {
      return store.audit().recent("docker-daemon:" + daemonId(), project, 100);
    }
  }

  private List<String> parkedFilter() {
    return List.of("docker", "ps", "-aq", "--filter", "name=" + project + "-web-1-selvedge-old");
  }

  interface Check {
    boolean ok() throws Exception;
  }

  private static void waitFor(Check check, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited 60s for " + what);
      }
      Thread.sleep(50);
    }
  }

  /** Runs apply and restarts dockerd once the previous container is parked: mid-gate. */
  private void interruptedApply() throws Exception {
    assumeTrue(
        Files.isRegularFile(Path.of("/var/lib/selvedge-test/dockerd.pid")),
        "dockerd was not started by scripts/test-services.sh, so the test cannot restart it");
    Thread restarter =
        new Thread(
            () -> {
              try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < deadline && run(parkedFilter()).isBlank()) {
                  Thread.sleep(50);
                }
                restartDockerd();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    restarter.start();
    Result interrupted = cli("apply", "--gate-timeout", "60s");
    restarter.join();
    waitForDocker();
    // The engine went away under it: it failed (2), or the engine came back in time and it put
    // the previous container back (1); a shutting-down engine may still answer long enough for the
    // gate to pass (0). Whichever, the next run must converge.
    assertThat(interrupted.code()).as(interrupted.all()).isIn(0, 1, 2);
  }

  private List<String> projectContainers() throws Exception {
    return List.of(
        run(List.of(
                "docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + project))
            .strip()
            .split("\\s+"));
  }

  // ------------------------------------------------------------------------------ helpers

  record Result(int code, String out, String err) {
    String all() {
      return out + err;
    }
  }

  private Result cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--project-directory", repo.toString()));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SELVEDGE_HOME", home.toString());
    env.put("PATH", System.getenv("PATH"));
    env.put("SELVEDGE_ACTOR", "tester@ci");
    env.putAll(extraEnv);
    MainTest.Result m = MainTest.run(repo, env, all.toArray(String[]::new));
    Result r = new Result(m.code(), m.out(), m.err());
    outputs.add(r.all());
    return r;
  }

  private String containerId(String service) throws Exception {
    return run(List.of(
            "docker",
            "ps",
            "-aq",
            "--filter",
            "label=com.docker.compose.project=" + project,
            "--filter",
            "label=com.docker.compose.service=" + service))
        .strip();
  }

  private static String inspect(String id, String format) throws Exception {
    return run(List.of("docker", "inspect", "-f", format, id)).strip();
  }

  private static String daemonId() throws Exception {
    return run(List.of("docker", "info", "--format", "{{.ID}}")).strip();
  }

  private static String env(String id) throws Exception {
    return inspect(id, "{{json .Config.Env}}");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void restartDockerd() throws Exception {
    String pid =
        Files.readString(Path.of("/var/lib/selvedge-test/dockerd.pid"), StandardCharsets.UTF_8)
            .strip();
    run(List.of("kill", "-TERM", pid));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && Files.isDirectory(Path.of("/proc/" + pid))) {
      Thread.sleep(100);
    }
    run(
        List.of(
            "bash",
            Path.of("")
                .toAbsolutePath()
                .getParent()
                .resolve("scripts/test-services.sh")
                .toString()));
  }

  private static void waitForDocker() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Process p = new ProcessBuilder("docker", "info").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (p.waitFor() == 0) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("docker did not come back");
  }

  private static String run(List<String> cmd) throws Exception {
    return TestHost.run(cmd);
  }
}
