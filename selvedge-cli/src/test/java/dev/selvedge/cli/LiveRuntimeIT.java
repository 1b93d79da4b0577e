package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selvedge.docker.DockerEngines;
import dev.selvedge.docker.EngineOptions;
import dev.selvedge.docker.ssh.SshTransport;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.sourceforge.argparse4j.inf.ArgumentParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * status, drift, logs and probe against a real engine, with a stack brought up by Debian's
 * docker-compose 1.29 (a peer client: Selvedge must read what it created). Each test mutates one
 * layer and asserts the exact finding. Everything runs on loopback; containers carry the label
 * {@code dev.selvedge.test=1} and a unique project name and are removed after each test.
 */
class LiveRuntimeIT {
  private static final String TOKEN = "tok-LIVE-s3cret-9f2c";
  private static final String TOKEN2 = "tok-ROTATED-s3cret-41aa";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Map<String, String> facts;

  @TempDir Path tmp;
  private String project;
  private int port;
  private Path repo;
  private Path deploy;
  private Path home;

  @BeforeAll
  static void services() throws IOException {
    facts = TestHost.facts();
  }

  @BeforeEach
  void up() throws Exception {
    project = TestHost.newProject();
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    repo = Files.createDirectories(tmp.resolve("repo"));
    deploy = Files.createDirectories(tmp.resolve("deploy"));
    home = Files.createDirectories(tmp.resolve("home"));
    for (Path dir : List.of(repo, deploy)) {
      Files.writeString(dir.resolve("compose.yaml"), compose("prod"));
      Files.writeString(dir.resolve(".env"), "API_TOKEN=" + TOKEN + "\n");
    }
    Files.writeString(repo.resolve(".env.example"), "API_TOKEN=\n");
    Files.createDirectories(deploy.resolve("www"));
    Files.writeString(deploy.resolve("www/healthz"), "{\"status\":\"ok\"}");
    compose("up", "-d");
    waitHealthy();
  }

  @AfterEach
  void down() throws Exception {
    if (project == null) {
      return;
    }
    compose("down", "-v", "--remove-orphans");
    // Containers started outside compose for a test, found by the project label.
    TestHost.removeContainers(project);
  }

  private String compose(String mode) {
    return """
        version: "3.8"
        services:
          web:
            image: %s
            command: ["sh", "-c", "echo started with $$API_TOKEN; exec httpd -f -p 8080 -h /www"]
            ports:
              - "127.0.0.1:%d:8080"
            volumes:
              - ./www:/www:ro
            environment:
              MODE: %s
              API_TOKEN: ${API_TOKEN}
            labels:
              dev.selvedge.test: "1"
            healthcheck:
              test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/healthz"]
              interval: 1s
              timeout: 2s
              retries: 3
            restart: unless-stopped
            x-selvedge:
              readback:
                health: http://127.0.0.1:%d/healthz
                expect:
                  status: ok
                timeout: 2s
        """
        .formatted(facts.get("SELVEDGE_TEST_IMAGE"), port, mode, port);
  }

  // --------------------------------------------------------------------------- the tests

  @Test
  void inSyncAndGreenWhenEveryLayerAgrees() throws Exception {
    Result drift = cli("drift", "--format", "json");
    assertThat(drift.code()).as(drift.out() + drift.err()).isZero();
    assertThat(findings(drift)).isEmpty();
    Result status = cli("status");
    assertThat(status.code()).as(status.out()).isZero();
    assertThat(status.out()).contains("GREEN").contains("web");
  }

  @Test
  void editedContractIsRepoHostDrift() throws Exception {
    Files.writeString(repo.resolve("compose.yaml"), compose("debug"));
    Result r = cli("drift", "--format", "json");
    assertThat(r.code()).isEqualTo(1);
    assertThat(findings(r))
        .anySatisfy(
            f -> {
              assertThat(f.get("service").asText()).isEqualTo("web");
              assertThat(f.get("layer").asText()).isEqualTo("repo/host");
              assertThat(f.get("key").asText()).isEqualTo("environment.MODE");
              assertThat(f.get("expected").asText()).isEqualTo("debug");
              assertThat(f.get("actual").asText()).isEqualTo("prod");
            });
  }

  @Test
  void changedHostEnvIsHostContainerDriftComparedByFingerprint() throws Exception {
    Files.writeString(deploy.resolve(".env"), "API_TOKEN=" + TOKEN2 + "\n");
    Result r = cli("drift", "--format", "json");
    assertThat(r.code()).isEqualTo(1);
    assertThat(findings(r))
        .anySatisfy(
            f -> {
              assertThat(f.get("layer").asText()).isEqualTo("host/container");
              assertThat(f.get("key").asText()).isEqualTo("environment.API_TOKEN");
              assertThat(f.get("expected").asText()).startsWith("hmac-sha256:");
              assertThat(f.get("actual").asText()).startsWith("hmac-sha256:");
            });
    Result text = cli("drift");
    for (Result out : List.of(r, text)) {
      assertThat(out.out() + out.err()).doesNotContain(TOKEN).doesNotContain(TOKEN2);
    }
  }

  @Test
  void stoppedContainerIsContradictedAndRed() throws Exception {
    run(List.of("docker", "stop", "-t", "1", project + "_web_1"));
    Result r = cli("drift", "--format", "json");
    assertThat(r.code()).isEqualTo(1);
    assertThat(findings(r))
        .anySatisfy(
            f -> {
              assertThat(f.get("key").asText()).isEqualTo("state");
              assertThat(f.get("class").asText()).isEqualTo("contradicted");
            });
    Result status = cli("status");
    assertThat(status.code()).isEqualTo(1);
    assertThat(status.out()).contains("RED");
  }

  @Test
  void containerWithTheProjectLabelButNoContractServiceIsExtra() throws Exception {
    TestHost.runLabelled(project, "intruder", "sleep", "300");
    Result r = cli("drift", "--format", "json");
    assertThat(r.code()).isEqualTo(1);
    assertThat(findings(r))
        .anySatisfy(
            f -> {
              assertThat(f.get("service").asText()).isEqualTo("intruder");
              assertThat(f.get("class").asText()).isEqualTo("extra");
            });
  }

  @Test
  void degradedHealthzIsApplicationDrift() throws Exception {
    Files.writeString(deploy.resolve("www/healthz"), "{\"status\":\"degraded\"}");
    Result r = cli("drift", "--format", "json");
    assertThat(r.code()).isEqualTo(1);
    assertThat(findings(r))
        .anySatisfy(
            f -> {
              assertThat(f.get("layer").asText()).isEqualTo("container/app");
              assertThat(f.get("key").asText()).contains("status");
              assertThat(f.get("expected").asText()).isEqualTo("ok");
              assertThat(f.get("actual").asText()).isEqualTo("degraded");
            });
  }

  @Test
  void logsAreBoundedAndScrubbed() throws Exception {
    Result r = cli("logs", "web", "--tail", "5", "--since", "5m", "--timeout", "5s");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("started with ********").doesNotContain(TOKEN);
  }

  @Test
  void probeClassifiesAnswersAndRefusals() throws Exception {
    Result ok = cli("probe", "http://127.0.0.1:" + port + "/healthz");
    assertThat(ok.code()).isZero();
    assertThat(ok.out()).startsWith("http_200");
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Result refused = cli("probe", "--timeout", "2s", "http://127.0.0.1:" + closed + "/");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.out()).startsWith("connection_refused");
  }

  @Test
  void unreachableEngineIsExitTwoNamingTheHost() throws Exception {
    Result r = cli("drift", "--host", "unix:///nonexistent/docker.sock");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("unix:///nonexistent/docker.sock").doesNotContain("\tat ");
  }

  @Test
  void readsTheEngineAndTheDeployDirectoryOverSsh() throws Exception {
    String sshHost = facts.get("SELVEDGE_TEST_SSH_HOST");
    extraEnv.put("SELVEDGE_SSH_IDENTITY", facts.get("SELVEDGE_TEST_SSH_KEY"));
    extraEnv.put("SELVEDGE_SSH_KNOWN_HOSTS", facts.get("SELVEDGE_TEST_SSH_KNOWN_HOSTS"));
    Result inSync = cli("drift", "--format", "json", "--host", sshHost);
    assertThat(inSync.code()).as(inSync.out() + inSync.err()).isZero();
    // The host layer really comes over SSH: change the deploy directory and see it.
    Files.writeString(deploy.resolve("compose.yaml"), compose("canary"));
    Result drift = cli("drift", "--format", "json", "--host", sshHost);
    assertThat(findings(drift))
        .anySatisfy(
            f -> {
              assertThat(f.get("layer").asText()).isEqualTo("repo/host");
              assertThat(f.get("actual").asText()).isEqualTo("canary");
            });
  }

  @Test
  void driftOverSshKeepsOneEngineChannelAndReadsTheDeployDirectoryAtOnce() throws Exception {
    // An env_file on both sides: the repo side reads it, so the host side reads it ahead too.
    for (Path dir : List.of(repo, deploy)) {
      Files.writeString(
          dir.resolve("compose.yaml"),
          compose("prod")
              .replace("    environment:\n", "    env_file: [web.env]\n    environment:\n"));
    }
    Files.writeString(repo.resolve("web.env"), "LEVEL=info\n");
    Files.writeString(deploy.resolve("web.env"), "LEVEL=debug\n");
    EngineOptions options =
        EngineOptions.fromEnvironment(
            facts.get("SELVEDGE_TEST_SSH_HOST"),
            Map.of(
                "SELVEDGE_SSH_IDENTITY", facts.get("SELVEDGE_TEST_SSH_KEY"),
                "SELVEDGE_SSH_KNOWN_HOSTS", facts.get("SELVEDGE_TEST_SSH_KNOWN_HOSTS")));
    SshTransport ssh = (SshTransport) DockerEngines.transport(options);
    MainTest.Captured captured =
        MainTest.Captured.of(
            Map.of("SELVEDGE_HOME", home.toString()), repo, InputStream.nullInputStream());
    LiveCommand drift =
        new LiveCommand(
            captured.cli(), LiveCommand.View.DRIFT, ns -> DockerEngines.over(ssh, options));
    ArgumentParser parser = Main.parserFor("selvedge", captured.cli()).build();
    drift.configure(parser.addSubparsers().addParser("drift"));

    int code =
        drift.run(
            parser.parseArgs(
                new String[] {
                  "drift",
                  "--format",
                  "json",
                  "--no-readback",
                  "--project-directory",
                  repo.toString(),
                  "-p",
                  project,
                  "--deploy-dir",
                  deploy.toString()
                }));

    MainTest.Result r = captured.result(code);
    assertThat(code).as(r.out() + r.err()).isEqualTo(1);
    // One channel to the engine's socket for every engine request (no process on the host); one
    // read of the files known up front (.env and the Compose file names) and one of those the
    // contract named (web.env).
    assertThat(ssh.streamLocalChannels()).isEqualTo(1);
    assertThat(ssh.execChannels()).isEqualTo(2);
    assertThat(findings(new Result(code, r.out(), r.err())))
        .anySatisfy(
            f -> {
              assertThat(f.get("layer").asText()).isEqualTo("repo/host");
              assertThat(f.get("actual").asText()).isEqualTo("debug");
            });
  }

  // --------------------------------------------------------------------------- helpers

  private final Map<String, String> extraEnv = new LinkedHashMap<>();

  record Result(int code, String out, String err) {}

  private Result cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!args[0].equals("probe")) {
      all.addAll(
          List.of(
              "--project-directory",
              repo.toString(),
              "-p",
              project,
              "--deploy-dir",
              deploy.toString()));
      if (args[0].equals("logs")) {
        all.remove("--deploy-dir");
        all.remove(deploy.toString());
      }
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SELVEDGE_HOME", home.toString());
    env.put("PATH", System.getenv("PATH"));
    env.putAll(extraEnv);
    MainTest.Result m = MainTest.run(repo, env, all.toArray(String[]::new));
    return new Result(m.code(), m.out(), m.err());
  }

  private static List<JsonNode> findings(Result r) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    JSON.readTree(r.out()).get("findings").forEach(out::add);
    return out;
  }

  private void compose(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "docker-compose",
                "-p",
                project,
                "-f",
                deploy.resolve("compose.yaml").toString(),
                "--project-directory",
                deploy.toString()));
    cmd.addAll(List.of(args));
    run(cmd);
  }

  private void waitHealthy() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String health = "";
    while (System.nanoTime() < deadline) {
      health =
          run(List.of("docker", "inspect", "-f", "{{.State.Health.Status}}", project + "_web_1"))
              .strip();
      if (health.equals("healthy")) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("web never became healthy: " + health);
  }

  private static String run(List<String> cmd) throws Exception {
    return TestHost.run(cmd);
  }
}
