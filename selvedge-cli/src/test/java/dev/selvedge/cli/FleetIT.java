package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selvedge.Version;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.docker.FleetEngines;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.evidence.Tool;
import dev.selvedge.fleet.EngineNodeReader;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.FleetFile;
import dev.selvedge.fleet.FleetJson;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.fleet.PillChange;
import dev.selvedge.fleet.Poller;
import dev.selvedge.fleet.Scheduler;
import dev.selvedge.fleet.SweepListener;
import dev.selvedge.port.Store;
import dev.selvedge.status.Pill;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet of three nodes on the real services: the local socket, the same dockerd over {@code
 * ssh://} (sshd on 127.0.0.1:2222) and an engine that is not there (a closed loopback port). The
 * stack is brought up by docker-compose under a project name of its own, labelled as a test's, and
 * removed afterwards.
 */
class FleetIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Map<String, String> facts;

  @TempDir Path tmp;
  private String project;
  private Path app;
  private Path fleetFile;
  private Path home;

  @BeforeAll
  static void services() throws Exception {
    facts = TestHost.facts();
  }

  @BeforeEach
  void up() throws Exception {
    project = TestHost.newProject();
    app = Files.createDirectories(tmp.resolve("app"));
    home = Files.createDirectories(tmp.resolve("home"));
    Files.writeString(
        app.resolve("compose.yaml"),
        """
        version: "3.8"
        services:
          web:
            image: %s
            command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
            labels:
              dev.selvedge.test: "1"
        """
            .formatted(facts.get("SELVEDGE_TEST_IMAGE")));
    compose("up", "-d");
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    String stack = "    stacks:\n      app: {contract: app, project: " + project + "}\n";
    fleetFile = tmp.resolve("fleet.yaml");
    Files.writeString(
        fleetFile,
        "poll: {interval: 60s, timeout: 10s, concurrency: 4}\n"
            + "nodes:\n"
            + "  local:\n"
            + "    engine: unix:///var/run/docker.sock\n"
            + "    environment: dev\n"
            + "    tags: [eu]\n"
            + stack
            + "  remote:\n"
            + "    engine: "
            + facts.get("SELVEDGE_TEST_SSH_HOST")
            + "\n"
            + "    ssh: {identity: "
            + facts.get("SELVEDGE_TEST_SSH_KEY")
            + ", known_hosts: "
            + facts.get("SELVEDGE_TEST_SSH_KNOWN_HOSTS")
            + "}\n"
            + "    environment: prod\n"
            + "    tags: [eu]\n"
            + stack
            + "  gone:\n"
            + "    engine: tcp://127.0.0.1:"
            + closed
            + "\n"
            + "    environment: prod\n"
            + stack);
  }

  @AfterEach
  void down() throws Exception {
    if (project != null) {
      compose("down", "-v", "--remove-orphans");
      TestHost.removeContainers(project);
    }
  }

  private void compose(String... args) throws Exception {
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

  private String container() throws Exception {
    return TestHost.run(
            List.of(
                "docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + project))
        .strip();
  }

  // ---- fleet status ------------------------------------------------------------------------

  @Test
  void fleetStatusShowsEveryNodeAndExitsOneWhenAnyStackIsNotGreen() throws Exception {
    MainTest.Result r = cli("fleet", "status", "--format", "json");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    JsonNode fleet = JSON.readTree(r.out());
    assertThat(fleet.at("/summary/nodes").asInt()).isEqualTo(3);
    assertThat(fleet.at("/summary/stacks").asInt()).isEqualTo(3);
    assertThat(fleet.at("/summary/green").asInt()).isEqualTo(2);
    assertThat(fleet.at("/summary/red").asInt()).isEqualTo(1);
    Map<String, JsonNode> nodes = new LinkedHashMap<>();
    fleet.get("nodes").forEach(n -> nodes.put(n.get("id").asText(), n));
    assertThat(nodes).containsOnlyKeys("local", "remote", "gone");
    for (String id : List.of("local", "remote")) {
      JsonNode n = nodes.get(id);
      assertThat(n.get("pill").asText()).as(id + ": " + n).isEqualTo("green");
      assertThat(n.get("stale").asBoolean()).isFalse();
      assertThat(n.at("/stacks/0/name").asText()).isEqualTo("app");
      assertThat(n.at("/stacks/0/project").asText()).isEqualTo(project);
      assertThat(n.at("/stacks/0/sync").asText()).isEqualTo("in-sync");
      assertThat(n.at("/stacks/0/health").asText()).isEqualTo("healthy");
    }
    JsonNode gone = nodes.get("gone");
    assertThat(gone.get("pill").asText()).isEqualTo("red");
    assertThat(gone.at("/reasons/0").asText()).contains("unreachable").contains("refused");
    assertThat(gone.at("/stacks/0/sync").asText()).isEqualTo("unknown");
    assertThat(gone.at("/stacks/0/health").asText()).isEqualTo("unknown");

    MainTest.Result dev = cli("fleet", "status", "--environment", "dev");
    assertThat(dev.code()).as(dev.out() + dev.err()).isZero();
    assertThat(dev.out()).contains("local").doesNotContain("remote").doesNotContain("gone");
    assertThat(dev.out()).contains("1 node, 1 green, 0 yellow, 0 red");

    MainTest.Result text = cli("fleet", "status", "--tag", "eu");
    assertThat(text.code()).isZero();
    assertThat(text.out()).contains("local").contains("remote").doesNotContain("gone");
  }

  @Test
  void aFleetFileThatCannotBeReadIsExitTwoNamingFileAndLine() throws Exception {
    MainTest.Result missing = cli("fleet", "status", "--fleet", "nope.yaml");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("nope.yaml");

    Files.writeString(
        tmp.resolve("bad.yaml"),
        "nodes:\n  a:\n    engine: unix:///var/run/docker.sock\n    colour: blue\n");
    MainTest.Result bad = cli("fleet", "status", "--fleet", "bad.yaml");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("bad.yaml:4").contains("colour").doesNotContain("\tat ");
    assertThat(bad.out()).isEmpty();
  }

  // ---- the poller on the real services -------------------------------------------------------

  @Test
  void pillsTurnAsTheContainerStopsAndComeBackWhenItStartsAgainAndTheStateOutlivesARestart()
      throws Exception {
    Fleet fleet = FleetFile.load(fleetFile, Map.of());
    StoreConfig storeConfig = StoreConfig.defaults(Map.of("SELVEDGE_HOME", home.toString()));
    List<String> swept = new ArrayList<>();
    try (Store store = Stores.open(storeConfig)) {
      try (Poller poller = poller(fleet, store, swept)) {
        Map<String, NodeState> first = byId(poller.sweepAll());
        assertThat(first.get("local").pill()).as(first.toString()).isEqualTo(Pill.GREEN);
        assertThat(first.get("remote").pill()).as(first.toString()).isEqualTo(Pill.GREEN);
        assertThat(first.get("gone").pill()).isEqualTo(Pill.RED);
        // the engine's facts, the same daemon through the socket and over SSH
        assertThat(first.get("local").facts().daemonId()).isNotBlank();
        assertThat(first.get("remote").facts().daemonId())
            .isEqualTo(first.get("local").facts().daemonId());
        assertThat(first.get("local").facts().cpus()).isPositive();
        assertThat(first.get("local").facts().memoryBytes()).isPositive();
        assertThat(first.get("local").facts().apiVersion()).matches("1\\.\\d+");
        assertThat(first.get("local").stacks().get(0).report()).contains("\"status\"");
        assertThat(poller.readiness()).as("every node swept once").isEmpty();
        assertThat(swept).containsExactlyInAnyOrder("local:true", "remote:true", "gone:false");

        TestHost.run(List.of("docker", "kill", container())); // exits 137: not a finished job
        Map<String, NodeState> once = byId(poller.sweepAll());
        assertThat(once.get("local").stacks().get(0).pill())
            .as("one sweep is a flap")
            .isEqualTo(Pill.GREEN);
        assertThat(once.get("local").stacks().get(0).reasons())
            .anySatisfy(r -> assertThat(r).contains("turning red"));
        Map<String, NodeState> twice = byId(poller.sweepAll());
        for (String id : List.of("local", "remote")) {
          assertThat(twice.get(id).pill()).as(id).isEqualTo(Pill.RED);
          assertThat(twice.get(id).stacks().get(0).reasons())
              .anySatisfy(r -> assertThat(r).contains("web"));
        }

        TestHost.run(List.of("docker", "start", container()));
        poller.sweepAll();
        Map<String, NodeState> back = byId(poller.sweepAll());
        assertThat(back.get("local").pill()).as(back.toString()).isEqualTo(Pill.GREEN);
        assertThat(back.get("remote").pill()).isEqualTo(Pill.GREEN);
      }
      List<PillChange> history = store.fleetState().history("local", 10);
      assertThat(history)
          .extracting(c -> c.stack() + ":" + c.from() + "->" + c.to())
          .containsSubsequence("app:RED->GREEN", "app:GREEN->RED", "app:null->GREEN");
      JsonNode historyJson = JSON.readTree(FleetJson.write(FleetJson.history("local", history)));
      assertThat(historyJson.at("/changes/0/to").asText()).isEqualTo("green");
    }

    // A restart: the last state shows at once, stale until swept again.
    try (Store store = Stores.open(storeConfig);
        Poller poller = poller(fleet, store, new ArrayList<>())) {
      NodeView local = poller.view("local").orElseThrow();
      assertThat(local.stale()).isTrue();
      assertThat(local.state().pill()).isEqualTo(Pill.GREEN);
      JsonNode node = JSON.readTree(FleetJson.write(FleetJson.node(local)));
      assertThat(node.get("stale").asBoolean()).isTrue();
      assertThat(node.at("/engine/cpus").asInt()).isPositive();
      assertThat(poller.readiness()).hasValueSatisfying(r -> assertThat(r).contains("3 of 3"));
    }
  }

  private Poller poller(Fleet fleet, Store store, List<String> swept) {
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    Clock clock = Clock.systemUTC();
    LiveStackReader stacks =
        new LiveStackReader(
            new LiveCheck(threads, clock, new SocketHttpProbe()),
            Map.of(),
            Fingerprints.load(home),
            true);
    EngineNodeReader reader =
        new EngineNodeReader(
            FleetEngines.opener(Map.of("HOME", home.toString())),
            stacks,
            clock,
            Tool.selvedge(Version.current()));
    SweepListener listener =
        (node, took, reachable) -> {
          synchronized (swept) {
            swept.add(node + ":" + reachable);
          }
        };
    return new Poller(
        fleet,
        reader,
        store.fleetState(),
        clock,
        Scheduler.system(),
        threads,
        new Random(),
        "it-replica",
        listener);
  }

  private static Map<String, NodeState> byId(List<NodeState> states) {
    Map<String, NodeState> m = new LinkedHashMap<>();
    states.forEach(s -> m.put(s.id(), s));
    return m;
  }
}
