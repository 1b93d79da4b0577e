package dev.selvedge.adapter.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.selvedge.port.ProbeResult;
import dev.selvedge.port.ProbeResult.FailureKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK probe against real servers on 127.0.0.1: every answer and failure kind. */
class SocketHttpProbeTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private static HttpServer http;
  private static SocketHttpProbe probe;

  @BeforeAll
  static void start() throws IOException {
    http = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
    http.createContext("/healthz", x -> respond(x, 200, "{\"status\":\"ok\"}"));
    http.createContext("/down", x -> respond(x, 503, "{\"status\":\"degraded\"}"));
    http.createContext("/big", x -> respond(x, 200, "x".repeat(3 * 1024 * 1024)));
    http.createContext(
        "/moved",
        x -> {
          x.getResponseHeaders().add("Location", "/healthz");
          x.sendResponseHeaders(302, -1);
          x.close();
        });
    http.createContext(
        "/loop",
        x -> {
          x.getResponseHeaders().add("Location", "/loop");
          x.sendResponseHeaders(302, -1);
          x.close();
        });
    http.start();
    probe = new SocketHttpProbe();
  }

  @AfterAll
  static void stop() {
    http.stop(0);
    probe.close();
  }

  private static void respond(com.sun.net.httpserver.HttpExchange x, int status, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/json");
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    } catch (IOException clientLeft) {
      // the probe stops reading at its limit
    }
  }

  private static URI url(String path) {
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + path);
  }

  @Test
  void anAnswerCarriesStatusAndBody() {
    ProbeResult r = probe.get(url("/healthz"), TIMEOUT);
    assertThat(r)
        .isInstanceOfSatisfying(
            ProbeResult.Answered.class,
            a -> {
              assertThat(a.status()).isEqualTo(200);
              assertThat(a.ok()).isTrue();
              assertThat(a.body()).isEqualTo("{\"status\":\"ok\"}");
              assertThat(a.elapsed()).isPositive();
            });
  }

  @Test
  void anErrorStatusIsAnAnswerNotAFailure() {
    assertThat(probe.get(url("/down"), TIMEOUT))
        .isInstanceOfSatisfying(
            ProbeResult.Answered.class, a -> assertThat(a.status()).isEqualTo(503));
  }

  @Test
  void redirectsAreFollowedButNotForever() {
    assertThat(probe.get(url("/moved"), TIMEOUT))
        .isInstanceOfSatisfying(
            ProbeResult.Answered.class, a -> assertThat(a.status()).isEqualTo(200));
    ProbeResult loop = probe.get(url("/loop"), TIMEOUT);
    if (loop instanceof ProbeResult.Answered a) {
      assertThat(a.status()).as("the last redirect is handed back").isEqualTo(302);
    } else {
      assertThat(((ProbeResult.Failed) loop).kind()).isEqualTo(FailureKind.IO_ERROR);
    }
  }

  /** A 3 MB answer: the status is the answer, the body unread (a cut document is not one). */
  @Test
  void aBodyOverTheLimitIsNotRead() {
    for (SocketHttpProbe client : List.of(new SocketHttpProbe(1024), probe)) {
      assertThat(client.get(url("/big"), TIMEOUT))
          .isInstanceOfSatisfying(
              ProbeResult.Answered.class,
              a -> {
                assertThat(a.status()).isEqualTo(200);
                assertThat(a.bodyRead()).isFalse();
                assertThat(a.body()).isEmpty();
                assertThat(a.unread()).isIn(overLimit(1024), overLimit(1 << 20));
              });
    }
    // At the limit exactly is not over it.
    assertThat(new SocketHttpProbe(15).get(url("/healthz"), TIMEOUT))
        .isInstanceOfSatisfying(
            ProbeResult.Answered.class, a -> assertThat(a.body()).isEqualTo("{\"status\":\"ok\"}"));
  }

  private static String overLimit(int bytes) {
    return "body over the limit (" + bytes + " bytes), not read";
  }

  @Test
  void aClosedPortIsConnectionRefused() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      port = s.getLocalPort();
    }
    ProbeResult r = probe.get(URI.create("http://127.0.0.1:" + port + "/"), TIMEOUT);
    assertThat(r)
        .isInstanceOfSatisfying(
            ProbeResult.Failed.class,
            f -> {
              assertThat(f.kind()).isEqualTo(FailureKind.CONNECTION_REFUSED);
              assertThat(f.detail()).contains("127.0.0.1:" + port);
            });
  }

  /**
   * A raw server that answers one request with {@code pieces}, flushed one at a time with a pause
   * between them, so lines and CRLFs arrive split across reads.
   */
  private static ProbeResult answeredInPieces(Duration timeout, long pauseMillis, String... pieces)
      throws Exception {
    return answeredInPieces(probe, timeout, pauseMillis, pieces);
  }

  private static ProbeResult answeredInPieces(
      SocketHttpProbe client, Duration timeout, long pauseMillis, String... pieces)
      throws Exception {
    return served(
        client,
        timeout,
        s -> {
          OutputStream out = s.getOutputStream();
          for (String piece : pieces) {
            out.write(piece.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread.sleep(pauseMillis);
          }
        });
  }

  /** What a raw server does after it has read the request; the socket closes when it returns. */
  private interface Answer {
    void write(Socket s) throws IOException, InterruptedException;
  }

  /**
   * One request from {@code client} to a raw loopback server that reads the request (one small
   * write by the probe) and then answers it with {@code answer}.
   */
  private static ProbeResult served(SocketHttpProbe client, Duration timeout, Answer answer)
      throws Exception {
    try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK)) {
      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket s = server.accept()) {
                      s.getInputStream().read(new byte[4096]);
                      answer.write(s);
                    } catch (IOException | InterruptedException e) {
                      // the client hung up or gave up
                    }
                  });
      try {
        return client.get(
            URI.create("http://127.0.0.1:" + server.getLocalPort() + "/healthz"), timeout);
      } finally {
        writer.join(5000);
      }
    }
  }

  @Test
  void anAnswerSplitAcrossReadsIsReadWhole() throws Exception {
    ProbeResult plain =
        answeredInPieces(
            TIMEOUT,
            20,
            "HTTP/1.1 2",
            "00 OK\r",
            "\nContent-Le",
            "ngth: 15\r\nX-Other: a\r\n\r",
            "\n{\"status\"",
            ":\"ok\"}");
    assertThat(plain)
        .isInstanceOfSatisfying(
            ProbeResult.Answered.class,
            a -> {
              assertThat(a.status()).isEqualTo(200);
              assertThat(a.body()).isEqualTo("{\"status\":\"ok\"}");
            });
    ProbeResult chunked =
        answeredInPieces(
            TIMEOUT,
            20,
            "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n",
            "6\r\n{\"sta",
            "t\r\nf;ext=1\r\nus\":\"degraded\"}\r\n",
            "0\r\n\r\n");
    assertThat(chunked)
        .isInstanceOfSatisfying(
            ProbeResult.Answered.class,
            a -> {
              assertThat(a.status()).isEqualTo(503);
              assertThat(a.body()).isEqualTo("{\"status\":\"degraded\"}");
            });
    // No Content-Length: the body runs until the server closes.
    ProbeResult untilClose = answeredInPieces(TIMEOUT, 20, "HTTP/1.0 200 OK\n\nhello", " world");
    assertThat(untilClose)
        .isInstanceOfSatisfying(
            ProbeResult.Answered.class, a -> assertThat(a.body()).isEqualTo("hello world"));
  }

  @Test
  void aHeaderLineLongerThanTheLimitIsRefusedEvenAcrossReads() throws Exception {
    String longValue = "v".repeat(40 * 1024);
    ProbeResult r =
        answeredInPieces(
            TIMEOUT, 5, "HTTP/1.1 200 OK\r\nX-Long: ", longValue, longValue, "\r\n\r\n{}");
    assertThat(r)
        .isInstanceOfSatisfying(
            ProbeResult.Failed.class,
            f -> {
              assertThat(f.kind()).isEqualTo(FailureKind.IO_ERROR);
              assertThat(f.detail()).contains("header longer than");
            });
  }

  @Test
  void aChunkedBodyOverTheLimitIsNotReadEither() throws Exception {
    String chunk = "y".repeat(700);
    String framed = Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n";
    ProbeResult r =
        answeredInPieces(
            new SocketHttpProbe(1000),
            TIMEOUT,
            5,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            framed,
            framed,
            "0\r\n\r\n");
    assertThat(r)
        .isInstanceOfSatisfying(
            ProbeResult.Answered.class, a -> assertThat(a.unread()).isEqualTo(overLimit(1000)));
  }

  /**
   * Answers that never end — chunked, and close-delimited such as server-sent events: reading stops
   * at the limit, and the status is the answer, well before the deadline.
   */
  @Test
  void anEndlessStreamIsReadUpToTheLimitNotUntilTheDeadline() throws Exception {
    String chunk = "data: " + "z".repeat(4000) + "\n\n";
    String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    String framed = Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n";
    String events = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";
    for (String[] stream : List.of(new String[] {chunked, framed}, new String[] {events, chunk})) {
      // A deadline far beyond the test: only an answer before it can pass.
      ProbeResult r = endlessAnswer(probe, Duration.ofMinutes(2), stream[0], stream[1]);
      assertThat(r)
          .as(stream[0])
          .isInstanceOfSatisfying(
              ProbeResult.Answered.class,
              a -> {
                assertThat(a.status()).isEqualTo(200);
                assertThat(a.unread()).isEqualTo(overLimit(SocketHttpProbe.DEFAULT_MAX_BODY));
              });
    }
  }

  /**
   * A status-only probe (limit 0, as {@code selvedge probe}) has its answer once the headers are
   * in: an event stream that says nothing more does not hold it back.
   */
  @Test
  void aStatusOnlyProbeAnswersOnceTheHeadersAreIn() throws Exception {
    ProbeResult r =
        endlessAnswer(
            new SocketHttpProbe(0),
            Duration.ofMinutes(2),
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n",
            null);
    assertThat(r)
        .isInstanceOfSatisfying(
            ProbeResult.Answered.class, a -> assertThat(a.status()).isEqualTo(200));
  }

  /** The status is in, the body never completes: an answer with its body unread, not a timeout. */
  @Test
  void aBodyThatOutlastsTheDeadlineIsUnreadNotATimeout() throws Exception {
    ProbeResult r =
        endlessAnswer(
            probe,
            Duration.ofSeconds(2),
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: hi\n\n",
            null);
    assertThat(r)
        .isInstanceOfSatisfying(
            ProbeResult.Answered.class,
            a -> {
              assertThat(a.status()).isEqualTo(200);
              assertThat(a.body()).isEmpty();
              assertThat(a.unread())
                  .isEqualTo("body not complete within the timeout (2000 ms), not read");
            });
  }

  /**
   * A raw server that sends {@code head}, then {@code piece} over and over (or, when null, nothing
   * more) until the client hangs up; it never closes first.
   */
  private static ProbeResult endlessAnswer(
      SocketHttpProbe client, Duration timeout, String head, String piece) throws Exception {
    return served(
        client,
        timeout,
        s -> {
          OutputStream out = s.getOutputStream();
          out.write(head.getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          if (piece == null) {
            // Silent until the client hangs up: then read sees the end.
            while (s.getInputStream().read() >= 0) {
              // nothing is sent after the request
            }
            return;
          }
          byte[] bytes = piece.getBytes(StandardCharsets.ISO_8859_1);
          while (true) {
            out.write(bytes);
          }
        });
  }

  @Test
  void headersThatOutlastTheDeadlineAreATimeout() throws Exception {
    // Every piece arrives well within a socket timeout, but the head never completes in time.
    String[] pieces = new String[40];
    pieces[0] = "HTTP/1.1 200 OK\r\n";
    for (int i = 1; i < pieces.length; i++) {
      pieces[i] = "X-Slow-" + i + ": x\r\n";
    }
    long start = System.nanoTime();
    ProbeResult r = answeredInPieces(Duration.ofMillis(300), 50, pieces);
    assertThat(r)
        .isInstanceOfSatisfying(
            ProbeResult.Failed.class, f -> assertThat(f.kind()).isEqualTo(FailureKind.TIMEOUT));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1500);
  }

  @Test
  void aServerThatNeverAnswersIsATimeout() throws Exception {
    ServerSocket silent = new ServerSocket(0, 10, LOOPBACK);
    List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread acceptor =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    while (true) {
                      held.add(silent.accept()); // accept, read nothing, answer nothing
                    }
                  } catch (IOException closed) {
                    // test over
                  }
                });
    try {
      long start = System.nanoTime();
      ProbeResult r =
          probe.get(
              URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/healthz"),
              Duration.ofMillis(400));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(r)
          .isInstanceOfSatisfying(
              ProbeResult.Failed.class, f -> assertThat(f.kind()).isEqualTo(FailureKind.TIMEOUT));
      assertThat(ms).isLessThan(3000);
    } finally {
      silent.close();
      acceptor.join(2000);
      synchronized (held) {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  @Test
  void aSelfSignedCertificateIsTlsVerifyFailed(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("server.p12");
    char[] pass = "changeit".toCharArray();
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(out).isZero();

    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = java.nio.file.Files.newInputStream(store)) {
      ks.load(in, pass);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pass);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    try (SSLServerSocket server =
        (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 10, LOOPBACK)) {
      Thread t =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (SSLSocket s = (SSLSocket) server.accept()) {
                      s.startHandshake();
                    } catch (IOException expected) {
                      // the client rejects the certificate
                    }
                  });
      ProbeResult r =
          probe.get(URI.create("https://127.0.0.1:" + server.getLocalPort() + "/healthz"), TIMEOUT);
      assertThat(r)
          .isInstanceOfSatisfying(
              ProbeResult.Failed.class,
              f -> assertThat(f.kind()).isEqualTo(FailureKind.TLS_VERIFY_FAILED));
      t.join(5000);
    }
  }

  @Test
  void anUnresolvableNameIsDnsFailed() {
    // .invalid never resolves (RFC 6761); only the local resolver is asked.
    ProbeResult r = probe.get(URI.create("http://selvedge-probe-test.invalid/healthz"), TIMEOUT);
    assertThat(r)
        .isInstanceOfSatisfying(
            ProbeResult.Failed.class,
            f -> {
              assertThat(f.kind()).isIn(FailureKind.DNS_FAILED, FailureKind.TIMEOUT);
              if (f.kind() == FailureKind.TIMEOUT) {
                System.err.println(
                    "note: the sandbox resolver did not answer in time: " + f.detail());
              }
            });
  }

  @Test
  void classificationReadsTheWholeCauseChain() {
    assertThat(
            SocketHttpProbe.classify(new IOException("x", new java.net.UnknownHostException("h"))))
        .isEqualTo(FailureKind.DNS_FAILED);
    assertThat(SocketHttpProbe.classify(new java.net.ConnectException("Connection refused")))
        .isEqualTo(FailureKind.CONNECTION_REFUSED);
    assertThat(SocketHttpProbe.classify(new java.net.SocketTimeoutException("connect timed out")))
        .isEqualTo(FailureKind.TIMEOUT);
    assertThat(
            SocketHttpProbe.classify(
                new javax.net.ssl.SSLHandshakeException("PKIX path building failed")))
        .isEqualTo(FailureKind.TLS_VERIFY_FAILED);
    assertThat(
            SocketHttpProbe.classify(
                new javax.net.ssl.SSLException("Unsupported or unrecognized SSL message")))
        .isEqualTo(FailureKind.IO_ERROR);
    assertThat(SocketHttpProbe.classify(new IOException("connection reset")))
        .isEqualTo(FailureKind.IO_ERROR);
  }

  @Test
  void onlyAbsoluteHttpUrlsAreProbed() {
    assertThatThrownBy(() -> probe.get(URI.create("ftp://127.0.0.1/"), TIMEOUT))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> probe.get(URI.create("/relative"), TIMEOUT))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> probe.get(url("/healthz"), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
