package dev.selvedge.server;

import static dev.selvedge.server.InProcessServer.docker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.rollout.RolloutRequest;
import dev.selvedge.fleet.update.AutoUpdate;
import dev.selvedge.fleet.update.CronSchedule;
import dev.selvedge.port.RolloutStore;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auto-update end to end on the real engine and loopback registry: two nodes (two Compose projects
 * on the local engine) run a stack whose image tag is then pushed with a new image; a check finds
 * the new digest and the server's own rollout service rolls it out in waves to both nodes, pinned
 * to that digest; the next check finds it current and starts nothing more.
 */
class AutoUpdateRolloutIT {
  private static Properties facts;

  @TempDir Path tmp;
  private final String id = UUID.randomUUID().toString().substring(0, 8);
  private final List<String> projects = new ArrayList<>();
  private final List<String> images = new ArrayList<>();
  private InProcessServer server;

  @BeforeAll
  static void services() {
    facts = InProcessServer.facts(true);
  }

  @AfterEach
  void down() {
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      projects.forEach(InProcessServer::removeProject);
      images.forEach(i -> docker("rmi", "-f", i));
    }
  }

  /** Pushes a healthy image of its own (a new digest) to {@code reference}. */
  private String pushNewImage(String reference, String marker) {
    String good = facts.getProperty("SELVEDGE_TEST_REGISTRY") + "/selvedge-test/app:good";
    docker("pull", "-q", good);
    String container = docker("create", "--label", "dev.selvedge.test=1", good).strip();
    try {
      docker("commit", "-c", "ENV MARKER=" + marker, container, reference);
    } finally {
      docker("rm", "-f", container);
    }
    if (!images.contains(reference)) {
      images.add(reference);
    }
    String pushed = docker("push", reference);
    String digest = pushed.replaceAll("(?s).*digest: (sha256:[0-9a-f]{64}).*", "$1");
    assertThat(digest).as(pushed).startsWith("sha256:");
    return digest;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private RolloutStore.Rollout awaitEnd(String rollout) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    while (System.nanoTime() < deadline) {
      RolloutStore.Rollout r = server.store().rollouts().find(rollout).orElseThrow();
      if (!r.state().active()) {
        return r;
      }
      Thread.sleep(200); // polling the store for a condition, bounded by the deadline
    }
    throw new AssertionError("rollout " + rollout + " did not end within 4 minutes");
  }

  private String runningImage(String project) {
    String container =
        docker(
                "ps",
                "-q",
                "--filter",
                "label=com.docker.compose.project=" + project,
                "--filter",
                "label=com.docker.compose.service=web")
            .strip();
    assertThat(container).as("a running web container of " + project).isNotEmpty();
    return docker("inspect", "-f", "{{.Config.Image}}", container).strip();
  }

  @Test
  void aNewDigestOnTheTagIsRolledOutToEveryNodeOnceThroughTheRolloutService() throws Exception {
    String registry = facts.getProperty("SELVEDGE_TEST_REGISTRY");
    String reference = registry + "/selvedge-test/auto-" + id + ":stable";
    pushNewImage(reference, "first");

    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    Fleet.AutoUpdate policy =
        new Fleet.AutoUpdate(
            CronSchedule.parse("0 3 * * *"),
            List.of("web"),
            null,
            List.of("1", "100%"),
            Duration.ofMinutes(2));
    for (String n : List.of("one", "two")) {
      String project = "selvedge-auto-" + id + "-" + n;
      projects.add(project);
      Path repo = Files.createDirectories(tmp.resolve(n));
      Files.writeString(repo.resolve(".env"), "API_TOKEN=tok-auto-s3cret\n");
      Files.writeString(repo.resolve(".env.example"), "API_TOKEN=\n");
      Files.writeString(
          repo.resolve("compose.yaml"),
          InProcessServer.webContract(project, reference, n, freePort(), false));
      nodes.put(
          n,
          new Fleet.Node(
              n,
              InProcessServer.localEngine(facts),
              null,
              null,
              null,
              List.of(),
              Map.of("shop", new Fleet.Stack("shop", repo, project, null, policy))));
    }
    Fleet fleet =
        new Fleet(
            tmp.resolve("fleet.yaml"),
            Fleet.Poll.DEFAULT,
            nodes,
            List.of(),
            Fleet.Retention.DEFAULT,
            Fleet.Audit.DEFAULT,
            List.of());
    server =
        InProcessServer.start(
            tmp.resolve("server"),
            fleet,
            InProcessServer.Options.DEFAULT.gateTimeout(Duration.ofSeconds(90)));
    ControlPlane plane = server.plane();
    AutoUpdates updates = plane.autoUpdates().starter(plane.rolloutStarter());

    // The stack as first deployed: a rollout of the tag as it is.
    String first =
        plane
            .rollouts()
            .start(
                new RolloutRequest(
                    "shop",
                    null,
                    null,
                    "1,100%",
                    Map.of(),
                    Duration.ofSeconds(90),
                    2,
                    false,
                    "test"));
    assertThat(awaitEnd(first).state()).isEqualTo(RolloutStore.State.FINISHED);
    assertThat(updates.checkNow("request:test").orElseThrow())
        .singleElement()
        .satisfies(c -> assertThat(c.rolloutId()).isNull());

    String digest = pushNewImage(reference, "second");
    var checked = updates.checkNow("request:test").orElseThrow();
    assertThat(checked).singleElement().satisfies(c -> assertThat(c.rolloutId()).isNotNull());
    String rollout = checked.get(0).rolloutId();
    String pinned = AutoUpdate.pinned(reference, digest);
    assertThat(checked.get(0).images()).containsEntry("web", pinned);

    RolloutStore.Rollout done = awaitEnd(rollout);
    assertThat(done.state()).as(done.reason()).isEqualTo(RolloutStore.State.FINISHED);
    assertThat(done.actor()).isEqualTo("auto-update");
    assertThat(done.images()).containsEntry("web", pinned);
    for (String project : projects) {
      assertThat(runningImage(project)).isEqualTo(pinned);
    }

    // The digest is what runs now: no second rollout.
    var again = updates.checkNow("request:test").orElseThrow();
    assertThat(again)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.rolloutId()).isNull();
              assertThat(c.services())
                  .singleElement()
                  .satisfies(s -> assertThat(s.state()).isEqualTo(AutoUpdate.State.CURRENT));
            });
    assertThat(server.store().rollouts().list(10)).hasSize(2);
  }
}
