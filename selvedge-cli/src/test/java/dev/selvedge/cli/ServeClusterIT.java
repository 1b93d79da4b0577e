package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code selvedge serve} processes (the built jar) on one real PostgreSQL, sweeping a fleet
 * of simulated engines ({@code bench/fleet/EngineStandIn.java}) and the local dockerd. What each
 * replica did is read from the store only: a watcher polls {@code fleet_node} (each node's last
 * sweep: when, by whom) joined with {@code sweep_claim} every 50 ms and keeps every sweep it sees.
 *
 * <ul>
 *   <li>the nodes are spread over the three, each node swept once per interval (never twice within
 *       one), and every replica's API shows all nodes fresh, those the others swept included;
 *   <li>a PostgreSQL restart is survived by all three (they sweep again and answer ready);
 *   <li>a replica stopped (SIGSTOP) past its claims has its nodes taken over, and once resumed
 *       (SIGCONT) writes nothing under claims it lost;
 *   <li>a replica killed ({@code kill -9}) has its nodes swept by the others within the bound.
 * </ul>
 */
class ServeClusterIT {
  private static final Pattern SERVING = Pattern.compile("serving http://127\\.0\\.0\\.1:(\\d+)");
  private static final Duration INTERVAL = Duration.ofSeconds(2);
  private static final int SIMULATED = 12;

  /** The claim expiry (three heartbeats), a renewal period, then an interval: see cluster.md. */
  private static final Duration TAKE_OVER =
      Duration.ofSeconds(15).plusSeconds(5).plus(INTERVAL.multipliedBy(2)).plusSeconds(3);

  @TempDir Path tmp;
  private final List<Process> started = new ArrayList<>();
  private final List<String> projectsToRemove = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private String adminUrl;
  private String user;
  private String password;
  private String database;
  private String storeUrl;
  private volatile boolean watching = true;
  private Thread watcher;

  /** Every sweep seen, per node, in order. */
  private final Map<String, List<Sweep>> sweeps = new ConcurrentHashMap<>();

  /** Sweeps seen written by a replica that did not hold the node's claim then. */
  private final List<String> unfenced = new CopyOnWriteArrayList<>();

  private volatile String watchedReplica;

  private record Sweep(Instant at, String by, String holder) {}

  private record Server(Process process, Path errFile, int port) {
    String err() throws IOException {
      return Files.readString(errFile, StandardCharsets.UTF_8);
    }
  }

  @AfterEach
  void stop() throws Exception {
    watching = false;
    if (watcher != null) {
      watcher.join(10_000);
    }
    for (Process p : started) {
      if (p.isAlive()) {
        ProcessHandle.of(p.pid()).ifPresent(h -> signal(h.pid(), "CONT"));
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
    for (String p : projectsToRemove) {
      TestHost.removeProject(p);
    }
    if (database != null) {
      try (Connection c = DriverManager.getConnection(adminUrl, user, password);
          Statement st = c.createStatement()) {
        st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      }
    }
  }

  @Test
  void threeReplicasShareTheFleetSurviveARestartAndTakeOverAStoppedAndAKilledOne()
      throws Exception {
    Map<String, String> facts = TestHost.facts();
    createDatabase(facts);

    Path fleet = fleetFile(facts.get("SELVEDGE_TEST_DOCKER_HOST"));
    List<String> nodes = new ArrayList<>();
    for (int i = 1; i <= SIMULATED; i++) {
      nodes.add(String.format("node-%05d", i));
    }
    nodes.add("real-docker");

    // The first replica makes the admin key; the two others start on the same store after it.
    Server a = serve(fleet, "a");
    String admin = tokenAfter(a, "created the admin key 'admin'");
    Server b = serve(fleet, "b");
    Server c = serve(fleet, "c");
    List<Server> all = List.of(a, b, c);
    watch();

    // ---- spread: each holds a third, each node swept once per interval ------------------------
    try {
      await(() -> spread(3), Duration.ofSeconds(60), "the claims spread over three replicas");
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage() + ": claims held " + lastSpread + "\n" + a.err() + b.err() + c.err(), e);
    }
    Instant from = Instant.now().plus(INTERVAL);
    await(
        () -> Instant.now().isAfter(from.plus(INTERVAL.multipliedBy(8))),
        Duration.ofMinutes(1),
        "");
    Instant to = Instant.now().minus(INTERVAL);
    Map<String, Integer> byReplica = new HashMap<>();
    for (String node : nodes) {
      List<Sweep> seen = between(node, from, to);
      // about 7 intervals: 6 to 8 sweeps (the jitter adds up to a tenth)
      assertThat(seen).as(node + ": " + seen).hasSizeBetween(5, 8);
      for (int i = 1; i < seen.size(); i++) {
        assertThat(Duration.between(seen.get(i - 1).at(), seen.get(i).at()))
            .as(node + " swept twice within an interval: " + seen)
            .isGreaterThan(INTERVAL.minusMillis(300));
      }
      seen.forEach(s -> byReplica.merge(s.by(), 1, Integer::sum));
    }
    assertThat(byReplica).as("every replica swept its share").hasSize(3);
    for (Server s : all) {
      await(() -> status(s, "/readyz", null) == 200, Duration.ofSeconds(30), "ready");
      String body = get(s, "/api/v1/fleet", admin).body();
      for (String node : nodes) {
        assertThat(body).contains("\"id\":\"" + node + "\"");
      }
      assertThat(body).doesNotContain("\"stale\":true").contains("\"swept_by\":\"replica-");
    }

    // ---- events: a client on each replica sees every replica's events, in one order -----------
    List<Events> clients = new ArrayList<>();
    for (Server s : all) {
      clients.add(Events.open(http, s.port(), admin));
    }
    List<Long> stored = storedEventIds();
    assertThat(stored).as("the replicas' sweeps published events").isNotEmpty();
    for (Events e : clients) {
      await(
          () -> e.ids().containsAll(stored),
          Duration.ofSeconds(30),
          "every stored event seen on each replica");
      assertThat(e.ids()).as("in id order").isSorted();
      e.close();
    }

    // ---- a PostgreSQL restart: all three sweep again and answer ready --------------------------
    Process restart =
        new ProcessBuilder("pg_ctlcluster", "15", "main", "restart").inheritIO().start();
    assertThat(restart.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(restart.exitValue()).isZero();
    await(this::storeAnswers, Duration.ofSeconds(60), "PostgreSQL answers again");
    Instant restarted = Instant.now();
    Map<String, String> replicaOf = replicas();
    for (Server s : all) {
      String id = replicaOf.get(Long.toString(s.process().pid()));
      await(
          () -> sweptSince(id, restarted),
          Duration.ofSeconds(60),
          "replica " + id + " sweeps again after the restart");
      await(() -> status(s, "/readyz", null) == 200, Duration.ofSeconds(30), "ready again");
    }

    // ---- SIGSTOP past the claims, SIGCONT: fenced ---------------------------------------------
    String bId = replicaOf.get(Long.toString(b.process().pid()));
    await(() -> spread(3), Duration.ofSeconds(60), "spread again");
    List<String> ofB = heldBy(bId);
    assertThat(ofB).isNotEmpty();
    signal(b.process().pid(), "STOP");
    Instant paused = Instant.now();
    for (String node : ofB) {
      await(
          () -> sweptByOtherSince(node, bId, paused),
          TAKE_OVER,
          node + " taken from the paused replica");
    }
    watchedReplica = bId;
    signal(b.process().pid(), "CONT");
    Instant resumed = Instant.now();
    await(
        () -> sweptSince(bId, resumed),
        Duration.ofSeconds(60),
        "the resumed replica sweeps its share again");
    await(
        () -> Instant.now().isAfter(resumed.plus(INTERVAL.multipliedBy(3))),
        Duration.ofMinutes(1),
        "");
    assertThat(unfenced).as("results written by the resumed replica without its claim").isEmpty();

    // ---- kill -9: its nodes swept by the others within the bound -------------------------------
    await(() -> spread(3), Duration.ofSeconds(60), "spread again");
    String cId = replicaOf.get(Long.toString(c.process().pid()));
    List<String> ofC = heldBy(cId);
    assertThat(ofC).isNotEmpty();
    c.process().destroyForcibly(); // SIGKILL
    Instant killed = Instant.now();
    for (String node : ofC) {
      await(() -> sweptByOtherSince(node, cId, killed), TAKE_OVER, node + " taken from the killed");
    }
    Duration took = Duration.between(killed, Instant.now());
    System.out.println("ServeClusterIT: a killed replica's nodes swept again after " + took);
    await(() -> spread(2), Duration.ofSeconds(30), "two replicas share the nodes");
  }

  /** The event stream of one replica from the start ({@code after=0}), with the admin key. */
  private static final class Events implements java.net.http.WebSocket.Listener {
    private final List<Long> ids = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");
    private java.net.http.WebSocket socket;

    static Events open(HttpClient http, int port, String token) throws Exception {
      Events e = new Events();
      e.socket =
          http.newWebSocketBuilder()
              .header("Authorization", "Bearer " + token)
              .buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/v1/events?after=0"), e)
              .get(30, TimeUnit.SECONDS);
      return e;
    }

    List<Long> ids() {
      return List.copyOf(ids);
    }

    @Override
    public java.util.concurrent.CompletionStage<?> onText(
        java.net.http.WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        Matcher m = ID.matcher(partial);
        if (m.find()) {
          ids.add(Long.parseLong(m.group(1)));
        }
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    void close() {
      socket.abort();
    }
  }

  private List<Long> storedEventIds() throws SQLException {
    try (Connection c = store();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id FROM server_event ORDER BY id")) {
      List<Long> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getLong(1));
      }
      return out;
    }
  }

  // ---- the store, as the watcher reads it ------------------------------------------------------

  private Connection store() throws SQLException {
    return DriverManager.getConnection(storeUrl, user, password);
  }

  private void watch() {
    watcher =
        Thread.ofPlatform()
            .name("cluster-it-watcher")
            .start(
                () -> {
                  Map<String, Instant> last = new HashMap<>();
                  while (watching) {
                    try (Connection c = store();
                        Statement st = c.createStatement()) {
                      while (watching) {
                        try (ResultSet rs =
                            st.executeQuery(
                                "SELECT n.id, n.swept_by, n.last_swept_at, c.replica"
                                    + " FROM fleet_node n LEFT JOIN sweep_claim c ON c.node = n.id")) {
                          while (rs.next()) {
                            String id = rs.getString(1);
                            Instant at = rs.getObject(3, OffsetDateTime.class).toInstant();
                            if (!at.equals(last.get(id))) {
                              last.put(id, at);
                              Sweep s = new Sweep(at, rs.getString(2), rs.getString(4));
                              sweeps.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(s);
                              String w = watchedReplica;
                              if (w != null && w.equals(s.by()) && !w.equals(s.holder())) {
                                unfenced.add(id + " " + s);
                              }
                            }
                          }
                        }
                        Thread.sleep(50); // the watcher's poll period, not a wait for a result
                      }
                    } catch (SQLException e) {
                      // PostgreSQL restarting: connect again
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
  }

  private boolean storeAnswers() {
    try (Connection c = store();
        Statement st = c.createStatement()) {
      return st.execute("SELECT 1");
    } catch (SQLException e) {
      return false;
    }
  }

  /**
   * Whether {@code n} replicas hold every node's unexpired claim, none more than its share ({@code
   * ceil(nodes / n)}).
   */
  private boolean spread(int n) {
    try (Connection c = store();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT replica, COUNT(*) FROM sweep_claim WHERE expires_at > now()"
                    + " GROUP BY replica")) {
      List<Integer> counts = new ArrayList<>();
      int total = 0;
      while (rs.next()) {
        counts.add(rs.getInt(2));
        total += rs.getInt(2);
      }
      int share = (SIMULATED + 1 + n - 1) / n;
      lastSpread = counts.toString();
      return counts.size() == n
          && total == SIMULATED + 1
          && counts.stream().mapToInt(i -> i).max().orElse(0) <= share;
    } catch (SQLException e) {
      return false;
    }
  }

  private volatile String lastSpread = "";

  private List<String> heldBy(String replica) throws SQLException {
    try (Connection c = store();
        var st =
            c.prepareStatement(
                "SELECT node FROM sweep_claim WHERE replica = ? AND expires_at > now()")) {
      st.setString(1, replica);
      List<String> out = new ArrayList<>();
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    }
  }

  /** Replica id by pid, from the replica registry. */
  private Map<String, String> replicas() throws SQLException {
    try (Connection c = store();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id, pid FROM cluster_replica")) {
      Map<String, String> out = new HashMap<>();
      while (rs.next()) {
        out.put(Long.toString(rs.getLong(2)), rs.getString(1));
      }
      return out;
    }
  }

  private List<Sweep> between(String node, Instant from, Instant to) {
    return sweeps.getOrDefault(node, List.of()).stream()
        .filter(s -> !s.at().isBefore(from) && s.at().isBefore(to))
        .toList();
  }

  private boolean sweptSince(String replica, Instant since) {
    return sweeps.values().stream()
        .flatMap(List::stream)
        .anyMatch(s -> replica.equals(s.by()) && s.at().isAfter(since));
  }

  private boolean sweptByOtherSince(String node, String replica, Instant since) {
    return sweeps.getOrDefault(node, List.of()).stream()
        .anyMatch(s -> s.at().isAfter(since) && s.by() != null && !s.by().equals(replica));
  }

  // ---- processes -------------------------------------------------------------------------------

  /** A database of this test's own on the test services' PostgreSQL, dropped afterwards. */
  private void createDatabase(Map<String, String> facts) throws SQLException {
    adminUrl = facts.get("SELVEDGE_TEST_PG_URL");
    assumeTrue(adminUrl != null, "no PostgreSQL in " + TestHost.FACTS);
    user = facts.get("SELVEDGE_TEST_PG_USER");
    password = facts.get("SELVEDGE_TEST_PG_PASSWORD");
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    database = "selvedge_cluster_" + HexFormat.of().formatHex(random);
    try (Connection c = DriverManager.getConnection(adminUrl, user, password);
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + database);
    }
    storeUrl = adminUrl.substring(0, adminUrl.lastIndexOf('/') + 1) + database;
  }

  @Test
  void aRolloutWhoseReplicaIsKilledMidApplyIsContinuedOnceByAnother() throws Exception {
    Map<String, String> facts = TestHost.facts();
    String registry = facts.get("SELVEDGE_TEST_REGISTRY");
    assumeTrue(registry != null, "no registry in " + TestHost.FACTS);
    createDatabase(facts);
    // Two nodes of the local engine (a project each) running a healthy image with a healthcheck.
    Path contract = Files.createDirectories(tmp.resolve("contracts/web"));
    Files.writeString(
        contract.resolve("compose.yaml"),
        """
        x-selvedge:
          policy:
            rules:
              healthcheck-interval-too-short: "off"
              logging-unbounded: "off"
        services:
          web:
            image: %s/selvedge-test/app:good
            labels:
              dev.selvedge.test: "1"
            healthcheck:
              test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/healthz"]
              interval: 1s
              timeout: 2s
              retries: 2
            stop_grace_period: 1s
        """
            .formatted(registry));
    List<String> projects = List.of(TestHost.newProject(), TestHost.newProject());
    projectsToRemove.addAll(projects);
    StringBuilder yaml = new StringBuilder("poll: {interval: 2s, timeout: 5s}\nnodes:\n");
    for (int i = 0; i < 2; i++) {
      yaml.append("  n")
          .append(i + 1)
          .append(":\n    engine: ")
          .append(facts.get("SELVEDGE_TEST_DOCKER_HOST"))
          .append("\n    stacks:\n      web: {contract: contracts/web, project: ")
          .append(projects.get(i))
          .append("}\n");
    }
    Path fleet = tmp.resolve("fleet.yaml");
    Files.writeString(fleet, yaml.toString());
    Server a = serve(fleet, "a");
    String admin = tokenAfter(a, "created the admin key 'admin'");
    Server b = serve(fleet, "b");

    HttpResponse<String> started =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port() + "/api/v1/rollouts"))
                .header("Authorization", "Bearer " + admin)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"stack\": \"web\", \"waves\": \"1,100%\", \"parallel\": 1,"
                            + " \"gate_timeout\": \"60s\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    Matcher idMatch = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(started.body());
    assertThat(idMatch.find()).as(started.body()).isTrue();
    String id = idMatch.group(1);
    String path = "/api/v1/rollouts/" + id;

    // Killed while it applies the second node, the canary healthy.
    await(
        () -> {
          try {
            String body = get(a, path, admin).body();
            return stepOf(body, "n1").equals("healthy") && stepOf(body, "n2").equals("applying");
          } catch (Exception e) {
            return false;
          }
        },
        Duration.ofSeconds(120),
        "the rollout applying its second node on replica a");
    a.process().destroyForcibly(); // SIGKILL
    assertThat(a.process().waitFor(30, TimeUnit.SECONDS)).isTrue();

    // The other replica takes it over once its lease ran out, and finishes it.
    await(
        () -> {
          try {
            return get(b, path, admin).body().matches("(?s).*\"state\"\\s*:\\s*\"finished\".*");
          } catch (Exception e) {
            return false;
          }
        },
        Duration.ofSeconds(240),
        "replica b finishing the rollout");
    String end = get(b, path, admin).body();
    assertThat(stepOf(end, "n1")).isEqualTo("healthy");
    assertThat(stepOf(end, "n2")).isEqualTo("healthy");
    // Each node ends with one healthy deployment by the rollout: the canary, finished on the dead
    // replica, is not applied again; the node it died in is judged from its deployments (an
    // apply it left running is done again, its record left as it was).
    List<String> rows = new ArrayList<>();
    Map<String, Integer> healthy = new HashMap<>();
    try (Connection c = store();
        var st =
            c.prepareStatement(
                "SELECT id, project, outcome, actor FROM deployment WHERE actor LIKE ? ORDER BY id")) {
      st.setString(1, "%(rollout " + id + ")%");
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          rows.add(rs.getLong(1) + " " + rs.getString(2) + " " + rs.getString(3));
          if ("healthy".equalsIgnoreCase(rs.getString(3))) {
            healthy.merge(rs.getString(2), 1, Integer::sum);
          }
        }
      }
    }
    assertThat(healthy)
        .as("healthy deployments by the rollout, of: %s (n1 = %s)", rows, projects.get(0))
        .containsEntry(projects.get(0), 1)
        .containsEntry(projects.get(1), 1);
    assertThat(rows.stream().filter(r -> r.contains(projects.get(0))))
        .as("the canary, healthy before the kill, is not applied again: %s", rows)
        .hasSize(1);
  }

  /** A node's step in a rollout's JSON ({@code "node":"N", ... "step":"S"}), or empty. */
  private static String stepOf(String rollout, String node) {
    Matcher m =
        Pattern.compile("\"node\"\\s*:\\s*\"" + node + "\"[^}]*?\"step\"\\s*:\\s*\"([a-z-]+)\"")
            .matcher(rollout);
    return m.find() ? m.group(1) : "";
  }

  private Path fleetFile(String dockerHost) throws Exception {
    Path sockets = Files.createDirectories(tmp.resolve("s"));
    Path standIn = Path.of("..", "bench", "fleet", "EngineStandIn.java").toAbsolutePath();
    String java = ProcessHandle.current().info().command().orElse("java");
    Process gen =
        new ProcessBuilder(
                java,
                standIn.toString(),
                "fleet",
                "--nodes",
                Integer.toString(SIMULATED),
                "--out",
                tmp.toString(),
                "--sockets",
                sockets.toString(),
                "--interval",
                INTERVAL.toSeconds() + "s",
                "--timeout",
                "2s")
            .redirectErrorStream(true)
            .start();
    started.add(gen);
    String out = new String(gen.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(gen.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(gen.exitValue()).as(out).isZero();
    Process engines =
        new ProcessBuilder(
                java,
                standIn.toString(),
                "serve",
                "--nodes",
                Integer.toString(SIMULATED),
                "--sockets",
                sockets.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    started.add(engines);
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(engines.getInputStream(), StandardCharsets.UTF_8));
    String line = lines.readLine();
    assertThat(line).as("the stand-in is ready").startsWith("ready");
    Thread.ofVirtual().start(() -> drain(lines));
    Path fleet = tmp.resolve("fleet.yaml");
    Files.writeString(
        fleet,
        Files.readString(fleet)
            + "  real-docker:\n"
            + "    engine: "
            + dockerHost
            + "\n"
            + "    tags: [lab]\n"
            + "    stacks:\n"
            + "      shop: {contract: contracts/shop, project: "
            + TestHost.newProject()
            + "}\n");
    return fleet;
  }

  private static void drain(BufferedReader r) {
    try {
      while (r.readLine() != null) {
        // the stand-in's output is not needed
      }
    } catch (IOException e) {
      // gone
    }
  }

  private Server serve(Path fleet, String name) throws Exception {
    Path jar = Path.of("target", "selvedge.jar").toAbsolutePath();
    assumeTrue(Files.isRegularFile(jar), "no " + jar + ": run through mvn verify");
    Path err = tmp.resolve("serve-" + name + ".err");
    ProcessBuilder pb =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                jar.toString(),
                "serve",
                "--fleet",
                fleet.toString(),
                "--listen",
                "127.0.0.1:0")
            .directory(tmp.toFile())
            .redirectError(err.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("SELVEDGE_HOME", tmp.resolve("home-" + name).toString());
    pb.environment().put("SELVEDGE_STORE_URL", storeUrl);
    pb.environment().put("SELVEDGE_STORE_USER", user);
    pb.environment().put("SELVEDGE_STORE_PASSWORD", password);
    Process p = pb.start();
    started.add(p);
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.exists(err) ? Files.readString(err, StandardCharsets.UTF_8) : "";
      Matcher m = SERVING.matcher(text);
      if (m.find()) {
        return new Server(p, err, Integer.parseInt(m.group(1)));
      }
      if (!p.isAlive()) {
        throw new AssertionError("serve exited " + p.exitValue() + ":\n" + text);
      }
      p.waitFor(100, TimeUnit.MILLISECONDS);
    }
    throw new AssertionError("serve did not start: " + Files.readString(err));
  }

  private static String tokenAfter(Server s, String marker) throws IOException {
    List<String> lines = s.err().lines().toList();
    for (int i = 0; i < lines.size() - 1; i++) {
      if (lines.get(i).contains(marker)) {
        return lines.get(i + 1).strip();
      }
    }
    throw new AssertionError("no line after '" + marker + "'");
  }

  private static void signal(long pid, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
      kill.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private HttpResponse<String> get(Server s, String path, String token) throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
            .timeout(Duration.ofSeconds(10));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private int status(Server s, String path, String token) {
    try {
      return get(s, path, token).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  /** Waits for {@code condition}, checked every 100 ms, at most {@code bound}. */
  private static void await(BooleanSupplier condition, Duration bound, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + bound + ": " + what);
      }
      Thread.sleep(100);
    }
  }
}
