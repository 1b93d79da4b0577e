package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
 * {@code selvedge fleet updates} against the test services' registry: a tag seen for the first time
 * is current (its baseline), a new digest pushed to it is due (exit 1) and nothing is started, a
 * tag not pushed is unreadable (exit 2); a bad auto_update is refused at its line.
 */
class FleetUpdatesIT {
  private static Map<String, String> facts;

  @TempDir Path tmp;
  private String prefix;
  private String registry;
  private Path home;
  private final List<String> images = new ArrayList<>();
  private final List<String> pushed = new ArrayList<>();

  @BeforeAll
  static void services() throws Exception {
    facts = TestHost.facts();
  }

  @BeforeEach
  void setUp() throws Exception {
    prefix = "sel-upd-" + UUID.randomUUID().toString().substring(0, 8);
    registry = facts.getOrDefault("SELVEDGE_TEST_REGISTRY", "127.0.0.1:5000");
    home = Files.createDirectories(tmp.resolve("home"));
    Files.createDirectories(tmp.resolve("shop"));
    Files.writeString(
        tmp.resolve("shop/compose.yaml"),
        "services:\n  api:\n    image: " + registry + "/" + prefix + "/api:1\n");
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    for (String manifest : pushed) {
      try {
        http.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(manifest)).DELETE().build(),
            java.net.http.HttpResponse.BodyHandlers.discarding());
      } catch (java.io.IOException e) {
        // best effort
      }
    }
    for (String image : images) {
      try {
        TestHost.run(List.of("docker", "rmi", "-f", image));
      } catch (Exception e) {
        // best effort
      }
    }
  }

  private void fleet(String services) throws Exception {
    Files.writeString(
        tmp.resolve("fleet.yaml"),
        "nodes:\n"
            + "  one:\n"
            + "    engine: unix:///var/run/docker.sock\n"
            + "    stacks:\n"
            + "      shop:\n"
            + "        contract: shop\n"
            + "        project: "
            + prefix
            + "\n"
            + "        auto_update: {schedule: \"0 3 * * *\", services: "
            + services
            + ", window: \"02:00-05:00\"}\n");
  }

  private String push(String content) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("rootfs-" + UUID.randomUUID()));
    Files.writeString(root.resolve("version.txt"), content + "\n");
    Path tar = tmp.resolve(root.getFileName() + ".tar");
    TestHost.run(List.of("tar", "-C", root.toString(), "-cf", tar.toString(), "."));
    String ref = registry + "/" + prefix + "/api:1";
    TestHost.run(
        List.of("docker", "import", "--change", "LABEL dev.selvedge.test=1", tar.toString(), ref));
    images.add(ref);
    String out =
        TestHost.run(
            List.of("docker", "--config", home.resolve(".docker").toString(), "push", ref));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("digest: (sha256:[0-9a-f]{64})").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    pushed.add("http://" + registry + "/v2/" + prefix + "/api/manifests/" + m.group(1));
    return m.group(1);
  }

  private MainTest.Result cli(String... args) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SELVEDGE_HOME", home.toString());
    env.put("HOME", home.toString());
    env.put("PATH", System.getenv("PATH"));
    return MainTest.run(tmp, env, args);
  }

  @Test
  void aNewDigestIsDueAndNothingIsStarted() throws Exception {
    fleet("[api]");
    MainTest.Result missing = cli("fleet", "updates");
    assertThat(missing.code()).as(missing.out() + missing.err()).isEqualTo(2);
    assertThat(missing.out()).contains("shop api: failed: registry " + registry).contains("404");

    String a = push("A " + prefix);
    MainTest.Result first = cli("fleet", "updates", "--fleet", "fleet.yaml");
    assertThat(first.code()).as(first.out() + first.err()).isZero();
    assertThat(first.out()).contains("shop api: current: ").contains(a);

    String b = push("B " + prefix);
    MainTest.Result due = cli("fleet", "updates", "--format", "json");
    assertThat(due.code()).as(due.out() + due.err()).isEqualTo(1);
    assertThat(due.out()).contains("\"state\" : \"due\"").contains(b).contains(a);
    // still due: a listing starts and records nothing of it
    assertThat(cli("fleet", "updates").out()).contains("shop api: due: ").contains(b);
  }

  @Test
  void anUnknownServiceIsSaidWithTheContractsServices() throws Exception {
    push("A " + prefix);
    fleet("[api, worker]");
    MainTest.Result r = cli("fleet", "updates");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out())
        .contains("shop worker: failed: service 'worker' of auto_update is not in the contract")
        .contains("(services: api)");
  }

  @Test
  void aBadAutoUpdateIsRefusedAtItsLine() throws Exception {
    Files.writeString(
        tmp.resolve("fleet.yaml"),
        "nodes:\n"
            + "  one:\n"
            + "    engine: unix:///var/run/docker.sock\n"
            + "    stacks:\n"
            + "      shop:\n"
            + "        contract: shop\n"
            + "        auto_update: {schedule: \"0 3 * * *\", services: [api], window: 2-5}\n");
    MainTest.Result r = cli("fleet", "updates");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("fleet.yaml:7: nodes.one.stacks.shop.auto_update.window: '2-5' is not a window");
  }
}
