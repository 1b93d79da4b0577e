package dev.selvedge.docker;

import static dev.selvedge.docker.FakeEngine.Reply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineUnreachableException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unix socket connections ({@link ChannelConnection}): the read deadline without a selector per
 * connection, against {@link FakeEngine} and bare servers on real unix domain sockets.
 */
class ChannelConnectionTest {
  @TempDir Path dir;

  static DockerEngine engine(FakeEngine fake, Duration timeout) {
    EngineOptions options =
        EngineOptions.fromEnvironment(fake.host(), Map.of()).withTimeouts(timeout, timeout);
    return DockerEngines.open(options);
  }

  @Test
  void aSilentEngineOnAUnixSocketTimesOutWithTheUsualMessage() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (FakeEngine fake =
            new FakeEngine(
                dir.resolve("e.sock"),
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
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300));
      assertThat(took).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Test
  void aCallThatEndsInTimeKeepsItsConnectionPastItsDeadline() throws Exception {
    try (FakeEngine fake = new FakeEngine(dir.resolve("e.sock"), EngineHttpTest::standard);
        DockerEngine engine = engine(fake, Duration.ofMillis(200))) {
      engine.info();
      long after = System.nanoTime();
      // The deadline of that call passes while its connection is idle: it must not be closed.
      awaitCondition(() -> System.nanoTime() - after > Duration.ofMillis(400).toNanos());
      for (int i = 0; i < 5; i++) {
        assertThat(engine.info().apiVersion()).isEqualTo("1.41");
      }
      assertThat(fake.connections.get()).isEqualTo(1);
      assertThat(ChannelConnection.armedDeadlines()).isZero();
    }
  }

  @Test
  void aReadPastItsDeadlineFailsAsATimeoutAndLeavesTheConnectionUnusable() throws Exception {
    Path socket = dir.resolve("hung.sock");
    try (ServerSocketChannel server = listening(socket);
        Connection c = new UnixSocketTransport(socket).open(Duration.ofSeconds(1))) {
      assertThat(server.isOpen()).isTrue();
      c.readTimeout(Duration.ofMillis(100));
      assertThatThrownBy(() -> c.input().read(new byte[16], 0, 16))
          .isInstanceOf(SocketTimeoutException.class)
          .hasMessage("read timed out after 100 ms");
      assertThatThrownBy(() -> c.input().read(new byte[16], 0, 16))
          .isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void aReadOnAVirtualThreadTimesOutToo() throws Exception {
    Path socket = dir.resolve("hung.sock");
    try (ServerSocketChannel server = listening(socket);
        Connection c = new UnixSocketTransport(socket).open(Duration.ofSeconds(1))) {
      assertThat(server.isOpen()).isTrue();
      c.readTimeout(Duration.ofMillis(100));
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      c.input().read(new byte[16], 0, 16);
                    } catch (IOException e) {
                      failed.set(e);
                    }
                  });
      reader.join(Duration.ofSeconds(10));
      assertThat(reader.isAlive()).isFalse();
      assertThat(failed.get())
          .isInstanceOf(SocketTimeoutException.class)
          .hasMessage("read timed out after 100 ms");
    }
  }

  @Test
  void anInterruptedReadIsAnInterruptedIoException() throws Exception {
    Path socket = dir.resolve("hung.sock");
    try (ServerSocketChannel server = listening(socket);
        Connection c = new UnixSocketTransport(socket).open(Duration.ofSeconds(1))) {
      assertThat(server.isOpen()).isTrue();
      c.readTimeout(Duration.ofMinutes(1));
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      c.input().read(new byte[16], 0, 16);
                    } catch (IOException e) {
                      failed.set(e);
                    }
                  });
      awaitCondition(
          () ->
              reader.getState() == Thread.State.WAITING
                  || reader.getState() == Thread.State.TIMED_WAITING);
      reader.interrupt();
      reader.join(Duration.ofSeconds(10));
      assertThat(reader.isAlive()).isFalse();
      assertThat(failed.get()).isInstanceOf(InterruptedIOException.class);
    }
  }

  @Test
  void aConnectionHoldsOneDescriptor() throws Exception {
    Path socket = dir.resolve("many.sock");
    int n = 40;
    try (ServerSocketChannel server = listening(socket)) {
      assertThat(server.isOpen()).isTrue();
      UnixSocketTransport transport = new UnixSocketTransport(socket);
      long before = descriptors();
      List<Connection> open = new ArrayList<>();
      try {
        for (int i = 0; i < n; i++) {
          Connection c = transport.open(Duration.ofSeconds(1));
          c.readTimeout(Duration.ofSeconds(5));
          open.add(c);
        }
        long held = descriptors() - before;
        // The socket itself; a selector per connection took three.
        assertThat(held).isBetween((long) n - 5, (long) n + 5); // others may close meanwhile
      } finally {
        open.forEach(Connection::close);
      }
      assertThat(descriptors() - before).isLessThanOrEqualTo(5);
    }
  }

  /** A server that never accepts: connections wait in its backlog, holding no descriptor here. */
  private static ServerSocketChannel listening(Path socket) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket), 100);
    return server;
  }

  private static long descriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  private static void awaitCondition(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(end);
      Thread.sleep(10);
    }
  }
}
