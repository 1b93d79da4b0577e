package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hung engine, played by a real local socket that accepts connections and never answers: every
 * engine command gives up after the engine timeout its user set, and says which setting that is.
 */
class EngineTimeoutTest {
  private static final Path SHOP = Path.of("..", "examples", "shop").toAbsolutePath().normalize();

  /**
   * Far above the 1 s asked for, far below the 30 s default: passing proves the setting bounded the
   * call, on any machine.
   */
  private static final Duration RETURNED_WITHIN = Duration.ofSeconds(20);

  @TempDir Path tmp;
  private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  @Test
  void theFlagBoundsEveryEngineCommand() throws Exception {
    String host = hungUnixEngine();
    for (String[] args :
        new String[][] {
          {"status"}, {"drift", "--no-readback"}, {"logs", "web"}, {"plan"}, {"restart", "web"},
        }) {
      String[] all = concat(args, "-H", host, "--engine-timeout", "1s");
      Timed r = timed(Map.of("SELVEDGE_HOME", tmp.toString()), all);
      assertThat(r.result().code())
          .as(String.join(" ", args) + ": " + r.result().err())
          .isEqualTo(2);
      assertThat(r.result().err())
          .as(args[0])
          .contains(host)
          .contains("within 1 s")
          .contains("--engine-timeout")
          .contains("SELVEDGE_ENGINE_TIMEOUT");
      assertThat(r.took()).as(args[0]).isLessThan(RETURNED_WITHIN);
    }
  }

  @Test
  void theEnvironmentSetsItOverTcpToo() throws Exception {
    String host = hungTcpEngine();
    Timed r =
        timed(
            Map.of("SELVEDGE_HOME", tmp.toString(), "SELVEDGE_ENGINE_TIMEOUT", "1s"),
            "status",
            "-H",
            host);
    assertThat(r.result().code()).as(r.result().err()).isEqualTo(2);
    assertThat(r.result().err()).contains("within 1 s").contains("SELVEDGE_ENGINE_TIMEOUT");
    assertThat(r.took()).isLessThan(RETURNED_WITHIN);
  }

  /** {@code logs --timeout} bounds the calls before the logs are read too (the API version). */
  @Test
  void logsTimeoutBoundsEveryCallOfLogs() throws Exception {
    String host = hungUnixEngine();
    Timed r = timed(Map.of(), "logs", "web", "-H", host, "--timeout", "1s");
    assertThat(r.result().code()).as(r.result().err()).isEqualTo(2);
    assertThat(r.result().err()).contains("within 1 s");
    assertThat(r.took()).isLessThan(RETURNED_WITHIN);
  }

  @Test
  void aBadTimeoutIsAnInputErrorNamingTheSetting() {
    MainTest.Result flag =
        MainTest.run(SHOP, "status", "-H", "unix:///nonexistent", "--engine-timeout", "0s");
    assertThat(flag.code()).isEqualTo(2);
    assertThat(flag.err()).contains("--engine-timeout: '0s' is not a positive duration");
    MainTest.Result env = MainTest.run(SHOP, Map.of("SELVEDGE_ENGINE_TIMEOUT", "soon"), "status");
    assertThat(env.code()).isEqualTo(2);
    assertThat(env.err()).contains("SELVEDGE_ENGINE_TIMEOUT: 'soon'");
  }

  // ------------------------------------------------------------------------- the hung peers

  private record Timed(MainTest.Result result, Duration took) {}

  private static Timed timed(Map<String, String> env, String... args) {
    long start = System.nanoTime();
    MainTest.Result r =
        MainTest.run(SHOP, env, concat(args, "--project-directory", SHOP.toString()));
    return new Timed(r, Duration.ofNanos(System.nanoTime() - start));
  }

  /** A unix socket that accepts every connection and never writes a byte. */
  private String hungUnixEngine() throws IOException {
    Path socket = tmp.resolve("hung.sock");
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    holdEvery(server, server::accept);
    return "unix://" + socket;
  }

  private String hungTcpEngine() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    holdEvery(server, server::accept);
    return "tcp://127.0.0.1:" + server.getLocalPort();
  }

  private interface Acceptor {
    AutoCloseable accept() throws IOException;
  }

  /** Accepts until {@code server} is closed, keeping each connection open and silent. */
  private void holdEvery(AutoCloseable server, Acceptor acceptor) {
    open.add(server);
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                while (true) {
                  open.add(acceptor.accept());
                }
              } catch (IOException closed) {
                // the test is over
              }
            });
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
