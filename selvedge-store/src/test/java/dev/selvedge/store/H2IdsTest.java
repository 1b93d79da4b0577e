package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deployment ids on an H2 file grow by one from process to process, even when a process ends
 * without closing the database (killed, or halted as here): H2 caches identity values 32 at a time
 * unless told not to, and a process that dies loses the rest of its cache.
 */
class H2IdsTest {
  private static final String HOST = "unix:///var/run/docker.sock";
  @TempDir Path dir;

  private String url() {
    return "jdbc:h2:file:" + dir.resolve("store/selvedge") + StoreConfig.H2_SETTINGS;
  }

  @Test
  void idsGrowByOneAcrossProcessesThatDieWithTheStoreOpen() throws Exception {
    long first = inChild();
    long second = inChild();
    assertThat(second).isEqualTo(first + 1);
    try (Store store = Stores.open(new StoreConfig(url(), null, null), Clock.systemUTC())) {
      assertThat(store.deployments().begin(Drafts.running(HOST, "shop")).id())
          .isEqualTo(second + 1);
    }
  }

  /** Records one deployment in a fresh JVM that then halts with the store open; returns its id. */
  private long inChild() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                HaltingChild.class.getName(),
                url())
            .redirectErrorStream(true)
            .start();
    try {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(out).as(out).startsWith("deployment ");
      return Long.parseLong(out.lines().findFirst().orElseThrow().substring(11).strip());
    } finally {
      p.destroyForcibly();
    }
  }

  /** Opens the store, records a deployment, prints its id and halts without closing anything. */
  static final class HaltingChild {
    private HaltingChild() {}

    public static void main(String[] args) {
      Store store = Stores.open(new StoreConfig(args[0], null, null), Clock.systemUTC());
      long id = store.deployments().begin(Drafts.running(HOST, "shop")).id();
      System.out.println("deployment " + id);
      System.out.flush();
      Runtime.getRuntime().halt(0);
    }
  }
}
