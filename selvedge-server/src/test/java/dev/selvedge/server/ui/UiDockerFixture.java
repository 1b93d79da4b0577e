package dev.selvedge.server.ui;

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
import dev.selvedge.server.ControlPlane;
import dev.selvedge.server.FleetView;
import dev.selvedge.server.OperationSettings;
import dev.selvedge.server.ServerMetrics;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.PollerEvents;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real control plane over the real local dockerd for the UI's browser tests: one node ({@link
 * #NODE}, the local engine) with one stack ({@link #STACK}) whose contract the test writes ({@link
 * #contract}) with the loopback registry's images ({@link #good()} serves /healthz, {@link #bad()}
 * never becomes healthy), a real {@link Poller} over {@link EngineNodeReader} (not started: a test
 * sweeps with {@link #sweep()}, or starts it), its pill changes published on the event stream as
 * {@code serve} does, the operations API with short gates, an H2 store in the test's directory and
 * read and operate keys. The stack's project name is unique; every container, network and volume of
 * it (all carry {@code dev.selvedge.test=1}) and the images {@link #variant} made are removed in
 * {@link #close()}, even when the test failed.
 *
 * <p>Needs {@code scripts/test-services.sh} (the registry): without it a test is skipped, or fails
 * under CI.
 */
public final class UiDockerFixture implements AutoCloseable {
  /** The fleet's one node: the local engine. */
  public static final String NODE = "local";

  /** The node's one stack. */
  public static final String STACK = "shop";

  /** A secret in the stack's {@code .env}, given to the web service: never in any page. */
  public static final String SECRET = "tok-UI-s3cret-7d2e";

  private final Path dir;
  private final Properties facts;
  private final String project;
  private final Path repo;
  private final int port;
  private final List<String> tokens = new ArrayList<>();
  private final List<String> images = new ArrayList<>();
  private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
  private final SocketHttpProbe probe = new SocketHttpProbe();
  private Store store;
  private ServerMetrics metrics;
  private EventHub hub;
  private Poller poller;
  private ControlPlane plane;
  private String read;
  private String operate;
  private String operateName;

  private UiDockerFixture(Path dir, Properties facts) {
    this.dir = dir;
    this.facts = facts;
    this.project = "selvedge-ui-" + UUID.randomUUID().toString().substring(0, 8);
    this.repo = dir.resolve("repo");
    this.port = freePort();
  }

  /**
   * Starts the control plane in {@code dir} (a test's temporary directory); the stack has no
   * contract yet: write one with {@link #contract}.
   */
  public static UiDockerFixture start(Path dir) {
    Properties facts = facts();
    UiDockerFixture f = new UiDockerFixture(dir, facts);
    try {
      f.up();
      return f;
    } catch (RuntimeException | IOException e) {
      f.close();
      throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
    }
  }

  private static Properties facts() {
    Properties facts = new Properties();
    Path file = Path.of(System.getProperty("selvedge.test.env", "/var/lib/selvedge-test/env"));
    if (Files.isReadable(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        facts.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (facts.getProperty("SELVEDGE_TEST_REGISTRY") == null) {
      String why = "no registry: run scripts/test-services.sh (as root) first";
      String ci = System.getenv("CI");
      if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
        fail(why);
      }
      assumeTrue(false, why);
    }
    return facts;
  }

  private void up() throws IOException {
    Files.createDirectories(repo);
    Files.writeString(repo.resolve(".env"), "API_TOKEN=" + SECRET + "\n");
    Files.writeString(repo.resolve(".env.example"), "API_TOKEN=\n");
    Clock clock = Clock.systemUTC();
    store =
        Stores.open(
            new StoreConfig(
                "jdbc:h2:file:" + dir.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null),
            clock);
    ApiKeys keys = new ApiKeys(store.apiKeys(), clock);
    read = keys.create("reader-" + project, Scope.READ).token();
    operateName = "operator-" + project;
    operate = keys.create(operateName, Scope.OPERATE).token();
    tokens.add(read);
    tokens.add(operate);
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    nodes.put(
        NODE,
        new Fleet.Node(
            NODE,
            facts.getProperty("SELVEDGE_TEST_DOCKER_HOST", "unix:///var/run/docker.sock"),
            null,
            null,
            null,
            List.of(),
            Map.of(STACK, new Fleet.Stack(STACK, repo, project, null))));
    Fleet fleet = new Fleet(dir.resolve("fleet.yaml"), Fleet.Poll.DEFAULT, nodes, List.of());
    Map<String, String> env = System.getenv();
    metrics = new ServerMetrics();
    Fingerprints fingerprints = Fingerprints.load(Files.createDirectories(dir.resolve("home")));
    hub = new EventHub(store.events(), clock, Duration.ofDays(1));
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
            SweepListener.all(metrics, new PollerEvents(hub)));
    plane =
        ControlPlane.start(
            new ControlPlane.Settings(
                "127.0.0.1",
                0,
                store,
                FleetView.of(poller),
                metrics,
                clock,
                Stores.schemaVersion(),
                hub,
                hub,
                new OperationSettings(
                    FleetEngines.opener(env, FleetEngines.KEPT_IDLE_CONNECTIONS),
                    env,
                    fingerprints,
                    probe,
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(1),
                    "replica-test")));
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------------------ the stack

  /** The registry's image that serves /healthz. */
  public String good() {
    return facts.getProperty("SELVEDGE_TEST_REGISTRY") + "/selvedge-test/app:good";
  }

  /** The registry's image that never becomes healthy. */
  public String bad() {
    return facts.getProperty("SELVEDGE_TEST_REGISTRY") + "/selvedge-test/app:bad";
  }

  /**
   * A healthy image other than {@link #good()} (its own image id), pushed to the loopback registry
   * under a unique tag so a deployment records its digest; removed locally in {@link #close()}.
   */
  public String variant() {
    String name =
        facts.getProperty("SELVEDGE_TEST_REGISTRY")
            + "/selvedge-test/app:ui-"
            + UUID.randomUUID().toString().substring(0, 8);
    docker("pull", "-q", good());
    String container = docker("create", "--label", "dev.selvedge.test=1", good()).strip();
    try {
      docker("commit", "-c", "ENV VARIANT=" + name, container, name);
    } finally {
      docker("rm", "-f", container);
    }
    images.add(name);
    docker("push", "-q", name);
    return name;
  }

  /**
   * Writes the stack's contract: one service {@code web} of {@code image} on a loopback port,
   * {@code MODE=mode} in its environment and the secret from {@code .env}, a healthcheck of 1s.
   */
  public void contract(String image, String mode, boolean selfCritical) {
    try {
      Files.writeString(
          repo.resolve("compose.yaml"),
          """
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
              .formatted(project, image, mode, port, selfCritical));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The running (or stopped) container of {@code service}'s id, or empty when there is none. */
  public String container(String service) {
    return docker(
            "ps",
            "-aq",
            "--filter",
            "label=com.docker.compose.project=" + project,
            "--filter",
            "label=com.docker.compose.service=" + service)
        .strip();
  }

  /** The image id ({@code sha256:...}) {@code service}'s container runs. */
  public String containerImage(String service) {
    return docker("inspect", "-f", "{{.Image}}", container(service)).strip();
  }

  /** The local image id of {@code reference}. */
  public String imageId(String reference) {
    return docker("image", "inspect", "-f", "{{.Id}}", reference).strip();
  }

  /** Sweeps every node now and waits for it. */
  public void sweep() {
    poller.sweepAll();
  }

  /**
   * Runs {@code docker args...} (the local engine) and returns its output.
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

  // --------------------------------------------------------------------------- accessors

  /** The control plane's base URL, {@code http://127.0.0.1:PORT}. */
  public String base() {
    return "http://127.0.0.1:" + plane.port();
  }

  /** A read key's token. */
  public String readToken() {
    return read;
  }

  /** An operate key's token. */
  public String operateToken() {
    return operate;
  }

  /** The operate key's name (operations' actor is {@code key:NAME}). */
  public String operateName() {
    return operateName;
  }

  /** Every secret a page must never show: the keys' tokens and {@link #SECRET}. */
  public List<String> secrets() {
    List<String> all = new ArrayList<>(tokens);
    all.add(SECRET);
    return all;
  }

  public String node() {
    return NODE;
  }

  public String stack() {
    return STACK;
  }

  /** The stack's unique compose project name. */
  public String project() {
    return project;
  }

  /** The stack page's path. */
  public String stackPath() {
    return "/ui/nodes/" + NODE + "/stacks/" + STACK;
  }

  public Poller poller() {
    return poller;
  }

  public EventHub hub() {
    return hub;
  }

  public Store store() {
    return store;
  }

  public ControlPlane plane() {
    return plane;
  }

  // ------------------------------------------------------------------------------- close

  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    for (Runnable step :
        List.<Runnable>of(
            () -> {
              if (plane != null) {
                plane.close();
              }
            },
            () -> {
              if (poller != null) {
                poller.close();
              }
            },
            () -> {
              if (hub != null) {
                hub.close();
              }
            },
            this::removeAll,
            () -> images.forEach(i -> docker("rmi", "-f", i)),
            () -> {
              if (metrics != null) {
                metrics.close();
              }
            },
            probe::close,
            background::shutdownNow,
            () -> {
              if (store != null) {
                store.close();
              }
            })) {
      try {
        step.run();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.stream().skip(1).forEach(first::addSuppressed);
      throw first;
    }
  }

  private void removeAll() {
    String ids = docker("ps", "-aq", "--filter", "label=com.docker.compose.project=" + project);
    if (!ids.isBlank()) {
      List<String> rm = new ArrayList<>(List.of("rm", "-f", "-v"));
      rm.addAll(List.of(ids.strip().split("\\s+")));
      docker(rm.toArray(String[]::new));
    }
    for (String kind : List.of("network", "volume")) {
      String names =
          docker(kind, "ls", "-q", "--filter", "label=com.docker.compose.project=" + project)
              .strip();
      if (!names.isEmpty()) {
        List<String> rm = new ArrayList<>(List.of(kind, "rm"));
        rm.addAll(List.of(names.split("\\s+")));
        docker(rm.toArray(String[]::new));
      }
    }
  }
}
