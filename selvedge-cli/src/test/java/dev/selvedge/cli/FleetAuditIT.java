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
 * {@code selvedge fleet audit} on the real dockerd: two tenants (two Compose projects) on one node,
 * scoped by {@code audit.projects} to this test's projects (the engine is shared with other tests).
 * Clean, it exits 0; with a container of another node's tenant planted on the node and both tenants
 * given the same DB_PASSWORD, both are found, by fingerprint only.
 */
class FleetAuditIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "planted-tenant-secret-5150";
  private static Map<String, String> facts;

  @TempDir Path tmp;
  private String prefix;
  private Path home;
  private final List<String[]> up = new ArrayList<>();

  @BeforeAll
  static void services() throws Exception {
    facts = TestHost.facts();
  }

  @BeforeEach
  void setUp() throws Exception {
    prefix = "sel-aud-" + UUID.randomUUID().toString().substring(0, 8);
    home = Files.createDirectories(tmp.resolve("home"));
    for (String t : List.of("a", "b", "c")) {
      Path dir = Files.createDirectories(tmp.resolve("tenant-" + t));
      Files.writeString(
          dir.resolve("compose.yaml"),
          """
          x-selvedge:
            tenant_unique: [TENANT_ID, DB_PASSWORD]
          services:
            web:
              image: %s
              command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
              environment:
                TENANT_ID: tenant-%s
                DB_PASSWORD: ${DB_PASSWORD}
              labels:
                dev.selvedge.test: "1"
          """
              .formatted(facts.get("SELVEDGE_TEST_IMAGE"), t));
    }
  }

  @AfterEach
  void down() throws Exception {
    for (String[] p : up) {
      try {
        compose(p[0], p[1], "down", "-v", "--remove-orphans");
      } finally {
        TestHost.removeContainers(p[0]);
      }
    }
    TestHost.removeContainers(prefix + "-c");
  }

  private void start(String tenant, String password) throws Exception {
    Files.writeString(tmp.resolve("tenant-" + tenant + "/.env"), "DB_PASSWORD=" + password + "\n");
    String project = prefix + "-" + tenant;
    up.add(new String[] {project, "tenant-" + tenant});
    compose(project, "tenant-" + tenant, "up", "-d");
  }

  private void fleet(String extraNodes) throws Exception {
    Files.writeString(
        tmp.resolve("fleet.yaml"),
        "audit:\n"
            + "  schedule: daily 03:30\n"
            + "  projects: [\""
            + prefix
            + "-*\"]\n"
            + "nodes:\n"
            + "  host-1:\n"
            + "    engine: unix:///var/run/docker.sock\n"
            + "    stacks:\n"
            + "      a: {contract: tenant-a, project: "
            + prefix
            + "-a}\n"
            + "      b: {contract: tenant-b, project: "
            + prefix
            + "-b}\n"
            + extraNodes);
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

  @Test
  void aCleanFleetExitsZero() throws Exception {
    start("a", SECRET);
    start("b", "another-password-7777");
    fleet("");
    MainTest.Result r = cli("fleet", "audit", "--fleet", "fleet.yaml");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("node host-1").contains("clean: 0 findings");
    MainTest.Result json = cli("fleet", "audit", "--format", "json");
    assertThat(json.code()).as(json.out() + json.err()).isZero();
    JsonNode report = JSON.readTree(json.out());
    assertThat(report.get("kind").asText()).isEqualTo("tenant-audit");
    assertThat(report.at("/summary/passed").asBoolean()).isTrue();
    assertThat(report.get("findings")).isEmpty();
  }

  @Test
  void aPlantedContaminationIsFoundByFingerprintOnly() throws Exception {
    start("a", SECRET);
    start("b", SECRET);
    // A container of node-2's tenant c, running on host-1's engine.
    TestHost.runLabelled(prefix + "-c", "web", "sh", "-c", "trap 'exit 0' TERM; sleep 600");
    fleet(
        "  node-2:\n"
            + "    engine: unix:///var/run/docker.sock\n"
            + "    stacks:\n"
            + "      c: {contract: tenant-c, project: "
            + prefix
            + "-c}\n");
    MainTest.Result r = cli("fleet", "audit", "--format", "json");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.out() + r.err()).doesNotContain(SECRET);
    JsonNode report = JSON.readTree(r.out());
    assertThat(report.at("/summary/result").asText()).isEqualTo("findings");
    List<JsonNode> onHost = new ArrayList<>();
    report
        .get("findings")
        .forEach(
            f -> {
              if (f.get("node").asText().equals("host-1")) {
                onHost.add(f);
              }
            });
    assertThat(onHost)
        .anySatisfy(
            f -> {
              assertThat(f.get("class").asText()).isEqualTo("foreign-resource");
              assertThat(f.get("project").asText()).isEqualTo(prefix + "-c");
              assertThat(f.get("key").asText()).startsWith("container ");
              assertThat(f.get("others").get(0).asText()).isEqualTo("node-2/c");
            });
    assertThat(onHost)
        .anySatisfy(
            f -> {
              assertThat(f.get("class").asText()).isEqualTo("shared-unique-value");
              assertThat(f.get("stack").asText()).isEqualTo("a");
              assertThat(f.get("key").asText()).isEqualTo("environment.DB_PASSWORD");
              assertThat(f.get("fingerprint").asText()).startsWith("hmac-sha256:");
              assertThat(f.get("others").get(0).asText()).isEqualTo("host-1/b");
            });
    // TENANT_ID differs: not shared.
    assertThat(onHost).noneMatch(f -> f.get("key").asText().equals("environment.TENANT_ID"));

    MainTest.Result text = cli("fleet", "audit");
    assertThat(text.code()).isEqualTo(1);
    assertThat(text.out()).contains("! foreign-resource").contains("! shared-unique-value");
    assertThat(text.out() + text.err()).doesNotContain(SECRET);
  }

  @Test
  void anUnreadableNodeExitsTwo() throws Exception {
    start("a", SECRET);
    start("b", "another-password-7777");
    fleet(
        "  gone:\n"
            + "    engine: unix://"
            + tmp.resolve("no-such.sock")
            + "\n"
            + "    stacks:\n"
            + "      c: {contract: tenant-c, project: "
            + prefix
            + "-c}\n");
    MainTest.Result r = cli("fleet", "audit");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.out()).contains("node gone").contains("? engine unreachable");
  }
}
