package dev.selvedge.drift;

import static dev.selvedge.drift.DriftFixtures.containers;
import static dev.selvedge.drift.DriftFixtures.envExample;
import static dev.selvedge.drift.DriftFixtures.images;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.contract.model.Project;
import dev.selvedge.drift.ReadbackResult.Endpoint;
import dev.selvedge.port.ProbeResult;
import dev.selvedge.port.ProbeResult.FailureKind;
import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import dev.selvedge.testing.ServiceBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Application readback against the contract's {@code x-selvedge.readback}. */
class AppLayerTest {
  private static final Duration MS = Duration.ofMillis(3);
  private final Project p = DriftFixtures.project();

  private static ReadbackResult answer(String service, Endpoint e, int status, String body) {
    return new ReadbackResult(
        service,
        e,
        URI.create("http://127.0.0.1:8080/" + e.id()),
        new ProbeResult.Answered(status, body, MS));
  }

  private static ReadbackResult failed(String service, Endpoint e, FailureKind kind) {
    return new ReadbackResult(
        service,
        e,
        URI.create("http://127.0.0.1:8080/" + e.id() + "?token=abc"),
        new ProbeResult.Failed(kind, "127.0.0.1:8080: refused", MS));
  }

  private static List<ReadbackResult> good() {
    return List.of(
        answer("api", Endpoint.HEALTH, 200, "{\"status\":\"ok\"}"),
        answer("api", Endpoint.VERSION, 200, "{\"build\":{\"version\":\"1.4.2\"}}"));
  }

  private DriftReport run(Project project, List<ReadbackResult> readbacks) {
    return DriftFixtures.check(
        DriftInput.of(project, envExample(), containers(project))
            .withImages(images())
            .withReadbacks(readbacks));
  }

  @Test
  void expectedAnswersAreInSync() {
    DriftReport r = run(p, good());
    assertThat(r.findings()).isEmpty();
    assertThat(r.layers()).containsExactly("repo", "container", "app");
    assertThat(r.status().pill()).isEqualTo(Pill.GREEN);
  }

  @Test
  void aHealthValueOtherThanExpectedIsContradictedAndDegraded() {
    DriftReport r =
        run(
            p,
            List.of(
                answer("api", Endpoint.HEALTH, 200, "{\"status\":\"degraded\"}"), good().get(1)));
    assertThat(r.findings())
        .extracting(DriftFixtures::change)
        .containsExactly(
            tuple(
                DriftLayer.CONTAINER_APP,
                "readback.expect.status",
                DriftClass.CONTRADICTED,
                "ok",
                "degraded"));
    assertThat(r.status().service("api").health()).isEqualTo(Health.DEGRADED);
    assertThat(r.status().service("api").pill()).isEqualTo(Pill.RED);
  }

  @Test
  void anotherVersionIsStale() {
    DriftReport r =
        run(
            p,
            List.of(
                good().get(0),
                answer("api", Endpoint.VERSION, 200, "{\"build\":{\"version\":\"1.4.1\"}}")));
    assertThat(r.findings())
        .extracting(DriftFinding::key, DriftFinding::kind, DriftFinding::actual)
        .containsExactly(tuple("readback.expect.build.version", DriftClass.STALE, "1.4.1"));
    assertThat(r.status().service("api").health()).isEqualTo(Health.HEALTHY);
    assertThat(r.status().service("api").pill()).isEqualTo(Pill.YELLOW);
  }

  @Test
  void anExpectedPathThatIsAbsentOrNotJsonIsMissing() {
    DriftReport r = run(p, List.of(answer("api", Endpoint.HEALTH, 200, "OK"), good().get(1)));
    assertThat(r.findings())
        .extracting(DriftFinding::key, DriftFinding::kind)
        .containsExactly(tuple("readback.expect.status", DriftClass.MISSING));
  }

  @Test
  void anErrorStatusIsContradictedAndDegradesHealthOnTheHealthUrl() {
    DriftReport r =
        run(p, List.of(answer("api", Endpoint.HEALTH, 503, "{\"status\":\"ok\"}"), good().get(1)));
    assertThat(r.findings())
        .extracting(DriftFinding::key, DriftFinding::kind, DriftFinding::actual)
        .containsExactly(tuple("readback.health", DriftClass.CONTRADICTED, "HTTP 503"));
    assertThat(r.status().service("api").health()).isEqualTo(Health.DEGRADED);
  }

  @Test
  void ourOwnUnreachableReadbackIsUnreadAndUnreachable() {
    DriftReport r =
        run(
            p,
            List.of(failed("api", Endpoint.HEALTH, FailureKind.CONNECTION_REFUSED), good().get(1)));
    assertThat(r.findings()).isEmpty();
    assertThat(r.unread())
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.key()).isEqualTo("readback.health");
              assertThat(u.reason()).contains("connection_refused").doesNotContain("token");
            });
    assertThat(r.outcome()).isEqualTo(DriftReport.Outcome.UNREADABLE);
    assertThat(r.status().service("api").health()).isEqualTo(Health.UNREACHABLE);
    assertThat(r.status().service("api").sync()).isEqualTo(Sync.UNKNOWN);
    assertThat(r.status().service("api").pill()).isEqualTo(Pill.RED);
  }

  @Test
  void anUnreachableDependencyOwnedBySomeoneElseIsBlockedExternal() {
    Project owned =
        DriftFixtures.shop(
                DriftFixtures.api(),
                DriftFixtures.db().readback("http://127.0.0.1:5999/healthz", null, "platform-team"))
            .build();
    List<ReadbackResult> results = new ArrayList<>(good());
    results.add(failed("db", Endpoint.HEALTH, FailureKind.TIMEOUT));
    DriftReport r = run(owned, results);
    assertThat(r.findings())
        .extracting(DriftFinding::service, DriftFinding::kind, DriftFinding::severity)
        .containsExactly(
            tuple("db", DriftClass.BLOCKED_EXTERNAL, dev.selvedge.contract.model.Severity.NOTE));
    assertThat(r.findings().get(0).message()).contains("platform-team", "timeout");
    assertThat(r.drifted()).isFalse();
    assertThat(r.outcome()).isEqualTo(DriftReport.Outcome.IN_SYNC);
    assertThat(r.status().service("db").pill()).isEqualTo(Pill.YELLOW);
    assertThat(r.status().service("db").pillReasons())
        .singleElement()
        .asString()
        .contains("platform-team");
    assertThat(r.summary().passed()).isTrue();
    assertThat(r.summary().notes()).isEqualTo(1);
  }

  @Test
  void aUrlThatWasNotProbedIsUnread() {
    DriftReport r = run(p, List.of(good().get(0)));
    assertThat(r.unread()).extracting(Unread::key).containsExactly("readback.version");
  }

  @Test
  void dottedPathsReachIntoObjectsAndArrays() throws Exception {
    var json = new ObjectMapper().readTree("{\"a\":{\"b\":[{\"c\":1}]}}");
    assertThat(ReadbackCheck.at(json, "a.b.0.c").asText()).isEqualTo("1");
    assertThat(ReadbackCheck.at(json, "a.x")).isNull();
    assertThat(ReadbackCheck.at(json, "a.b.1.c")).isNull();
  }

  @Test
  void readbacksProbeEveryUrlOfEveryService() {
    Project q =
        DriftFixtures.shop(
                DriftFixtures.api(),
                ServiceBuilder.bare("db")
                    .image("postgres:16")
                    .readback("http://db.invalid/h", null, null))
            .build();
    List<URI> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    List<ReadbackResult> results =
        Readbacks.read(
            q,
            (uri, timeout) -> {
              seen.add(uri);
              return new ProbeResult.Answered(200, "{}", MS);
            });
    assertThat(results)
        .extracting(ReadbackResult::service, ReadbackResult::endpoint)
        .containsExactly(
            tuple("api", Endpoint.HEALTH),
            tuple("api", Endpoint.VERSION),
            tuple("db", Endpoint.HEALTH));
    assertThat(seen).hasSize(3);
  }

  /**
   * A health URL answering 200 with a 3 MB JSON document, through the real probe: its expectations
   * cannot be judged, which is unread (naming the limit), not a missing value.
   */
  @Test
  void aHealthBodyOverTheLimitIsUnreadNotMissing() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    byte[] big =
        ("{\"status\":\"ok\",\"pad\":\"" + "x".repeat(3_000_000) + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] version = "{\"build\":{\"version\":\"1.4.2\"}}".getBytes(StandardCharsets.UTF_8);
    server.createContext("/healthz", x -> send(x, big));
    server.createContext("/version", x -> send(x, version));
    server.start();
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      Project project =
          DriftFixtures.shop(
                  DriftFixtures.api()
                      .readback(
                          base + "/healthz",
                          base + "/version",
                          null,
                          "status",
                          "ok",
                          "build.version",
                          "1.4.2"),
                  DriftFixtures.db())
              .build();
      DriftReport r = run(project, Readbacks.read(project, new SocketHttpProbe()));

      assertThat(r.findings()).isEmpty();
      assertThat(r.unread())
          .extracting(Unread::key, Unread::reason)
          .containsExactly(
              tuple(
                  "readback.health",
                  base + "/healthz: body over the limit (1048576 bytes), not read"));
      assertThat(r.status().service("api").sync()).isEqualTo(Sync.UNKNOWN);
      assertThat(r.status().service("api").health()).isEqualTo(Health.HEALTHY);
    } finally {
      server.stop(0);
    }
  }

  private static void send(HttpExchange x, byte[] body) throws IOException {
    x.sendResponseHeaders(200, body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    } catch (IOException clientLeft) {
      // the probe stops reading at its limit
    }
  }
}
