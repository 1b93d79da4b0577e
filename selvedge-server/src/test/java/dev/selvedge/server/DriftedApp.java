package dev.selvedge.server;

import dev.selvedge.Version;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.docker.FleetEngines;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.evidence.Tool;
import dev.selvedge.fleet.EngineNodeReader;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.Poller;
import dev.selvedge.fleet.Scheduler;
import dev.selvedge.fleet.SweepListener;
import dev.selvedge.port.Store;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.EventPublisher;
import dev.selvedge.server.events.PollerEvents;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A drifted stack on the local dockerd, for tests of what real sweeps publish: one service brought
 * up by docker-compose (labelled as a test's, a project name of its own) with a planted secret
 * {@link #RUNNING} while the control plane's environment wants {@link #WANTED}, so its first sweep
 * finds drift; {@link #up} brings it back in line. The store (H2), the event hub and the node
 * reader a poller needs come with it, and {@link #close} removes every one and the project.
 */
final class DriftedApp implements AutoCloseable {
  /** The secret the running container has. */
  static final String RUNNING = "s3cret-running-Qw71";

  /** The secret the control plane's environment wants. */
  static final String WANTED = "s3cret-wanted-Jk52";

  final String project = "selvedge-it-" + UUID.randomUUID().toString().substring(0, 8);
  final Path app;
  final Clock clock = Clock.systemUTC();
  final Store store;
  final EventHub hub;
  final EngineNodeReader reader;
  private final List<AutoCloseable> open = new ArrayList<>();

  private DriftedApp(Path tmp) throws IOException {
    Properties facts = InProcessServer.facts(false);
    app = Files.createDirectories(tmp.resolve("app"));
    Files.writeString(
        app.resolve("compose.yaml"),
        """
        version: "3.8"
        services:
          web:
            image: %s
            command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
            environment:
              DB_PASSWORD: ${DB_PASSWORD}
            labels:
              dev.selvedge.test: "1"
        """
            .formatted(facts.getProperty("SELVEDGE_TEST_IMAGE")));
    store =
        Stores.open(
            new StoreConfig(
                "jdbc:h2:file:" + tmp.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null),
            clock);
    open.add(store);
    hub = new EventHub(store.events(), clock, EventHub.DEFAULT_RETENTION);
    open.add(hub);
    ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    open.add(background::shutdownNow);
    SocketHttpProbe probe = new SocketHttpProbe();
    open.add(probe);
    Map<String, String> env = Map.of("DB_PASSWORD", WANTED, "PATH", System.getenv("PATH"));
    reader =
        new EngineNodeReader(
            FleetEngines.opener(env, FleetEngines.KEPT_IDLE_CONNECTIONS),
            new LiveStackReader(
                new LiveCheck(background, clock, probe),
                env,
                Fingerprints.load(Files.createDirectories(tmp.resolve("home"))),
                false),
            clock,
            Tool.selvedge(Version.current()));
  }

  /**
   * The app brought up with the {@link #RUNNING} secret (skipped without the test services).
   *
   * @param tmp the test's own directory
   */
  static DriftedApp start(Path tmp) throws IOException {
    DriftedApp d = new DriftedApp(tmp);
    try {
      d.up(RUNNING);
      return d;
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
  }

  /** The local node of one stack, {@code app}, in environment {@code dev} with {@code tags}. */
  Fleet.Node node(List<String> tags) {
    return new Fleet.Node(
        "local",
        "unix:///var/run/docker.sock",
        null,
        null,
        "dev",
        tags,
        Map.of("app", new Fleet.Stack("app", app, project, null, null)));
  }

  /** A fleet's polling every 10 minutes (the tests sweep by hand). */
  static Fleet.Poll slowPoll() {
    return new Fleet.Poll(
        Duration.ofMinutes(10), Duration.ofSeconds(10), 4, 1, Duration.ofMinutes(10));
  }

  /** A poller of {@code fleet} whose changes {@code publish} gets, closed with the app. */
  Poller poller(Fleet fleet, EventPublisher publish) {
    Poller poller =
        new Poller(
            fleet,
            reader,
            store.fleetState(),
            clock,
            Scheduler.system(),
            Executors.newVirtualThreadPerTaskExecutor(),
            new Random(3),
            "it",
            SweepListener.all(SweepListener.NONE, new PollerEvents(publish)));
    open.add(poller);
    return poller;
  }

  /** Closed with the app, before what was opened earlier. */
  <T extends AutoCloseable> T closing(T t) {
    open.add(t);
    return t;
  }

  /** {@code docker-compose up -d} of the app with {@code password} as its secret. */
  void up(String password) {
    run(
        "env",
        "DB_PASSWORD=" + password,
        "docker-compose",
        "-p",
        project,
        "-f",
        app.resolve("compose.yaml").toString(),
        "--project-directory",
        app.toString(),
        "up",
        "-d");
  }

  /** Removes the app's containers (its stack turns red). */
  void removeContainers() {
    String ids =
        InProcessServer.docker(
                "ps", "-q", "--filter", "label=com.docker.compose.project=" + project)
            .strip();
    if (!ids.isEmpty()) {
      List<String> rm = new ArrayList<>(List.of("rm", "-f"));
      rm.addAll(List.of(ids.split("\\s+")));
      InProcessServer.docker(rm.toArray(String[]::new));
    }
  }

  private static void run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    RuntimeException failed = null;
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception e) {
        // go on closing the rest, and remove the project, before telling
        if (failed == null) {
          failed = new IllegalStateException("closing the drifted app's parts", e);
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    InProcessServer.removeProject(project);
    if (failed != null) {
      throw failed;
    }
  }
}
