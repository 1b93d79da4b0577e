import java.io.ByteArrayOutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bench only: the raw limit of a sweep. The bare HTTP calls one sweep of the engine stand-in makes
 * (13 per node: {@code _ping}, {@code /info}, the label-filtered list, 5 container and 5 image
 * inspects), one kept-alive Unix-socket connection per node, answers read by {@code
 * Content-Length}, the IDs found by a regex, no JSON parsing; {@code CONCURRENCY} nodes at a time on
 * virtual threads. What a sweep could cost if Selvedge did nothing but the calls.
 *
 * <pre>
 * javac -d DIR bench/fleet/RawSweep.java
 * java -Xmx256m -cp DIR RawSweep SOCKDIR NODES [CONCURRENCY [RUNS]]
 * </pre>
 */
public final class RawSweep {
  private static final Pattern ID = Pattern.compile("\"Id\":\"([0-9a-f]+)\"");
  private static final Pattern IMAGE = Pattern.compile("\"ImageID\":\"(sha256:[0-9a-f]+)\"");
  private static final Pattern LENGTH = Pattern.compile("(?i)content-length: *(\\d+)");
  private static final String LIST =
      "/v1.43/containers/json?all=1&filters="
          + "%7B%22label%22%3A%5B%22com.docker.compose.project%3Dshop%22%5D%7D";

  private RawSweep() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int nodes = Integer.parseInt(args[1]);
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    int runs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    int width = Math.max(5, String.valueOf(nodes).length());
    for (int r = 0; r < runs; r++) {
      AtomicLong calls = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      Semaphore slots = new Semaphore(concurrency);
      long t0 = System.nanoTime();
      try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 1; i <= nodes; i++) {
          Path socket = dir.resolve(String.format("node-%0" + width + "d.sock", i));
          slots.acquire();
          threads.submit(
              () -> {
                try {
                  node(socket, calls);
                } catch (Exception e) {
                  failed.incrementAndGet();
                  System.err.println(socket + ": " + e);
                } finally {
                  slots.release();
                }
              });
        }
      }
      System.out.printf(
          "raw sweep %d ms, %d nodes, %d calls, %d nodes failed%n",
          (System.nanoTime() - t0) / 1_000_000, nodes, calls.get(), failed.get());
    }
  }

  private static void node(Path socket, AtomicLong calls) throws Exception {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      get(channel, buffer, "/_ping");
      get(channel, buffer, "/v1.43/info");
      String list = get(channel, buffer, LIST);
      calls.addAndGet(3);
      for (String id : all(ID, list)) {
        get(channel, buffer, "/v1.43/containers/" + id + "/json");
        calls.incrementAndGet();
      }
      for (String image : all(IMAGE, list)) {
        get(channel, buffer, "/v1.43/images/" + image + "/json");
        calls.incrementAndGet();
      }
    }
  }

  private static List<String> all(Pattern p, String text) {
    List<String> out = new ArrayList<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** One GET on the kept connection; the body as text. */
  private static String get(SocketChannel channel, ByteBuffer buffer, String path)
      throws Exception {
    channel.write(
        ByteBuffer.wrap(
            ("GET " + path + " HTTP/1.1\r\nHost: docker\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)));
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    int headerEnd = -1;
    long total = -1;
    while (true) {
      buffer.clear();
      int n = channel.read(buffer);
      if (n < 0) {
        throw new IllegalStateException("connection closed in the middle of an answer");
      }
      answer.write(buffer.array(), 0, n);
      byte[] bytes = answer.toByteArray();
      if (headerEnd < 0) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        headerEnd = text.indexOf("\r\n\r\n");
        if (headerEnd >= 0) {
          Matcher length = LENGTH.matcher(text.substring(0, headerEnd));
          if (!length.find()) {
            throw new IllegalStateException("no Content-Length: " + text.substring(0, headerEnd));
          }
          total = headerEnd + 4 + Long.parseLong(length.group(1));
        }
      }
      if (total >= 0 && bytes.length >= total) {
        return new String(
            bytes, headerEnd + 4, (int) (total - headerEnd - 4), StandardCharsets.ISO_8859_1);
      }
    }
  }
}
