import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.Store;
import dev.selvedge.server.ControlPlane;
import dev.selvedge.server.ServerMetrics;
import dev.selvedge.server.StoredFleet;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.ServerEvent;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Bench only (not part of the product): the server side of the events benchmark, as {@code serve}
 * runs it: an H2 file store, the {@link EventHub} and the HTTP side ({@link ControlPlane}) on
 * loopback. It prints {@code ready PORT TOKEN}, then obeys lines on standard input:
 *
 * <pre>
 * publish RATE SECONDS   publishes RATE events a second (stack.status.changed, with the publish
 *                        time in data.t, epoch microseconds) for SECONDS; prints "published N"
 * stats                  prints "stats HEAP_PEAK_BYTES HEAP_AFTER_GC_BYTES STORED LOST DROPPED SUBSCRIBERS"
 * quit
 * </pre>
 */
public final class EventsServer {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Clock clock = Clock.systemUTC();
    // BENCH_STORE_URL (with BENCH_STORE_USER, BENCH_STORE_PASSWORD): a PostgreSQL store instead.
    String url = System.getenv("BENCH_STORE_URL");
    StoreConfig config =
        url == null || url.isBlank()
            ? new StoreConfig("jdbc:h2:file:" + dir.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null)
            : new StoreConfig(url, System.getenv("BENCH_STORE_USER"), System.getenv("BENCH_STORE_PASSWORD"));
    Store store = Stores.open(config, clock, 16);
    String token = new ApiKeys(store.apiKeys(), clock).create("bench-" + System.nanoTime(), Scope.READ).token();
    EventHub hub = new EventHub(store.events(), clock, EventHub.DEFAULT_RETENTION);
    ServerMetrics metrics = new ServerMetrics();
    Fleet fleet = new Fleet(dir.resolve("fleet.yaml"), Fleet.Poll.DEFAULT, Map.of(), List.of());
    ControlPlane plane =
        ControlPlane.start(
            new ControlPlane.Settings(
                "127.0.0.1",
                0,
                store,
                new StoredFleet(() -> fleet, store.fleetState(), clock),
                metrics,
                clock,
                Stores.schemaVersion(),
                hub));
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    AtomicLong peak = new AtomicLong();
    Thread sampler =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  while (true) {
                    peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                  }
                });
    System.out.println("ready " + plane.port() + " " + token);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.strip().split(" ");
      switch (w[0]) {
        case "publish" -> {
          long n = publish(hub, Integer.parseInt(w[1]), Integer.parseInt(w[2]));
          System.out.println("published " + n);
        }
        case "stats" -> {
          long beforeGc = memory.getHeapMemoryUsage().getUsed();
          System.gc();
          System.out.println(
              "stats "
                  + Math.max(peak.get(), beforeGc)
                  + " "
                  + memory.getHeapMemoryUsage().getUsed()
                  + " "
                  + hub.storedEvents()
                  + " "
                  + hub.lostEvents()
                  + " "
                  + hub.droppedClients()
                  + " "
                  + hub.subscribers());
        }
        case "quit" -> {
          plane.close();
          hub.close();
          metrics.close();
          store.close();
          System.out.println("bye");
          System.out.flush();
          sampler.interrupt();
          System.exit(0);
        }
        default -> System.out.println("unknown " + line);
      }
      System.out.flush();
    }
  }

  /** Publishes at {@code rate} a second, paced against the clock (catching up when late). */
  private static long publish(EventHub hub, int rate, int seconds) {
    long start = System.nanoTime();
    long total = (long) rate * seconds;
    long n = 0;
    while (n < total) {
      long due = Math.min(total, (System.nanoTime() - start) * rate / 1_000_000_000L + 1);
      while (n < due) {
        Instant now = Instant.now();
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("t", now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000);
        data.put("from", "green");
        data.put("to", "yellow");
        data.putArray("reasons").add("web: environment.DB_PASSWORD stale").add("web: image stale");
        data.put("project", "shop");
        data.put("sync", "drifted");
        data.put("health", "healthy");
        hub.publish(
            ServerEvent.of(
                "stack.status.changed", now, "node-" + (n % 100), "shop", null, null, data));
        n++;
      }
      LockSupport.parkNanos(200_000);
    }
    return n;
  }
}
