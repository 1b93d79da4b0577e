package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.SelvedgeException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One serve per H2 file: in this JVM, across JVMs, and after the holder is killed with -9. */
class ServeLockTest {
  @TempDir Path dir;

  private StoreConfig h2() {
    return new StoreConfig(
        "jdbc:h2:file:" + dir.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null);
  }

  @Test
  void aSecondHolderInThisJvmIsRefusedUntilTheFirstLetsGo() {
    Optional<ServeLock> first = ServeLock.acquire(h2());
    assertThat(first).isPresent();
    assertThatThrownBy(() -> ServeLock.acquire(h2()))
        .isInstanceOf(SelvedgeException.class)
        .hasMessageContaining("another selvedge serve (pid " + ProcessHandle.current().pid() + ")")
        .hasMessageContaining(dir.resolve("store/selvedge") + ".mv.db")
        .hasMessageContaining("selvedge.serve.lock")
        .hasMessageContaining("PostgreSQL");
    first.get().close();
    ServeLock.acquire(h2()).orElseThrow().close();
  }

  @Test
  void noLockForPostgresqlOrAnInMemoryH2() {
    assertThat(
            ServeLock.acquire(
                new StoreConfig("jdbc:postgresql://127.0.0.1:5432/selvedge", "u", "p")))
        .isEmpty();
    assertThat(ServeLock.acquire(new StoreConfig("jdbc:h2:mem:x", null, null))).isEmpty();
  }

  @Test
  void anotherProcessIsRefusedWhileOneHoldsItAndTheLockGoesWithAKilledHolder() throws Exception {
    Process child = child();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("locked");
      assertThatThrownBy(() -> ServeLock.acquire(h2()))
          .isInstanceOf(SelvedgeException.class)
          .hasMessageContaining("another selvedge serve (pid " + child.pid() + ")");
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no clean-up
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    ServeLock lock = ServeLock.acquire(h2()).orElseThrow();
    Process refused = child();
    try {
      String said = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(refused.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(said).contains("another selvedge serve (pid " + ProcessHandle.current().pid());
    } finally {
      refused.destroyForcibly();
      lock.close();
    }
  }

  private Process child() throws java.io.IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(
            java.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            ServeLockChild.class.getName(),
            h2().jdbcUrl())
        .redirectErrorStream(true)
        .start();
  }
}
