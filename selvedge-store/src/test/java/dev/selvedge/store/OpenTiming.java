package dev.selvedge.store;

import dev.selvedge.port.Store;
import java.util.Map;

/**
 * Measures a cold {@link Stores#open} in a fresh JVM, as the CLI pays it per run: {@code java -cp
 * ... dev.selvedge.store.OpenTiming [SELVEDGE_HOME]} (or with {@code SELVEDGE_STORE_URL} set).
 * Prints open, first query and close times in milliseconds.
 */
final class OpenTiming {
  private OpenTiming() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = args.length > 0 ? Map.of("SELVEDGE_HOME", args[0]) : System.getenv();
    long t0 = System.nanoTime();
    Store store = Stores.open(StoreConfig.defaults(env));
    long t1 = System.nanoTime();
    store.deployments().lastHealthy("unix:///var/run/docker.sock", "timing");
    store.leases().current("unix:///var/run/docker.sock", "timing");
    long t2 = System.nanoTime();
    if (System.getProperty("timing.pause") != null) {
      Thread.sleep(Long.parseLong(System.getProperty("timing.pause")));
    }
    store.close();
    long t3 = System.nanoTime();
    System.out.printf(
        "open %d ms, first queries %d ms, close %d ms (JVM up %d ms before main)%n",
        (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000,
        (t3 - t2) / 1_000_000,
        java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime()
            - (System.nanoTime() - t0) / 1_000_000);
  }
}
