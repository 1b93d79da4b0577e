import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Bench only (not part of the product): the client side of the events benchmark. Starts the server
 * ({@code EventsServer}) as a child JVM, connects CLIENTS WebSocket clients (the key in
 * the upgrade's Authorization header; frames read on plain NIO), has the server publish RATE events a second for WARMUP +
 * SECONDS, and measures over the last SECONDS: messages delivered a second (all clients), the delay
 * from publish to receipt (p50, p99, max; the publish time travels in the event), the server's heap.
 *
 * <pre>
 * java -cp selvedge.jar:DIR EventsLoad CLIENTS RATE WARMUP SECONDS SERVER_HEAP WORKDIR CLASSPATH
 * </pre>
 */
public final class EventsLoad {
  private static final int BUCKET_MICROS = 100;
  private static final AtomicLongArray DELAYS = new AtomicLongArray(200_000); // up to 20 s
  private static final AtomicLong RECEIVED = new AtomicLong();
  private static volatile boolean measuring;
  private static final AtomicInteger CLOSED = new AtomicInteger();

  public static void main(String[] args) throws Exception {
    int clients = Integer.parseInt(args[0]);
    int rate = Integer.parseInt(args[1]);
    int warmup = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    String heap = args[4];
    String work = args[5];
    String cp = args[6];
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    String extra = System.getenv("SERVER_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.strip().split("\\s+")));
    }
    command.addAll(List.of("-cp", cp, "EventsServer", work));
    Process server =
        new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream()));
    PrintWriter in = new PrintWriter(server.getOutputStream(), true);
    String line = out.readLine();
    while (line != null && !line.startsWith("ready ")) {
      System.err.println("server: " + line); // such as the JVM's own notices
      line = out.readLine();
    }
    if (line == null) {
      throw new IllegalStateException("the server ended before it was ready");
    }
    String[] ready = line.split(" ");
    int port = Integer.parseInt(ready[1]);
    String token = ready[2];
    long pid = server.pid();
    System.out.println("server pid " + pid + " on 127.0.0.1:" + port);

    // Plain NIO readers (a selector thread per core): the JDK's WebSocket client costs more CPU per
    // message than the server does, and both share the machine.
    int readers = Math.max(1, Runtime.getRuntime().availableProcessors());
    List<Reader> pool = new ArrayList<>();
    for (int i = 0; i < readers; i++) {
      pool.add(new Reader());
    }
    for (int i = 0; i < clients; i++) {
      pool.get(i % readers).add(connect(port, token));
    }
    pool.forEach(r -> Thread.ofPlatform().daemon().name("reader").start(r));
    Thread.sleep(1_000); // past the 0.5 s in which a client may still send {"after": ID}
    System.out.println(clients + " clients connected");

    long[] cpuBefore = new long[1];
    Thread driver =
        Thread.ofPlatform()
            .start(
                () -> {
                  in.println("publish " + rate + " " + (warmup + seconds));
                });
    Thread.sleep(warmup * 1_000L);
    cpuBefore[0] = cpuTicks(pid);
    long r0 = RECEIVED.get();
    long t0 = System.nanoTime();
    measuring = true;
    Thread.sleep(seconds * 1_000L);
    measuring = false;
    long r1 = RECEIVED.get();
    long t1 = System.nanoTime();
    long cpuAfter = cpuTicks(pid);
    driver.join();
    String published = reply(out, "published");
    // Let what is in flight arrive before the totals.
    long last = -1;
    while (RECEIVED.get() != last) {
      last = RECEIVED.get();
      Thread.sleep(500);
    }
    in.println("stats");
    String[] stats = reply(out, "stats").split(" ");
    double secs = (t1 - t0) / 1e9;
    double delivered = (r1 - r0) / secs;
    long expected = (long) rate * clients;
    System.out.printf("%s (%d events)%n", published, (long) rate * (warmup + seconds));
    System.out.printf(
        "delivered        %,.0f messages/s over %.1f s (goal %,d = %,d events/s x %d clients)%n",
        delivered, secs, expected, rate, clients);
    System.out.printf(
        "delay publish->receive  p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        pct(0.50), pct(0.99), pct(1.0));
    System.out.printf(
        "server heap      peak %d MB, after GC %d MB (-Xmx%s)%n",
        Long.parseLong(stats[1]) >> 20, Long.parseLong(stats[2]) >> 20, heap);
    System.out.printf(
        "server CPU       %.0f%% of one core over the measured window%n",
        100.0 * (cpuAfter - cpuBefore[0]) / 100.0 / secs);
    System.out.printf(
        "server           stored %s, lost %s, clients dropped as too slow %s, still subscribed %s;"
            + " closed seen by clients %d%n",
        stats[3], stats[4], stats[5], stats[6], CLOSED.get());
    System.out.printf("total received   %,d (of %,d published x %d)%n", RECEIVED.get(), (long) rate * (warmup + seconds), clients);
    in.println("quit");
    server.waitFor(30, TimeUnit.SECONDS);
    System.exit(0);
  }

  /** The server's next line starting with {@code word} (other lines are passed on). */
  private static String reply(BufferedReader out, String word) throws IOException {
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(word)) {
        return line;
      }
      System.err.println("server: " + line);
    }
    throw new IOException("the server ended");
  }

  private static long cpuTicks(long pid) throws Exception {
    String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static double pct(double p) {
    long total = 0;
    for (int i = 0; i < DELAYS.length(); i++) {
      total += DELAYS.get(i);
    }
    if (total == 0) {
      return Double.NaN;
    }
    long want = (long) Math.ceil(total * p);
    long seen = 0;
    for (int i = 0; i < DELAYS.length(); i++) {
      seen += DELAYS.get(i);
      if (seen >= want) {
        return (i + 1) * BUCKET_MICROS / 1000.0;
      }
    }
    return Double.NaN;
  }

  /** Opens a connection and does the upgrade (the key in the Authorization header). */
  static SocketChannel connect(int port, String token) throws IOException {
    SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
    String req =
        "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer "
            + token
            + "\r\n\r\n";
    ch.write(ByteBuffer.wrap(req.getBytes(StandardCharsets.US_ASCII)));
    ByteBuffer one = ByteBuffer.allocate(1);
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      one.clear();
      if (ch.read(one) < 0) {
        throw new IOException("closed during the upgrade: " + head);
      }
      head.append((char) one.get(0));
    }
    if (!head.toString().startsWith("HTTP/1.1 101")) {
      throw new IOException("upgrade refused: " + head);
    }
    ch.configureBlocking(false);
    return ch;
  }

  /** Reads server frames (never masked) of many connections on one selector. */
  static final class Reader implements Runnable {
    private final Selector selector;
    private final List<SocketChannel> pending = new ArrayList<>();

    Reader() throws IOException {
      selector = Selector.open();
    }

    void add(SocketChannel ch) {
      pending.add(ch);
    }

    @Override
    public void run() {
      try {
        for (SocketChannel ch : pending) {
          ch.register(selector, SelectionKey.OP_READ, new Frames());
        }
        while (true) {
          selector.select();
          for (SelectionKey key : selector.selectedKeys()) {
            Frames f = (Frames) key.attachment();
            SocketChannel ch = (SocketChannel) key.channel();
            if (ch.read(f.buf) < 0) {
              key.cancel();
              continue;
            }
            f.buf.flip();
            f.parse();
            f.buf.compact();
          }
          selector.selectedKeys().clear();
        }
      } catch (IOException e) {
        System.err.println("reader: " + e);
      }
    }
  }

  /** One connection's bytes: whole frames are taken, a partial one waits for more. */
  static final class Frames {
    ByteBuffer buf = ByteBuffer.allocate(1 << 16);

    void parse() {
      while (buf.remaining() >= 2) {
        int start = buf.position();
        int b0 = buf.get(start) & 0xff;
        int b1 = buf.get(start + 1) & 0x7f;
        int header = 2;
        long len = b1;
        if (b1 == 126) {
          if (buf.remaining() < 4) {
            return;
          }
          len = buf.getShort(start + 2) & 0xffff;
          header = 4;
        } else if (b1 == 127) {
          if (buf.remaining() < 10) {
            return;
          }
          len = buf.getLong(start + 2);
          header = 10;
        }
        if (header + len > buf.capacity()) {
          ByteBuffer bigger = ByteBuffer.allocate((int) (header + len) * 2);
          bigger.put(buf);
          bigger.flip();
          buf = bigger;
          return;
        }
        if (buf.remaining() < header + len) {
          return;
        }
        int opcode = b0 & 0x0f;
        int from = start + header;
        int to = (int) (from + len);
        if (opcode == 1) {
          message(from, to);
        } else if (opcode == 8) {
          CLOSED.incrementAndGet();
          int code = len >= 2 ? buf.getShort(from) & 0xffff : 0;
          String reason =
              len > 2
                  ? new String(buf.array(), from + 2, (int) len - 2, StandardCharsets.UTF_8)
                  : "";
          System.err.println("closed by the server: " + code + " " + reason);
        }
        buf.position(to);
      }
    }

    /** Finds "t": in the message's bytes and records the delay. */
    private void message(int from, int to) {
      byte[] a = buf.array();
      for (int i = from; i + 4 < to; i++) {
        if (a[i] == '"' && a[i + 1] == 't' && a[i + 2] == '"' && a[i + 3] == ':') {
          long t = 0;
          int j = i + 4;
          while (j < to && a[j] >= '0' && a[j] <= '9') {
            t = t * 10 + (a[j++] - '0');
          }
          Instant now = Instant.now();
          long nowMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
          RECEIVED.incrementAndGet();
          if (measuring) {
            int b = (int) Math.min(DELAYS.length() - 1, Math.max(0, (nowMicros - t) / BUCKET_MICROS));
            DELAYS.incrementAndGet(b);
          }
          return;
        }
      }
    }
  }
}
