package dev.selvedge.docker;

import static dev.selvedge.docker.FakeEngine.Reply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.LogLines;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The HTTP client and the engine over it, against {@link FakeEngine} on a real socket. */
class EngineHttpTest {
  static final String PING = "GET /_ping HTTP/1.1";
  static final String VERSION_JSON =
      "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"Os\":\"linux\",\"Arch\":\"amd64\"}";

  static DockerEngine engine(FakeEngine fake, Duration timeout) {
    EngineOptions options =
        EngineOptions.fromEnvironment(fake.host(), Map.of()).withTimeouts(timeout, timeout);
    return DockerEngines.open(options);
  }

  static Reply standard(String requestLine) {
    if (requestLine.startsWith(PING)) {
      return Reply.of(FakeEngine.json(200, "OK"));
    }
    if (requestLine.startsWith("GET /v1.41/version ")) {
      return Reply.of(
          FakeEngine.chunked(200, VERSION_JSON.substring(0, 10), VERSION_JSON.substring(10)));
    }
    return Reply.of(FakeEngine.json(404, "{\"message\":\"No such container: x\"}"));
  }

  @Test
  void negotiatesOnceThenReusesOneConnection() throws Exception {
    try (FakeEngine fake = new FakeEngine(EngineHttpTest::standard);
        DockerEngine engine = engine(fake, Duration.ofSeconds(5))) {
      for (int i = 0; i < 20; i++) {
        assertThat(engine.info().apiVersion()).isEqualTo("1.41");
      }

      assertThat(fake.connections.get()).isEqualTo(1);
      assertThat(fake.requests).hasSize(21).first().isEqualTo("GET /_ping HTTP/1.1");
      assertThat(fake.requests.subList(1, 21)).containsOnly("GET /v1.41/version HTTP/1.1");
      assertThat(fake.headers)
          .contains("Host: 127.0.0.1:" + fake.port(), "Accept: application/json")
          .anyMatch(h -> h.startsWith("User-Agent: selvedge/"));
    }
  }

  @Test
  void anOlderEngineGetsItsOwnVersionInThePath() throws Exception {
    try (FakeEngine fake =
            new FakeEngine(
                line ->
                    line.startsWith(PING)
                        ? Reply.of(FakeEngine.json(200, "OK").replace("1.41", "1.30"))
                        : Reply.of(FakeEngine.json(200, VERSION_JSON)));
        DockerEngine engine = engine(fake, Duration.ofSeconds(5))) {
      engine.info();

      assertThat(fake.requests).contains("GET /v1.30/version HTTP/1.1");
    }
  }

  @Test
  void anEngineTooOldIsRefusedWithWhatToDo() throws Exception {
    try (FakeEngine fake =
            new FakeEngine(line -> Reply.of(FakeEngine.json(200, "OK").replace("1.41", "1.12")));
        DockerEngine engine = engine(fake, Duration.ofSeconds(5))) {
      assertThatThrownBy(engine::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessageContaining("the engine speaks API 1.12 but selvedge needs 1.25 or newer");
    }
  }

  @Test
  void anIdleConnectionTheEngineClosedIsReplacedTransparently() throws Exception {
    try (FakeEngine fake =
            new FakeEngine(
                line -> {
                  Reply r = standard(line);
                  return new Reply(r.bytes(), true); // closes after every answer, silently
                });
        DockerEngine engine = engine(fake, Duration.ofSeconds(5))) {
      for (int i = 0; i < 5; i++) {
        engine.info();
      }

      assertThat(fake.connections.get()).isEqualTo(6);
    }
  }

  @Test
  void aWriteWhoseKeptConnectionBreaksBeforeTheAnswerIsNotSentTwice() throws Exception {
    try (FakeEngine fake =
            new FakeEngine(
                line ->
                    line.startsWith("POST")
                        ? new Reply(new byte[0], true) // takes the request, then goes away
                        : standard(line));
        DockerEngine engine = engine(fake, Duration.ofSeconds(5))) {
      engine.info(); // leaves a kept connection, which the start then reuses

      assertThatThrownBy(() -> engine.startContainer("abc"))
          .isInstanceOf(EngineUnreachableException.class);
      assertThat(fake.requests.stream().filter(r -> r.startsWith("POST")).count())
          .as("the start was sent once: it may have been carried out")
          .isEqualTo(1);
    }
  }

  @Test
  void connectionCloseIsHonoured() throws Exception {
    try (FakeEngine fake =
            new FakeEngine(
                line ->
                    line.startsWith(PING)
                        ? Reply.of(FakeEngine.json(200, "OK"))
                        : Reply.closing(
                            "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + VERSION_JSON));
        DockerEngine engine = engine(fake, Duration.ofSeconds(5))) {
      assertThat(engine.info().os()).isEqualTo("linux");
      assertThat(engine.info().os()).isEqualTo("linux");

      assertThat(fake.connections.get()).isEqualTo(2);
    }
  }

  @Test
  void engineErrorsCarryStatusAndMessage() throws Exception {
    try (FakeEngine fake = new FakeEngine(EngineHttpTest::standard);
        DockerEngine engine = engine(fake, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> engine.inspectContainer("x"))
          .isInstanceOf(EngineException.class)
          .hasMessage(fake.host() + ": engine answered 404: No such container: x")
          .satisfies(e -> assertThat(((EngineException) e).status()).isEqualTo(404));
      assertThat(engine.inspectImage("busybox:1")).isEmpty();
      assertThat(fake.requests)
          .contains(
              "GET /v1.41/containers/x/json HTTP/1.1", "GET /v1.41/images/busybox:1/json HTTP/1.1");
    }
  }

  @Test
  void aSilentEngineTimesOutNamingTheEndpoint() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (FakeEngine fake =
            new FakeEngine(
                line ->
                    calls.incrementAndGet() == 1
                        ? Reply.of(FakeEngine.json(200, "OK"))
                        : Reply.silence());
        DockerEngine engine = engine(fake, Duration.ofMillis(300))) {
      long start = System.nanoTime();
      assertThatThrownBy(engine::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessage(
              fake.host()
                  + ": no complete answer from the engine within 300 ms: it is overloaded or hung;"
                  + " try again or raise the timeout with --engine-timeout or"
                  + " SELVEDGE_ENGINE_TIMEOUT");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Test
  void streamedLogsAreDemultiplexed() throws Exception {
    String frames =
        new String(LogFramesTest.frame(1, "out\n"), java.nio.charset.StandardCharsets.ISO_8859_1)
            + new String(
                LogFramesTest.frame(2, "err\n"), java.nio.charset.StandardCharsets.ISO_8859_1);
    try (FakeEngine fake =
            new FakeEngine(
                line ->
                    line.contains("/logs?")
                        ? Reply.of(
                            FakeEngine.chunked(200, frames.substring(0, 5), frames.substring(5)))
                        : standard(line));
        DockerEngine engine = engine(fake, Duration.ofSeconds(5))) {
      LogLines logs =
          engine.logs(
              "abc", java.time.Instant.ofEpochSecond(1700000000, 5), 50, Duration.ofSeconds(5));

      assertThat(logs.lines())
          .containsExactly(new LogLines.Line("stdout", "out"), new LogLines.Line("stderr", "err"));
      assertThat(fake.requests)
          .contains(
              "GET /v1.41/containers/abc/logs?stdout=1&stderr=1&timestamps=0&tail=50"
                  + "&since=1700000000.000000005 HTTP/1.1");
      engine.info();
      assertThat(fake.connections.get()).isEqualTo(1);
    }
  }

  @Test
  void labelFiltersAreEncodedJson() throws Exception {
    try (FakeEngine fake =
            new FakeEngine(
                line ->
                    line.contains("/containers/json")
                        ? Reply.of(FakeEngine.json(200, "[]"))
                        : standard(line));
        DockerEngine engine = engine(fake, Duration.ofSeconds(5))) {
      java.util.Map<String, String> labels = new java.util.HashMap<>();
      labels.put("com.docker.compose.project", "shop");
      labels.put("owner", null);
      assertThat(engine.listContainers(labels, true)).isEmpty();

      assertThat(fake.requests)
          .contains(
              "GET /v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Dshop%22%2C%22owner%22%5D%7D HTTP/1.1");
    }
  }

  @Test
  void nonHttpAnswersAreAClearFailure() throws Exception {
    try (FakeEngine fake = new FakeEngine(line -> Reply.closing("SSH-2.0-OpenSSH_9.2\r\n"));
        DockerEngine engine = engine(fake, Duration.ofSeconds(5))) {
      assertThatThrownBy(engine::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessage(
              fake.host()
                  + ": connection to the engine failed: not an HTTP response: SSH-2.0-OpenSSH_9.2");
    }
  }

  @Test
  void concurrentCallsEachGetTheirOwnConnection() throws Exception {
    try (FakeEngine fake = new FakeEngine(EngineHttpTest::standard);
        DockerEngine engine = engine(fake, Duration.ofSeconds(10))) {
      engine.info();
      java.util.List<Thread> threads = new java.util.ArrayList<>();
      java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures =
          new java.util.concurrent.ConcurrentLinkedQueue<>();
      for (int t = 0; t < 8; t++) {
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        for (int i = 0; i < 50; i++) {
                          assertThat(engine.info().version()).isEqualTo("20.10.24");
                        }
                      } catch (Throwable e) {
                        failures.add(e);
                      }
                    }));
      }
      for (Thread t : threads) {
        t.join();
      }

      assertThat(failures).isEmpty();
      assertThat(fake.requests).hasSize(1 + 1 + 8 * 50);
    }
  }

  @Test
  void theIdleLimitBoundsTheConnectionsKeptBetweenCalls() throws Exception {
    for (int limit : new int[] {0, 1, EngineOptions.DEFAULT_MAX_IDLE_CONNECTIONS}) {
      CountDownLatch together = new CountDownLatch(6);
      java.util.concurrent.atomic.AtomicBoolean gated =
          new java.util.concurrent.atomic.AtomicBoolean();
      try (FakeEngine fake =
              new FakeEngine(
                  line -> {
                    if (gated.get() && line.startsWith("GET /v1.41/version ")) {
                      // every call holds its connection until all six are in flight
                      together.countDown();
                      try {
                        together.await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }
                    return standard(line);
                  });
          DockerEngine engine =
              DockerEngines.open(
                  EngineOptions.fromEnvironment(fake.host(), Map.of())
                      .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(10))
                      .withMaxIdleConnections(limit))) {
        engine.info();
        gated.set(true);
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        for (int t = 0; t < 6; t++) {
          threads.add(Thread.ofVirtual().start(engine::info));
        }
        for (Thread t : threads) {
          t.join();
        }
        EngineHttp http = ((HttpDockerEngine) engine).http();
        assertThat(http.idleConnections()).as("limit %d", limit).isEqualTo(limit);
        assertThat(fake.connections.get()).isGreaterThanOrEqualTo(6);
      }
    }
  }

  @Test
  void whereConnectionsAreCostlyAReadWaitsForOneBusyWithAReadInsteadOfOpeningAnother()
      throws Exception {
    CountDownLatch slowArrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (FakeEngine fake = new FakeEngine(line -> held(line, slowArrived, release));
        EngineHttp http = costly(fake)) {
      http.get("/_ping", Duration.ofSeconds(30));
      Thread slow = Thread.ofPlatform().start(() -> http.get("/slow", Duration.ofSeconds(30)));
      slowArrived.await();
      Thread other = Thread.ofPlatform().start(() -> http.get("/_ping", Duration.ofSeconds(30)));
      awaitCondition(() -> http.waiting() == 1);
      release.countDown();
      slow.join();
      other.join();

      assertThat(fake.connections.get()).isEqualTo(1);
      assertThat(fake.requests).hasSize(3);
    }
  }

  @Test
  void aWriteInFlightIsNotWaitedFor() throws Exception {
    CountDownLatch slowArrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (FakeEngine fake = new FakeEngine(line -> held(line, slowArrived, release));
        EngineHttp http = costly(fake)) {
      http.get("/_ping", Duration.ofSeconds(30));
      // A stop waits for the container: a read must not queue behind it.
      Thread stop =
          Thread.ofPlatform()
              .start(() -> http.send("POST", "/slow", null, null, Duration.ofSeconds(30)));
      slowArrived.await();
      http.get("/_ping", Duration.ofSeconds(30));
      release.countDown();
      stop.join();

      assertThat(fake.connections.get()).isEqualTo(2);
    }
  }

  /** Answers at once, except a request for /slow: held until {@code release}. */
  private static Reply held(String line, CountDownLatch arrived, CountDownLatch release) {
    if (line.contains(" /slow ")) {
      arrived.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return Reply.of(FakeEngine.json(200, "{}"));
  }

  /** The client over TCP to {@code fake}, told that connections are costly, as over SSH. */
  private static EngineHttp costly(FakeEngine fake) {
    Transport tcp = new TcpTransport("127.0.0.1", fake.port(), null);
    Transport costly =
        new Transport() {
          @Override
          public String endpoint() {
            return tcp.endpoint();
          }

          @Override
          public Connection open(Duration timeout) {
            return tcp.open(timeout);
          }

          @Override
          public boolean preferReuse() {
            return true;
          }

          @Override
          public void close() {
            tcp.close();
          }
        };
    return new EngineHttp(
        costly,
        Duration.ofSeconds(10),
        EngineOptions.DEFAULT_MAX_IDLE_CONNECTIONS,
        "docker",
        "selvedge-test");
  }

  private static void awaitCondition(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("condition within 60 s").isNegative();
      Thread.sleep(5);
    }
  }

  @Test
  void pathSegmentsAreEncodedAndCannotWalk() {
    assertThat(HttpDockerEngine.segment("registry:5000/team/app:1.2@sha256:ab", true))
        .isEqualTo("registry:5000/team/app:1.2@sha256:ab");
    assertThat(HttpDockerEngine.segment("a b/c", false)).isEqualTo("a%20b%2Fc");
    assertThatThrownBy(() -> HttpDockerEngine.segment("../../v1.41/info", true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(HttpDockerEngine.compare("1.41", "1.9")).isPositive();
    assertThat(HttpDockerEngine.compare("1.25", "1.25")).isZero();
  }
}
