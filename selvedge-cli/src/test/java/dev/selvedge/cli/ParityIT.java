package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code selvedge parity} on the real services: two "nodes" that are two Compose projects on the
 * local engine (each with its own contract and planted differences: an environment value, a secret,
 * an image, a published port, a label, a bind-mounted host file; some declared expected), and a
 * third node reading the second project over {@code ssh://} (the test sshd, same dockerd).
 */
class ParityIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET_A = "planted-secret-aaaa-1111";
  private static final String SECRET_B = "planted-secret-bbbb-2222";
  private static Map<String, String> facts;

  @TempDir Path tmp;
  private String projectA;
  private String projectB;
  private String altImage;
  private Path home;

  @BeforeAll
  static void services() throws Exception {
    facts = TestHost.facts();
  }

  @BeforeEach
  void up() throws Exception {
    String image = facts.get("SELVEDGE_TEST_IMAGE");
    altImage = "selvedge-test/busybox:parity-" + UUID.randomUUID().toString().substring(0, 8);
    TestHost.run(List.of("docker", "tag", image, altImage));
    projectA = TestHost.newProject();
    projectB = TestHost.newProject();
    home = Files.createDirectories(tmp.resolve("home"));
    contract("app-a", image, "info", "a", "gold", "    ports: [\"127.0.0.1::8080\"]\n", "x\n");
    contract("app-b", altImage, "debug", "b", "silver", "", "y\n");
    Files.writeString(tmp.resolve("app-a/.env"), "API_TOKEN=" + SECRET_A + "\n");
    Files.writeString(tmp.resolve("app-b/.env"), "API_TOKEN=" + SECRET_B + "\n");
    compose(projectA, "app-a", "up", "-d");
    compose(projectB, "app-b", "up", "-d");
    Files.writeString(
        tmp.resolve("fleet.yaml"),
        "nodes:\n"
            + "  node-a:\n"
            + "    engine: unix:///var/run/docker.sock\n"
            + "    environment: staging\n"
            + "    stacks:\n"
            + "      app: {contract: app-a, project: "
            + projectA
            + "}\n"
            + "  node-b:\n"
            + "    engine: unix:///var/run/docker.sock\n"
            + "    environment: prod\n"
            + "    parity: {ignore: [labels.tier]}\n"
            + "    stacks:\n"
            + "      app: {contract: app-b, project: "
            + projectB
            + "}\n"
            + "  node-c:\n"
            + "    engine: "
            + facts.get("SELVEDGE_TEST_SSH_HOST")
            + "\n"
            + "    ssh: {identity: "
            + facts.get("SELVEDGE_TEST_SSH_KEY")
            + ", known_hosts: "
            + facts.get("SELVEDGE_TEST_SSH_KNOWN_HOSTS")
            + "}\n"
            + "    environment: prod\n"
            + "    stacks:\n"
            + "      app: {contract: app-b, project: "
            + projectB
            + "}\n"
            + "  gone:\n"
            + "    engine: unix://"
            + tmp.resolve("no-such.sock")
            + "\n"
            + "    environment: dev\n"
            + "    stacks:\n"
            + "      app: {contract: app-b, project: "
            + projectB
            + "}\n");
  }

  private void contract(
      String dir,
      String image,
      String logLevel,
      String tenant,
      String tier,
      String ports,
      String conf)
      throws Exception {
    Path app = Files.createDirectories(tmp.resolve(dir));
    Files.writeString(app.resolve("conf.txt"), conf);
    Files.writeString(
        app.resolve("compose.yaml"),
        """
        x-selvedge:
          parity: {ignore: [TENANT]}
        services:
          web:
            image: %s
            command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
            environment:
              LOG_LEVEL: %s
              TENANT: %s
              API_TOKEN: ${API_TOKEN}
            labels:
              dev.selvedge.test: "1"
              tier: %s
            volumes: ["./conf.txt:/etc/conf.txt:ro"]
        %s"""
            .formatted(image, logLevel, tenant, tier, ports));
  }

  @AfterEach
  void down() throws Exception {
    for (String[] p : new String[][] {{projectA, "app-a"}, {projectB, "app-b"}}) {
      if (p[0] != null) {
        try {
          compose(p[0], p[1], "down", "-v", "--remove-orphans");
        } finally {
          TestHost.removeContainers(p[0]);
        }
      }
    }
    if (altImage != null) {
      TestHost.run(List.of("docker", "rmi", altImage));
    }
  }

  private void compose(String project, String dir, String... args) throws Exception {
    Path app = tmp.resolve(dir);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "docker-compose",
                "-p",
                project,
                "-f",
                app.resolve("compose.yaml").toString(),
                "--project-directory",
                app.toString()));
    cmd.addAll(List.of(args));
    TestHost.run(cmd);
  }

  private MainTest.Result cli(String... args) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SELVEDGE_HOME", home.toString());
    env.put("HOME", home.toString());
    env.put("PATH", System.getenv("PATH"));
    return MainTest.run(tmp, env, args);
  }

  private static Map<String, JsonNode> byLayerKey(JsonNode comparison) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    comparison
        .get("differences")
        .forEach(d -> out.put(d.get("layer").asText() + " " + d.get("key").asText(), d));
    return out;
  }

  @Test
  void twoNodesWithPlantedDifferencesListEveryOneExpectedOnesMarkedAndNoSecret() throws Exception {
    MainTest.Result r = cli("parity", "node-a", "node-b", "--format", "json");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.out() + r.err()).doesNotContain(SECRET_A).doesNotContain(SECRET_B);
    JsonNode report = JSON.readTree(r.out());
    assertThat(report.get("result").asText()).isEqualTo("different");
    assertThat(report.at("/summary/comparisons").asInt()).isEqualTo(1);
    assertThat(report.at("/summary/unreadable").asInt()).isZero();
    JsonNode c = report.at("/comparisons/0");
    assertThat(c.at("/a/node").asText()).isEqualTo("node-a");
    assertThat(c.at("/a/project").asText()).isEqualTo(projectA);
    assertThat(c.at("/b/project").asText()).isEqualTo(projectB);
    Map<String, JsonNode> d = byLayerKey(c);

    // unexpected: the environment (by fingerprint only), the secret, the image, a port, files
    JsonNode log = d.get("env environment.LOG_LEVEL");
    assertThat(log).as(d.keySet().toString()).isNotNull();
    assertThat(log.get("service").asText()).isEqualTo("web");
    assertThat(log.get("expected").asBoolean()).isFalse();
    assertThat(log.get("a").asText()).startsWith("hmac-sha256:");
    assertThat(log.get("b").asText())
        .startsWith("hmac-sha256:")
        .isNotEqualTo(log.get("a").asText());
    assertThat(d.get("env environment.API_TOKEN").get("a").asText()).startsWith("hmac-sha256:");
    assertThat(d.get("contract environment.API_TOKEN").get("expected").asBoolean()).isFalse();
    assertThat(d.get("contract image").get("b").asText()).isEqualTo(altImage);
    assertThat(d.get("image image").get("a").asText()).isEqualTo(facts.get("SELVEDGE_TEST_IMAGE"));
    assertThat(d.get("image image").get("b").asText()).isEqualTo(altImage);
    JsonNode port = d.get("container ports[8080/tcp]");
    assertThat(port.get("a").asText()).isEqualTo("127.0.0.1:(any)");
    assertThat(port.get("b").isNull()).isTrue();
    assertThat(d.get("contract ports[8080/tcp].host_ip").get("a").asText()).isEqualTo("127.0.0.1");
    assertThat(d.get("files files[conf.txt]").get("a").asText()).startsWith("hmac-sha256:");
    assertThat(d.get("files files[.env]").get("expected").asBoolean()).isFalse();
    // the bind mount and the project's network compare equal although each names its own
    assertThat(d).doesNotContainKeys("container volumes[/etc/conf.txt]", "container networks");

    // expected: TENANT by the contract, the tier label by node-b's parity.ignore
    JsonNode tenant = d.get("env environment.TENANT");
    assertThat(tenant.get("expected").asBoolean()).isTrue();
    assertThat(tenant.get("ignored_by").asText()).isEqualTo("contract");
    JsonNode tier = d.get("container labels.tier");
    assertThat(tier.get("expected").asBoolean()).isTrue();
    assertThat(tier.get("ignored_by").asText()).isEqualTo("node node-b");
    assertThat(tier.get("a").asText()).isEqualTo("gold");

    MainTest.Result text = cli("parity", "node-a", "node-b", "--stack", "app");
    assertThat(text.code()).isEqualTo(1);
    assertThat(text.out())
        .contains("stack app: node-a (project " + projectA + ")")
        .contains("service web")
        .contains("! environment.LOG_LEVEL: hmac-sha256:")
        .contains("= labels.tier: gold | silver  (expected: node node-b)")
        .contains("different: 1 comparison,")
        .doesNotContain(SECRET_A)
        .doesNotContain(SECRET_B);
  }

  @Test
  void differencesAllDeclaredExpectedAreExitZero() throws Exception {
    String fleet = Files.readString(tmp.resolve("fleet.yaml"));
    Files.writeString(
        tmp.resolve("expected.yaml"),
        fleet.replace(
            "parity: {ignore: [labels.tier]}",
            "parity: {ignore: [labels.tier, LOG_LEVEL, API_TOKEN, image, \"ports[*\", \"files[*\"]}"));
    MainTest.Result r =
        cli("parity", "--fleet", "expected.yaml", "node-a", "node-b", "--format", "json");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    JsonNode report = JSON.readTree(r.out());
    assertThat(report.get("result").asText()).isEqualTo("same");
    assertThat(report.at("/summary/unexpected").asInt()).isZero();
    assertThat(report.at("/summary/expected").asInt()).isGreaterThanOrEqualTo(10);
  }

  @Test
  void theSameStackReadOverSshAndTheSocketIsTheSameAndEnvironmentsPairEveryNode() throws Exception {
    MainTest.Result same = cli("parity", "node-b", "node-c");
    assertThat(same.code()).as(same.out() + same.err()).isZero();
    assertThat(same.out()).contains("no differences").contains("same: 1 comparison");

    MainTest.Result envs = cli("parity", "env:staging", "env:prod", "--format", "json");
    assertThat(envs.code()).as(envs.out() + envs.err()).isEqualTo(1);
    JsonNode report = JSON.readTree(envs.out());
    assertThat(report.get("comparisons"))
        .extracting(c -> c.at("/a/node").asText() + ">" + c.at("/b/node").asText())
        .containsExactly("node-a>node-b", "node-a>node-c");
  }

  @Test
  void anUnknownSideAnUnreachableNodeOrABadFleetFileIsExitTwoNamingIt() throws Exception {
    MainTest.Result unknown = cli("parity", "node-a", "node-x");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("node-x");

    MainTest.Result env = cli("parity", "node-a", "env:qa");
    assertThat(env.code()).isEqualTo(2);
    assertThat(env.err()).contains("'qa'");

    MainTest.Result gone = cli("parity", "node-b", "gone", "--format", "json");
    assertThat(gone.code()).as(gone.out() + gone.err()).isEqualTo(2);
    JsonNode report = JSON.readTree(gone.out());
    assertThat(report.get("result").asText()).isEqualTo("unreadable");
    assertThat(report.at("/unreadable/0/node").asText()).isEqualTo("gone");
    assertThat(report.at("/unreadable/0/reason").asText()).contains("unreachable");

    Files.writeString(
        tmp.resolve("bad.yaml"), "nodes:\n  a:\n    engine: unix:///x\n    parity: {ignor: [X]}\n");
    MainTest.Result bad = cli("parity", "--fleet", "bad.yaml", "a", "a");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("bad.yaml:4").contains("ignor");
  }
}
