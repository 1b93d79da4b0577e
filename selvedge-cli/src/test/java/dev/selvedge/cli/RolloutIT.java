package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.docker.FleetEngines;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.FleetFile;
import dev.selvedge.fleet.rollout.EngineNodeDeployer;
import dev.selvedge.fleet.rollout.RolloutListener;
import dev.selvedge.fleet.rollout.RolloutRequest;
import dev.selvedge.fleet.rollout.RolloutService;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.RolloutStore;
import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;
import dev.selvedge.port.RolloutStore.State;
import dev.selvedge.port.RolloutStore.Step;
import dev.selvedge.port.Store;
import dev.selvedge.port.StoreException;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code selvedge rollout} on the real services: a fleet of four nodes, three Compose projects on
 * the local engine over its socket and one over {@code ssh://} (the test sshd, same dockerd), each
 * running the stack {@code app} from its own contract directory; images from the test registry
 * ({@code app:good} passes its healthcheck, {@code app:bad} never does). Everything is labelled and
 * removed after each test.
 */
class RolloutIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "tok-ROLLOUT-s3cret-41a9";
  private static Map<String, String> facts;
  private static String good;
  private static String bad;

  @TempDir Path tmp;
  private Path home;
  private final List<String> projects = new ArrayList<>();
  private final List<String> outputs = new ArrayList<>();
  private String goodAlt;

  @BeforeAll
  static void services() throws Exception {
    facts = TestHost.facts();
    String registry = facts.get("SELVEDGE_TEST_REGISTRY");
    assumeTrue(registry != null, "no registry in " + TestHost.FACTS);
    good = registry + "/selvedge-test/app:good";
    bad = registry + "/selvedge-test/app:bad";
  }

  @BeforeEach
  void up() throws Exception {
    home = Files.createDirectories(tmp.resolve("home"));
    StringBuilder fleet = new StringBuilder("nodes:\n");
    for (int i = 1; i <= 4; i++) {
      String project = TestHost.newProject();
      projects.add(project);
      Path dir = Files.createDirectories(tmp.resolve("n" + i));
      Files.writeString(dir.resolve(".env"), "API_TOKEN=" + TOKEN + "\n");
      Files.writeString(dir.resolve(".env.example"), "API_TOKEN=\n");
      Files.writeString(
          dir.resolve("compose.yaml"),
          """
          x-selvedge:
            policy:
              rules:
                healthcheck-interval-too-short: "off"
                logging-unbounded: "off"
          services:
            web:
              image: %s
              environment:
                API_TOKEN: ${API_TOKEN}
              labels:
                dev.selvedge.test: "1"
              healthcheck:
                test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/healthz"]
                interval: 1s
                timeout: 2s
                retries: 2
              restart: unless-stopped
              stop_grace_period: 1s
          """
              .formatted(good));
      String engine = i == 4 ? facts.get("SELVEDGE_TEST_SSH_HOST") : "unix:///var/run/docker.sock";
      fleet.append("  n").append(i).append(":\n    engine: ").append(engine).append('\n');
      if (i == 4) {
        fleet
            .append("    ssh: {identity: ")
            .append(facts.get("SELVEDGE_TEST_SSH_KEY"))
            .append(", known_hosts: ")
            .append(facts.get("SELVEDGE_TEST_SSH_KNOWN_HOSTS"))
            .append("}\n");
      }
      fleet
          .append("    environment: prod\n    tags: [")
          .append(i <= 2 ? "eu" : "us")
          .append("]\n    stacks:\n      app: {contract: n")
          .append(i)
          .append(", project: ")
          .append(project)
          .append("}\n");
    }
    Files.writeString(tmp.resolve("fleet.yaml"), fleet.toString());
  }

  @AfterEach
  void down() throws Exception {
    for (String p : projects) {
      TestHost.removeProject(p);
    }
    if (goodAlt != null) {
      TestHost.run(List.of("docker", "rmi", goodAlt));
    }
    for (String o : outputs) {
      assertThat(o).doesNotContain(TOKEN);
    }
  }

  private Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SELVEDGE_HOME", home.toString());
    env.put("HOME", home.toString());
    env.put("PATH", System.getenv("PATH"));
    env.put("SELVEDGE_ACTOR", "tester@ci");
    return env;
  }

  private MainTest.Result cli(String... args) {
    MainTest.Result r = MainTest.run(tmp, env(), args);
    outputs.add(r.out() + r.err());
    return r;
  }

  private static String containerOf(String project) throws Exception {
    return TestHost.run(
            List.of(
                "docker", "ps", "-q", "--filter", "label=com.docker.compose.project=" + project))
        .strip();
  }

  private static String imageOf(String container) throws Exception {
    return TestHost.run(List.of("docker", "inspect", "-f", "{{.Config.Image}}", container)).strip();
  }

  private JsonNode status(String id) throws Exception {
    MainTest.Result r = cli("rollout", "status", id, "--format", "json");
    return JSON.readTree(r.out());
  }

  private static String idOf(MainTest.Result r) {
    for (String line : r.err().split("\n")) {
      String id = startedId(line);
      if (id != null) {
        return id;
      }
    }
    throw new AssertionError("no rollout id in:\n" + r.err());
  }

  /** The id in the line that says a rollout started ({@code rollout ID: stack S started (...)}). */
  private static String startedId(String line) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("^rollout (\\S+): stack \\S+ started").matcher(line);
    return m.find() ? m.group(1) : null;
  }

  @Test
  void aPassingRolloutReachesEveryNodeAFailingCanaryStopsThereAndRollbackPutsNodesBack()
      throws Exception {
    // 1. every node, wave by wave
    MainTest.Result first =
        cli("rollout", "--stack", "app", "--waves", "1,50%,100%", "--gate-timeout", "30s");
    assertThat(first.code()).as(first.out() + first.err()).isZero();
    String a = idOf(first);
    assertThat(first.err()).contains("wave 0 (canary) started").contains("wave 2 started");
    // said once: one started line, one gate verdict per node (not again at the apply's end)
    assertThat(first.err().lines().filter(l -> l.contains(": stack app started (")).count())
        .as(first.err())
        .isEqualTo(1);
    assertThat(first.err().lines().filter(l -> l.contains("[n1] web: gate passed")).count())
        .as(first.err())
        .isEqualTo(1);
    JsonNode s = status(a);
    assertThat(s.get("state").asText()).isEqualTo("finished");
    assertThat(s.get("nodes")).hasSize(4);
    s.get("nodes").forEach(n -> assertThat(n.get("step").asText()).isEqualTo("healthy"));
    assertThat(s.at("/nodes/0/wave").asInt()).isZero();
    assertThat(s.at("/nodes/3/wave").asInt()).isEqualTo(2);
    Map<String, String> before = new LinkedHashMap<>();
    for (String p : projects) {
      before.put(p, containerOf(p));
      assertThat(imageOf(before.get(p))).startsWith(good);
    }

    // 2. a canary that fails its gate: rolled back, no other node touched
    MainTest.Result halted =
        cli(
            "rollout",
            "--stack",
            "app",
            "--waves",
            "1,100%",
            "--image",
            "web=" + bad,
            "--gate-timeout",
            "4s");
    assertThat(halted.code()).as(halted.out() + halted.err()).isEqualTo(1);
    JsonNode h = status(idOf(halted));
    assertThat(h.get("state").asText()).isEqualTo("halted");
    assertThat(h.get("failed_node").asText()).isEqualTo("n1");
    // the reason says which service failed and why, from the apply's per-service outcomes
    String why = h.get("reason").asText();
    assertThat(why).startsWith("node n1: web failed its health gate (").endsWith("; rolled back");
    assertThat(h.at("/nodes/0/detail").asText()).isEqualTo(why.substring("node n1: ".length()));
    assertThat(halted.err())
        .contains("node n1: rolled-back (web failed its health gate (")
        .doesNotContain("node n1: failed")
        .contains("halted (" + why + ")");
    // the summary's columns line up
    assertThat(halted.out()).contains("  wave 0 (canary)  n1  rolled-back  (was deployment ");
    assertThat(halted.out()).contains("  wave 1           n2  skipped      not reached");
    assertThat(h.at("/nodes/0/step").asText()).isEqualTo("rolled-back");
    for (int i = 1; i < 4; i++) {
      assertThat(h.at("/nodes/" + i + "/step").asText()).isEqualTo("skipped");
    }
    for (String p : projects) {
      String c = containerOf(p);
      assertThat(imageOf(c)).startsWith(good);
      if (!p.equals(projects.get(0))) {
        assertThat(c).as("node untouched").isEqualTo(before.get(p));
      }
    }
    // one rollout per stack: the halted one does not hold it; a bad --waves is bad input
    MainTest.Result badWaves = cli("rollout", "--stack", "app", "--waves", "1,50%");
    assertThat(badWaves.code()).isEqualTo(2);
    assertThat(badWaves.err()).contains("end with 100%");

    // 3. a third rollout on another reference of the image, then rolled back: the first's again
    goodAlt = "selvedge-test/app:rollout-" + UUID.randomUUID().toString().substring(0, 8);
    TestHost.run(List.of("docker", "tag", good, goodAlt));
    MainTest.Result third =
        cli(
            "rollout",
            "--stack",
            "app",
            "--tag",
            "us",
            "--waves",
            "100%",
            "--image",
            "web=" + goodAlt,
            "--gate-timeout",
            "30s");
    assertThat(third.code()).as(third.out() + third.err()).isZero();
    String c = idOf(third);
    // the us nodes run the other reference (a local tag: pinned by image id), the eu ones as before
    assertThat(containerOf(projects.get(2))).isNotEqualTo(before.get(projects.get(2)));
    assertThat(imageOf(containerOf(projects.get(2)))).startsWith("sha256:");
    assertThat(containerOf(projects.get(1))).isEqualTo(before.get(projects.get(1)));
    JsonNode cs = status(c);
    long previous = cs.at("/nodes/0/previous_deployment").asLong();
    assertThat(cs.at("/nodes/0/node").asText()).isEqualTo("n3");
    assertThat(previous).isPositive();
    MainTest.Result back = cli("rollout", "rollback", c, "--format", "json");
    assertThat(back.code()).as(back.out() + back.err()).isZero();
    JsonNode b = JSON.readTree(back.out());
    assertThat(b.get("state").asText()).isEqualTo("rolled-back");
    assertThat(b.get("nodes")).hasSize(2);
    b.get("nodes").forEach(n -> assertThat(n.get("step").asText()).isEqualTo("rolled-back"));
    assertThat(imageOf(containerOf(projects.get(2)))).startsWith(good);
    assertThat(imageOf(containerOf(projects.get(3)))).startsWith(good);
    try (Store store = Stores.open(StoreConfig.defaults(env()))) {
      Deployment last =
          store.deployments().history(cs.at("/nodes/0/host").asText(), projects.get(2), 1).get(0);
      assertThat(last.kind()).isEqualTo(Deployment.Kind.ROLLBACK);
      assertThat(last.rollbackOf()).isEqualTo(previous);
      assertThat(last.outcome()).isEqualTo(Deployment.Outcome.HEALTHY);
    }
    MainTest.Result text = cli("rollout", "status", c);
    assertThat(text.out()).contains("rolled-back").contains("n3").contains("n4");
  }

  @Test
  void aRunnerWhoseLeaseRanOutIsTakenOverAndNoNodeIsAppliedTwice() throws Exception {
    Map<String, String> env = env();
    Fleet fleet = FleetFile.load(tmp.resolve("fleet.yaml"), env);
    try (Store store = Stores.open(StoreConfig.defaults(env));
        SocketHttpProbe probe = new SocketHttpProbe()) {
      Fingerprints fingerprints = Fingerprints.load(home);
      CountDownLatch stalled = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      // After the canary the first runner stalls, cut off from the store: its renewals fail, so
      // its lease (3 s, on the database's clock) runs out. Its own clock is an hour behind, which
      // changes nothing: leases are judged on the database's clock.
      Clock late = Clock.offset(Clock.systemUTC(), Duration.ofHours(-1));
      CutOff cutOff = new CutOff(store.rollouts());
      RolloutListener stallAfterCanary =
          (type, r, node, wave, detail) -> {
            if (type.equals(RolloutListener.NODE_HEALTHY) && "n1".equals(node)) {
              cutOff.away = true;
              stalled.countDown();
              try {
                release.await(120, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          };
      RolloutService first =
          service(
              store,
              cutOff,
              fleet,
              env,
              probe,
              fingerprints,
              late,
              "p1",
              Duration.ofSeconds(3),
              stallAfterCanary);
      RolloutService second =
          service(
              store,
              store.rollouts(),
              fleet,
              env,
              probe,
              fingerprints,
              Clock.systemUTC(),
              "p2",
              Duration.ofSeconds(60),
              RolloutListener.NONE);
      Rollout r =
          first.create(
              new RolloutRequest(
                  "app",
                  null,
                  null,
                  "1,100%",
                  Map.of(),
                  Duration.ofSeconds(30),
                  4,
                  false,
                  "tester@ci"));
      Thread firstRun = Thread.ofPlatform().start(() -> first.run(r.id()));
      assertThat(stalled.await(120, TimeUnit.SECONDS)).isTrue();
      // the second process finds the rollout's owner gone once its lease ran out, and continues it
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      List<String> taken = List.of();
      while (taken.isEmpty() && System.nanoTime() < deadline) {
        taken = second.resumeExpired();
        if (taken.isEmpty()) {
          Thread.sleep(200);
        }
      }
      assertThat(taken).containsExactly(r.id());
      Rollout end = waitForEnd(second, r.id());
      release.countDown();
      firstRun.join(120_000);
      assertThat(end.state()).isEqualTo(State.FINISHED);
      assertThat(second.steps(r.id())).allMatch(st -> st.step() == Step.HEALTHY);
      // every node has exactly one deployment made by the rollout
      for (int i = 0; i < 4; i++) {
        String host = second.steps(r.id()).get(i).host();
        List<Deployment> made =
            store.deployments().history(host, projects.get(i), 10).stream()
                .filter(d -> d.actor().contains("(rollout " + r.id() + ")"))
                .toList();
        assertThat(made).as("node n" + (i + 1)).hasSize(1);
      }
      assertThat(store.rollouts().find(r.id()).orElseThrow().state()).isEqualTo(State.FINISHED);
    }
  }

  @Test
  void aRolloutProcessKilledMidwayIsResumedByAnotherAndNoNodeIsAppliedTwice() throws Exception {
    Path jar = Path.of("target", "selvedge.jar").toAbsolutePath();
    assertThat(jar).as("the jar, built before the integration tests").isRegularFile();
    Map<String, String> env = env();
    env.put("SELVEDGE_LEASE_TTL", "5s"); // the dead process's leases run out quickly
    List<String> command =
        List.of(
            ProcessHandle.current().info().command().orElse("java"),
            "-jar",
            jar.toString(),
            "rollout",
            "--stack",
            "app",
            "--tag",
            "eu",
            "--waves",
            "1,100%",
            "--parallel",
            "1",
            "--gate-timeout",
            "60s");
    ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process runner = pb.start();
    java.util.concurrent.BlockingQueue<String> lines =
        new java.util.concurrent.LinkedBlockingQueue<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try (var in =
                  new java.io.BufferedReader(
                      new java.io.InputStreamReader(
                          runner.getErrorStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                for (String l = in.readLine(); l != null; l = in.readLine()) {
                  lines.add(l);
                }
              } catch (java.io.IOException e) {
                // the process was killed
              }
            });
    String id = null;
    StringBuilder said = new StringBuilder();
    try {
      // Killed once the canary is healthy and the second node's apply has begun.
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (true) {
        String l = lines.poll(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(l).as("the rollout's progress so far:\n" + said).isNotNull();
        said.append(l).append('\n');
        if (id == null) {
          id = startedId(l);
        }
        if (l.endsWith(": node n2: applying")) {
          break;
        }
      }
      runner.destroyForcibly(); // SIGKILL: no clean-up of its leases
      assertThat(runner.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      runner.destroyForcibly();
      outputs.add(said.toString());
    }
    assertThat(id).as(said.toString()).isNotNull();

    // Another process resumes it once the dead owner's lease has run out.
    MainTest.Result resumed;
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      resumed = MainTest.run(tmp, env, "rollout", "resume", id);
      outputs.add(resumed.out() + resumed.err());
      if (resumed.code() != 2 || System.nanoTime() > until) {
        break;
      }
      Thread.sleep(500); // the lease's expiry is a wall-clock time: waited for, bounded
    }
    assertThat(resumed.code()).as(resumed.out() + resumed.err()).isZero();
    JsonNode end = status(id);
    assertThat(end.get("state").asText()).isEqualTo("finished");
    try (Store store = Stores.open(StoreConfig.defaults(env))) {
      List<dev.selvedge.port.RolloutStore.NodeStep> steps = store.rollouts().steps(id);
      assertThat(steps).hasSize(2).allMatch(st -> st.step() == Step.HEALTHY);
      for (int i = 0; i < 2; i++) {
        String host = steps.get(i).host();
        String rolloutId = id;
        List<Deployment> made =
            store.deployments().history(host, projects.get(i), 10).stream()
                .filter(d -> d.actor().contains("(rollout " + rolloutId + ")"))
                .toList();
        assertThat(made).as("node n" + (i + 1) + "'s deployments by the rollout").hasSize(1);
      }
    }
    for (int i = 0; i < 2; i++) {
      assertThat(imageOf(containerOf(projects.get(i)))).startsWith(good);
    }
  }

  private static Rollout waitForEnd(RolloutService s, String id) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < until) {
      Rollout r = s.find(id);
      if (!r.state().active()) {
        return r;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("rollout " + id + " did not end");
  }

  /** The rollout store, until the test cuts the runner off: then its renewals fail. */
  private static final class CutOff implements RolloutStore {
    private final RolloutStore store;
    volatile boolean away;

    CutOff(RolloutStore store) {
      this.store = store;
    }

    @Override
    public void create(Rollout rollout, List<NodeStep> steps, Duration lease) {
      store.create(rollout, steps, lease);
    }

    @Override
    public Optional<Rollout> find(String id) {
      return store.find(id);
    }

    @Override
    public List<NodeStep> steps(String id) {
      return store.steps(id);
    }

    @Override
    public List<Rollout> list(int limit) {
      return store.list(limit);
    }

    @Override
    public Optional<Rollout> active(String stack) {
      return store.active(stack);
    }

    @Override
    public Optional<Rollout> claim(String id, String owner, Duration lease) {
      return store.claim(id, owner, lease);
    }

    @Override
    public List<Rollout> claimExpired(String owner, Duration lease, int limit) {
      return store.claimExpired(owner, lease, limit);
    }

    @Override
    public List<String> abandonedAborts(int limit) {
      return store.abandonedAborts(limit);
    }

    @Override
    public Optional<Rollout> renew(String id, String owner, Duration lease) {
      if (away) {
        throw new StoreException("store test: cannot renew: connection refused", null);
      }
      return store.renew(id, owner, lease);
    }

    @Override
    public boolean step(String id, String owner, NodeStep step) {
      return store.step(id, owner, step);
    }

    @Override
    public int skipPending(String id, String owner, String detail, Instant at) {
      return store.skipPending(id, owner, detail, at);
    }

    @Override
    public boolean transition(
        String id,
        String owner,
        State next,
        String reason,
        String failedNode,
        Instant at,
        Duration lease) {
      return store.transition(id, owner, next, reason, failedNode, at, lease);
    }
  }

  private static RolloutService service(
      Store store,
      RolloutStore rollouts,
      Fleet fleet,
      Map<String, String> env,
      SocketHttpProbe probe,
      Fingerprints fingerprints,
      Clock clock,
      String owner,
      Duration lease,
      RolloutListener listener) {
    EngineNodeDeployer deployer =
        new EngineNodeDeployer(
            FleetEngines.opener(env),
            store,
            env,
            fingerprints,
            probe,
            Duration.ofSeconds(30),
            Duration.ofSeconds(60),
            clock,
            task -> Thread.ofVirtual().start(task),
            node -> event -> {});
    return new RolloutService(
        rollouts,
        () -> fleet,
        deployer,
        listener,
        clock,
        owner,
        lease,
        task -> Thread.ofVirtual().start(task));
  }
}
