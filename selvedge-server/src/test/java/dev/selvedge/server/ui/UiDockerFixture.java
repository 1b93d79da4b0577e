package dev.selvedge.server.ui;

import dev.selvedge.fleet.EngineNodeReader;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.Poller;
import dev.selvedge.port.Store;
import dev.selvedge.server.ControlPlane;
import dev.selvedge.server.InProcessServer;
import dev.selvedge.server.events.EventHub;
import java.io.IOException;
import java.io.UncheckedIOException;
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
  private final List<String> images = new ArrayList<>();
  private InProcessServer server;

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
    return InProcessServer.facts(true);
  }

  private void up() throws IOException {
    Files.createDirectories(repo);
    Files.writeString(repo.resolve(".env"), "API_TOKEN=" + SECRET + "\n");
    Files.writeString(repo.resolve(".env.example"), "API_TOKEN=\n");
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    nodes.put(
        NODE,
        new Fleet.Node(
            NODE,
            InProcessServer.localEngine(facts),
            null,
            null,
            null,
            List.of(),
            Map.of(STACK, new Fleet.Stack(STACK, repo, project, null, null))));
    Fleet fleet = new Fleet(dir.resolve("fleet.yaml"), Fleet.Poll.DEFAULT, nodes, List.of());
    server =
        InProcessServer.start(
            dir,
            fleet,
            InProcessServer.Options.DEFAULT
                .gateTimeout(Duration.ofSeconds(60))
                .sweepEvery(Duration.ofSeconds(1)));
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
          InProcessServer.webContract(project, image, mode, port, selfCritical));
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
    server.sweep();
  }

  /** Runs {@code docker args...} (the local engine) and returns its output. */
  public static String docker(String... args) {
    return InProcessServer.docker(args);
  }

  // --------------------------------------------------------------------------- accessors

  /** The control plane's base URL, {@code http://127.0.0.1:PORT}. */
  public String base() {
    return server.base();
  }

  /** A read key's token. */
  public String readToken() {
    return server.read();
  }

  /** An operate key's token. */
  public String operateToken() {
    return server.operate();
  }

  /** The operate key's name (operations' actor is {@code key:NAME}). */
  public String operateName() {
    return server.operateName();
  }

  /** Every secret a page must never show: the keys' tokens and {@link #SECRET}. */
  public List<String> secrets() {
    List<String> all = new ArrayList<>(List.of(server.read(), server.operate()));
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
    return server.poller();
  }

  public EventHub hub() {
    return server.hub();
  }

  public Store store() {
    return server.store();
  }

  public ControlPlane plane() {
    return server.plane();
  }

  // ------------------------------------------------------------------------------- close

  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    for (Runnable step :
        List.<Runnable>of(
            () -> {
              if (server != null) {
                server.close();
              }
            },
            () -> InProcessServer.removeProject(project),
            () -> images.forEach(i -> docker("rmi", "-f", i)))) {
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
}
