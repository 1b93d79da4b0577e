package dev.selvedge.server;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import dev.selvedge.fleet.SweepListener;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.Store;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.EventPublisher;
import dev.selvedge.server.events.PollerEvents;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A control plane in the test's process over the real engines its fleet names, as {@code serve}
 * composes one: a store (an H2 file in the test's directory unless given), read and operate keys, a
 * real {@link Poller} over {@link EngineNodeReader} (not started: a test sweeps with {@link
 * #sweep()}), its pill changes published on the event stream, and the operations API reading the
 * engines live. {@link #close()} stops and frees all of it; the Docker resources a test made are
 * its own to remove ({@link #removeProject}).
 *
 * <p>The facts of {@code scripts/test-services.sh} come from {@link #facts(boolean)}.
 */
public final class InProcessServer implements AutoCloseable {
  private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
  private final SocketHttpProbe probe = new SocketHttpProbe();
  private final ServerMetrics metrics = new ServerMetrics();
  private final Store store;
  private final Fingerprints fingerprints;
  private final String read;
  private final String operate;
  private final String operateName;
  private EventHub hub;
  private Poller poller;
  private ControlPlane.Settings settings;
  private ControlPlane plane;

  /** What differs between the tests that start one; {@link #DEFAULT} for the rest. */
  public record Options(
      StoreConfig store,
      Function<EventHub, EventPublisher> publisher,
      Duration gateTimeout,
      Duration sweepEvery,
      Map<String, String> environment) {
    /**
     * An H2 file of the test's own; events straight to the hub; the CLI's operation timings; the
     * test process's environment.
     */
    public static final Options DEFAULT =
        new Options(
            null, hub -> hub, Duration.ofSeconds(120), Duration.ofSeconds(10), System.getenv());

    /** These options on {@code config}'s store. */
    public Options store(StoreConfig config) {
      return new Options(config, publisher, gateTimeout, sweepEvery, environment);
    }

    /** These options publishing through what {@code wrap} makes of the hub. */
    public Options publisher(Function<EventHub, EventPublisher> wrap) {
      return new Options(store, wrap, gateTimeout, sweepEvery, environment);
    }

    /** These options with an operation's health gate of {@code timeout}. */
    public Options gateTimeout(Duration timeout) {
      return new Options(store, publisher, timeout, sweepEvery, environment);
    }

    /** These options allowing a sweep on request every {@code every}. */
    public Options sweepEvery(Duration every) {
      return new Options(store, publisher, gateTimeout, every, environment);
    }

    /** These options with the server reading {@code env} as its environment ({@code DOCKER_*}). */
    public Options environment(Map<String, String> env) {
      return new Options(store, publisher, gateTimeout, sweepEvery, Map.copyOf(env));
    }
  }

  private InProcessServer(Path dir, Options options) throws IOException {
    Clock clock = Clock.systemUTC();
    StoreConfig config =
        options.store() != null
            ? options.store()
            : new StoreConfig(
                "jdbc:h2:file:" + dir.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null);
    store = Stores.open(config, clock);
    String suffix = dir.getFileName().toString();
    ApiKeys keys = new ApiKeys(store.apiKeys(), clock);
    read = keys.create("read-" + suffix, Scope.READ).token();
    operateName = "operate-" + suffix;
    operate = keys.create(operateName, Scope.OPERATE).token();
    fingerprints = Fingerprints.load(Files.createDirectories(dir.resolve("home/.selvedge")));
  }

  /**
   * Starts a control plane watching {@code fleet}, keeping what it writes under {@code dir} (a
   * test's temporary directory).
   */
  public static InProcessServer start(Path dir, Fleet fleet, Options options) {
    InProcessServer s = null;
    try {
      s = new InProcessServer(dir, options);
      s.up(fleet, options);
      return s;
    } catch (IOException e) {
      closeQuietly(s);
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      closeQuietly(s);
      throw e;
    }
  }

  private static void closeQuietly(InProcessServer s) {
    if (s != null) {
      s.close();
    }
  }

  private void up(Fleet fleet, Options options) {
    Clock clock = Clock.systemUTC();
    Map<String, String> env = options.environment();
    hub = new EventHub(store.events(), clock, Duration.ofDays(1));
    EventPublisher publisher = options.publisher().apply(hub);
    poller =
        Poller.create(
            fleet,
            new EngineNodeReader(
                FleetEngines.opener(env, FleetEngines.KEPT_IDLE_CONNECTIONS),
                new LiveStackReader(
                    new LiveCheck(background, clock, probe), env, fingerprints, true),
                clock,
                Tool.selvedge(Version.current())),
            store.fleetState(),
            SweepListener.all(metrics, new PollerEvents(publisher)));
    settings =
        new ControlPlane.Settings(
            "127.0.0.1",
            0,
            store,
            FleetView.of(poller),
            metrics,
            clock,
            Stores.schemaVersion(),
            hub,
            publisher,
            new OperationSettings(
                FleetEngines.opener(env, FleetEngines.KEPT_IDLE_CONNECTIONS),
                env,
                fingerprints,
                probe,
                Duration.ofSeconds(30),
                options.gateTimeout(),
                Duration.ofSeconds(30),
                options.sweepEvery(),
                "replica-test"));
    plane = ControlPlane.start(settings);
  }

  /** The running control plane. */
  public ControlPlane plane() {
    return plane;
  }

  /** What it was started with. */
  public ControlPlane.Settings settings() {
    return settings;
  }

  /** {@code http://127.0.0.1:PORT}. */
  public String base() {
    return "http://127.0.0.1:" + plane.port();
  }

  /** Its store. */
  public Store store() {
    return store;
  }

  /** Its event hub (the stream's). */
  public EventHub hub() {
    return hub;
  }

  /** Its poller (not started). */
  public Poller poller() {
    return poller;
  }

  /** The key that fingerprints secrets in its evidence. */
  public Fingerprints fingerprints() {
    return fingerprints;
  }

  /** A read key's token. */
  public String read() {
    return read;
  }

  /** An operate key's token. */
  public String operate() {
    return operate;
  }

  /** The operate key's name (audit actors read {@code key:NAME}). */
  public String operateName() {
    return operateName;
  }

  /** Stops the HTTP side and starts it again on the same settings (a server restart). */
  public ControlPlane restart() {
    plane.close();
    plane = ControlPlane.start(settings);
    return plane;
  }

  /** Sweeps every node now and waits for it. */
  public void sweep() {
    poller.sweepAll();
  }

  @Override
  public void close() {
    try {
      if (plane != null) {
        plane.close();
      }
      if (poller != null) {
        poller.close();
      }
      if (hub != null) {
        hub.close();
      }
    } finally {
      metrics.close();
      probe.close();
      background.shutdownNow();
      store.close();
    }
  }

  // ------------------------------------------------------------------------ test services

  /**
   * The operations tests' stack: one service {@code web} of {@code image} (the registry's {@code
   * app:good} serves /healthz, {@code app:bad} never becomes healthy) published on {@code port} of
   * the loopback, {@code MODE=mode} and {@code API_TOKEN} from the {@code .env} in its environment,
   * a healthcheck of 1s, labelled as a test's.
   */
  public static String webContract(
      String project, String image, String mode, int port, boolean selfCritical) {
    return """
        name: %s
        x-selvedge:
          policy:
            rules:
              healthcheck-interval-too-short: "off"
              logging-unbounded: "off"
              healthcheck-missing: "off"
        services:
          web:
            image: %s
            environment:
              MODE: %s
              API_TOKEN: ${API_TOKEN}
            ports:
              - "127.0.0.1:%d:8080"
            labels:
              dev.selvedge.test: "1"
            healthcheck:
              test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/healthz"]
              interval: 1s
              timeout: 2s
              retries: 2
            stop_grace_period: 1s
            x-selvedge:
              self-critical: %s
        """
        .formatted(project, image, mode, port, selfCritical);
  }

  /**
   * What {@code scripts/test-services.sh} wrote ({@code /var/lib/selvedge-test/env}). Without it a
   * test is skipped; when {@code registry} is asked for and there is none, it is skipped too, or
   * fails under CI (where the services must be there).
   */
  public static Properties facts(boolean registry) {
    Properties facts = new Properties();
    Path file = Path.of(System.getProperty("selvedge.test.env", "/var/lib/selvedge-test/env"));
    if (Files.isReadable(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        facts.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    String why =
        registry && facts.getProperty("SELVEDGE_TEST_REGISTRY") == null
            ? "no registry: run scripts/test-services.sh (as root) first"
            : facts.isEmpty() ? "test services absent: run scripts/test-services.sh first" : null;
    if (why != null) {
      String ci = System.getenv("CI");
      if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
        fail(why);
      }
      assumeTrue(false, why);
    }
    return facts;
  }

  /** The local engine as the test services name it. */
  public static String localEngine(Properties facts) {
    return facts.getProperty("SELVEDGE_TEST_DOCKER_HOST", "unix:///var/run/docker.sock");
  }

  /**
   * Runs {@code docker args...} on the local engine and returns its output.
   *
   * @throws IllegalStateException when it fails or takes over a minute
   */
  public static String docker(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("docker");
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Removes every container, network and volume of Compose project {@code project}. */
  public static void removeProject(String project) {
    String label = "label=com.docker.compose.project=" + project;
    String ids = docker("ps", "-aq", "--filter", label).strip();
    if (!ids.isEmpty()) {
      List<String> rm = new ArrayList<>(List.of("rm", "-f", "-v"));
      rm.addAll(List.of(ids.split("\\s+")));
      docker(rm.toArray(String[]::new));
    }
    for (String kind : List.of("network", "volume")) {
      String names = docker(kind, "ls", "-q", "--filter", label).strip();
      if (!names.isEmpty()) {
        List<String> rm = new ArrayList<>(List.of(kind, "rm"));
        rm.addAll(List.of(names.split("\\s+")));
        docker(rm.toArray(String[]::new));
      }
    }
  }
}
