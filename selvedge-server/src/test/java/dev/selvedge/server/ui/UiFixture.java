package dev.selvedge.server.ui;

import dev.selvedge.fleet.EngineFacts;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.NodeReading;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.fleet.PillChange;
import dev.selvedge.fleet.StackState;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.operations.HostIdentity;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.Store;
import dev.selvedge.server.ControlPlane;
import dev.selvedge.server.FleetView;
import dev.selvedge.server.MovableClock;
import dev.selvedge.server.ServerMetrics;
import dev.selvedge.server.StoredFleet;
import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real control plane over a real H2 store for the UI's tests: three nodes (one with a password in
 * its engine URL that must never show), swept states with an evidence report that has a secret's
 * drift, a recorded deployment, and read, operate and revoked keys.
 */
final class UiFixture implements AutoCloseable {
  /** A password in an engine URL and a secret's value: neither may appear in any page. */
  static final String PLANTED = "s3cret-planted-Zq81";

  static final String FINGERPRINT = "hmac-sha256:7f3a9c0d1e2b";

  final MovableClock clock = new MovableClock();
  final Store store;
  final ControlPlane plane;
  private final dev.selvedge.server.events.EventHub hub;
  final ApiKeys keys;
  final String read;
  final String operate;
  final List<String> tokens = new ArrayList<>();
  final AtomicLong version = new AtomicLong();
  private final Fleet fleet;

  UiFixture(Path dir) {
    this(dir, 3, false);
  }

  UiFixture(Path dir, int nodes) {
    this(dir, nodes, false);
  }

  /**
   * A self-critical service ({@code web}) and another ({@code db}) of app-1's stack shop; it fails
   * verify (no healthcheck is an error), so an apply is refused before any engine is asked.
   */
  static final String CONTRACT =
      """
      name: shop
      x-selvedge:
        policy:
          rules:
            healthcheck-missing: error
      services:
        web:
          image: nginx:1.27
          x-selvedge:
            self-critical: true
        db:
          image: postgres:16
      """;

  private final dev.selvedge.adapter.http.SocketHttpProbe probe =
      new dev.selvedge.adapter.http.SocketHttpProbe();

  /**
   * {@code nodes} nodes: the three named ones, then {@code node-NNNN} with three stacks each. With
   * {@code operations}, the server runs the operations API and the UI's actions; app-1's stack shop
   * is then {@link #CONTRACT} (its engine, not on loopback, must never be reached by a test: only
   * refusals and pages that ask no engine are tested so) and has a second healthy deployment.
   */
  UiFixture(Path dir, int nodes, boolean operations) {
    store =
        Stores.open(
            new StoreConfig(
                "jdbc:h2:file:" + dir.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null),
            clock);
    keys = new ApiKeys(store.apiKeys(), clock);
    read = token(keys.create("reader", Scope.READ).token());
    operate = token(keys.create("operator", Scope.OPERATE).token());
    Path repo = operations ? contract(dir) : null;
    fleet = fleet(nodes, repo);
    swept(nodes, operations);
    StoredFleet stored = new StoredFleet(() -> fleet, store.fleetState(), clock);
    FleetView view =
        new FleetView() {
          @Override
          public Fleet fleet() {
            return fleet;
          }

          @Override
          public List<NodeView> view() {
            return stored.view();
          }

          @Override
          public Optional<String> readiness() {
            return Optional.empty();
          }

          @Override
          public long version() {
            return version.get();
          }
        };
    hub =
        new dev.selvedge.server.events.EventHub(
            store.events(),
            Clock.systemUTC(), // the hub's own timing: real time (the fixture's clock stands still)
            new dev.selvedge.server.events.EventHub.Limits(
                10_000,
                2_048,
                Duration.ofSeconds(10),
                500,
                Duration.ofMillis(500),
                Duration.ofMillis(10),
                Duration.ofMillis(200)), // a signed-out session's stream closes within 0.2 s
            // The events carry the fixture's standing clock (months before today) while the hub
            // judges their age on real time: its retention pass, run when the writer starts, would
            // otherwise delete the events a test has just published.
            Duration.ofDays(365L * 100));
    plane =
        ControlPlane.start(
            new ControlPlane.Settings(
                "127.0.0.1",
                0,
                store,
                view,
                new ServerMetrics(),
                clock,
                Stores.schemaVersion(),
                hub,
                hub,
                operations
                    ? dev.selvedge.server.OperationSettings.defaults(
                        dev.selvedge.docker.FleetEngines.opener(Map.of()),
                        Map.of(),
                        dev.selvedge.evidence.Fingerprints.load(dir.resolve("home")),
                        probe)
                    : null));
  }

  private static Path contract(Path dir) {
    try {
      Path repo = java.nio.file.Files.createDirectories(dir.resolve("repo"));
      java.nio.file.Files.writeString(repo.resolve("compose.yaml"), CONTRACT);
      return repo;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * What the poller does when a stack's pill turns: the node's new state stored, the view's version
   * bumped, and the change published by the poller's own event source ({@link
   * dev.selvedge.server.events.PollerEvents}).
   */
  void turn(String node, String stack, Pill to, Sync sync, Health health, List<String> reasons) {
    NodeState before = store.fleetState().node(node).orElseThrow();
    Instant at = clock.instant();
    Pill from = null;
    List<StackState> stacks = new ArrayList<>();
    for (StackState st : before.stacks()) {
      if (st.name().equals(stack)) {
        from = st.pill();
        stacks.add(
            new StackState(node, stack, st.project(), sync, health, to, reasons, st.report(), at));
      } else {
        stacks.add(st);
      }
    }
    NodeState after =
        new NodeState(
            node, before.pill(), before.reasons(), at, 0, before.facts(), List.copyOf(stacks));
    List<PillChange> changes = List.of(new PillChange(node, stack, from, to, reasons, at));
    store.fleetState().record(after, changes);
    version.incrementAndGet();
    new dev.selvedge.server.events.PollerEvents(hub)
        .kept(before, after, changes, new NodeReading(node, at, true, List.of(), FACTS, List.of()));
  }

  String latestEventId() {
    return Long.toString(store.events().latestId().orElse(0));
  }

  String token(String t) {
    tokens.add(t);
    return t;
  }

  String base() {
    return "http://127.0.0.1:" + plane.port();
  }

  private static Fleet fleet(int count, Path repo) {
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    nodes.put(
        "app-1",
        node(
            "app-1",
            "tcp://deploy:" + PLANTED + "@10.0.0.1:2376",
            "prod",
            List.of("eu"),
            "shop",
            "api"));
    {
      // app-1's api auto-updates (the updates page): a nightly check inside a window.
      Fleet.Node one = nodes.get("app-1");
      Map<String, Fleet.Stack> stacks = new LinkedHashMap<>(one.stacks());
      stacks.put("api", new Fleet.Stack("api", Path.of("/srv/api"), "api", null, AUTO_UPDATE));
      nodes.put(
          "app-1",
          new Fleet.Node(
              one.id(), one.engine(), null, null, one.environment(), one.tags(), stacks));
    }
    if (repo != null) {
      Fleet.Node one = nodes.get("app-1");
      Map<String, Fleet.Stack> stacks = new LinkedHashMap<>(one.stacks());
      stacks.put("shop", new Fleet.Stack("shop", repo, "shop", null, null));
      nodes.put(
          "app-1",
          new Fleet.Node(
              one.id(), one.engine(), null, null, one.environment(), one.tags(), stacks));
    }
    nodes.put(
        "app-2", node("app-2", "unix:///var/run/docker.sock", "staging", List.of("us"), "shop"));
    nodes.put("app-3", node("app-3", "ssh://deploy@app-3:22", null, List.of(), "shop"));
    for (int i = 4; i <= count; i++) {
      String id = String.format("node-%04d", i);
      nodes.put(
          id,
          node(
              id,
              "ssh://deploy@" + id + ":22",
              i % 2 == 0 ? "prod" : "staging",
              List.of("bulk"),
              "shop",
              "api",
              "jobs"));
    }
    return new Fleet(Path.of("/srv/fleet.yaml"), Fleet.Poll.DEFAULT, nodes, List.of());
  }

  /** The policy of app-1's stack api: checked at 03:00 UTC, rolled out 02:00-05:00 only. */
  static final Fleet.AutoUpdate AUTO_UPDATE =
      new Fleet.AutoUpdate(
          dev.selvedge.fleet.update.CronSchedule.parse("0 3 * * *"),
          List.of("api"),
          dev.selvedge.fleet.update.UpdateWindow.parse("02:00-05:00"),
          List.of("1", "100%"),
          Duration.ofMinutes(2));

  private static Fleet.Node node(
      String id, String engine, String env, List<String> tags, String... stacks) {
    Map<String, Fleet.Stack> s = new LinkedHashMap<>();
    for (String name : stacks) {
      s.put(name, new Fleet.Stack(name, Path.of("/srv/" + name), name, null, null));
    }
    return new Fleet.Node(id, engine, null, null, env, tags, s);
  }

  /** An evidence report: web drifted on a secret (fingerprints only) and on its image. */
  static String report(String project) {
    return "{\"schema\":\"selvedge.evidence/v1\",\"kind\":\"drift\",\"generated_at\":"
        + "\"2026-03-01T10:00:00Z\",\"project\":\""
        + project
        + "\",\"findings\":[{\"service\":\"web\",\"layer\":\"host/container\","
        + "\"key\":\"environment.DB_PASSWORD\",\"class\":\"stale\",\"severity\":\"warning\","
        + "\"expected\":\""
        + FINGERPRINT
        + "\",\"actual\":\"hmac-sha256:00aa11bb22cc\",\"message\":\"container shop-web-1 has an"
        + " older DB_PASSWORD than the host's .env\"},{\"service\":\"web\",\"layer\":\"repo/host\","
        + "\"key\":\"image\",\"class\":\"modified\",\"severity\":\"error\",\"expected\":"
        + "\"nginx:1.27\",\"actual\":\"nginx:1.25\",\"message\":\"the host's compose file pins"
        + " nginx:1.25\"}],\"status\":{\"pill\":\"yellow\",\"sync\":\"drifted\",\"health\":"
        + "\"healthy\",\"reasons\":[\"web: drifted\"],\"project_reasons\":[],\"services\":["
        + "{\"service\":\"web\",\"pill\":\"yellow\",\"sync\":\"drifted\",\"health\":\"healthy\","
        + "\"reasons\":[\"environment.DB_PASSWORD stale\",\"image modified\"]},{\"service\":"
        + "\"db\",\"pill\":\"green\",\"sync\":\"in-sync\",\"health\":\"healthy\",\"reasons\":[]}]}}";
  }

  static final EngineFacts FACTS =
      new EngineFacts(
          "ABCD:EFGH", "27.3.1", "1.47", "linux", "x86_64", 4, 8L << 30, "/var/lib/docker", null);

  private void swept(int count, boolean operations) {
    Instant at = clock.instant();
    store
        .fleetState()
        .record(
            new NodeState(
                "app-1",
                Pill.RED,
                List.of("api: engine call timed out"),
                at,
                0,
                FACTS,
                List.of(
                    new StackState(
                        "app-1",
                        "shop",
                        "shop",
                        Sync.DRIFTED,
                        Health.HEALTHY,
                        Pill.YELLOW,
                        List.of("web: environment.DB_PASSWORD stale"),
                        report("shop"),
                        at),
                    new StackState(
                        "app-1",
                        "api",
                        "api",
                        null, // an engine that could not be read: sync and health unknown
                        null,
                        Pill.RED,
                        List.of("engine call timed out"),
                        null,
                        at))),
            List.of(
                new PillChange("app-1", null, null, Pill.GREEN, List.of(), at.minusSeconds(120)),
                new PillChange(
                    "app-1", "shop", Pill.GREEN, Pill.YELLOW, List.of("shop: drifted"), at)));
    store
        .fleetState()
        .record(
            new NodeState(
                "app-2",
                Pill.GREEN,
                List.of(),
                at,
                0,
                new EngineFacts(
                    "WXYZ:0000",
                    "28.0.1",
                    "1.48",
                    "linux",
                    "aarch64",
                    2,
                    4L << 30,
                    "/var/lib/docker",
                    1L << 40),
                List.of(
                    new StackState(
                        "app-2",
                        "shop",
                        "shop",
                        Sync.IN_SYNC,
                        Health.HEALTHY,
                        Pill.GREEN,
                        List.of(),
                        report("shop"),
                        at))),
            List.of());
    for (int i = 4; i <= count; i++) {
      String id = String.format("node-%04d", i);
      Pill p = i % 50 == 0 ? Pill.RED : i % 10 == 0 ? Pill.YELLOW : Pill.GREEN;
      List<StackState> stacks = new ArrayList<>();
      for (String s : List.of("shop", "api", "jobs")) {
        Pill sp = s.equals("shop") ? p : Pill.GREEN;
        stacks.add(
            new StackState(
                id,
                s,
                s,
                sp == Pill.GREEN ? Sync.IN_SYNC : Sync.DRIFTED,
                sp == Pill.RED ? Health.DEGRADED : Health.HEALTHY,
                sp,
                sp == Pill.GREEN ? List.of() : List.of("web: image modified"),
                null,
                at));
      }
      store.fleetState().record(new NodeState(id, p, List.of(), at, 0, FACTS, stacks), List.of());
    }
    String host = HostIdentity.of(FACTS.daemonId(), "tcp://deploy:" + PLANTED + "@10.0.0.1:2376");
    Deployment d =
        store
            .deployments()
            .begin(
                new Deployment(
                    0,
                    host,
                    "shop",
                    Deployment.Kind.APPLY,
                    "abc123",
                    "ana@ci",
                    at.minusSeconds(600),
                    null,
                    Deployment.Outcome.RUNNING,
                    false,
                    "{}",
                    List.of(
                        new Deployment.ServiceImage(
                            "web", "nginx:1.27", "sha256:aa", "nginx@sha256:1111")),
                    Map.of("web", Map.of("DB_PASSWORD", FINGERPRINT)),
                    null,
                    ""));
    store
        .deployments()
        .finish(d.id(), Deployment.Outcome.HEALTHY, "applied web", at.minusSeconds(590));
    if (operations) {
      Deployment second =
          store
              .deployments()
              .begin(
                  new Deployment(
                      0,
                      host,
                      "shop",
                      Deployment.Kind.APPLY,
                      "def456",
                      "ana@ci",
                      at.minusSeconds(300),
                      null,
                      Deployment.Outcome.RUNNING,
                      false,
                      "{}",
                      List.of(
                          new Deployment.ServiceImage(
                              "web", "nginx:1.28", "sha256:bb", "nginx@sha256:2222")),
                      Map.of(),
                      null,
                      ""));
      store
          .deployments()
          .finish(second.id(), Deployment.Outcome.HEALTHY, "applied web", at.minusSeconds(290));
    }
  }

  @Override
  public void close() {
    plane.close();
    hub.close();
    probe.close();
    store.close();
  }
}
