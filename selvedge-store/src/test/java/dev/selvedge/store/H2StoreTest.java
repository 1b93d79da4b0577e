package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.Deployment;
import dev.selvedge.port.Lease;
import dev.selvedge.port.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on an H2 file database, plus what only a file database has. */
class H2StoreTest extends StoreContract {
  @TempDir Path dir;

  @Override
  protected StoreConfig config() {
    return new StoreConfig(
        "jdbc:h2:file:" + dir.resolve("store/selvedge") + StoreConfig.H2_SETTINGS, null, null);
  }

  @Test
  void theDatabaseDirectoryIsCreatedPrivate() throws IOException {
    Path store = dir.resolve("store");
    assertThat(store).isDirectory();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store)))
        .isEqualTo("rwx------");
    assertThat(store.resolve("selvedge.mv.db")).isRegularFile();
  }

  @Test
  void anotherProcessSharesTheFileWhileThisOneHasItOpen() throws Exception {
    Lease mine = store.leases().acquire(HOST, project(), "this-jvm", "apply", TTL);
    Deployment before = store.deployments().begin(Drafts.running(HOST, project()));

    List<String> child = runChild(project());

    // The child reached the database through this process's auto-server ...
    assertThat(child).contains("held by this-jvm");
    assertThat(child).anySatisfy(l -> assertThat(l).startsWith("deployment "));
    long childId =
        Long.parseLong(
            child.stream()
                .filter(l -> l.startsWith("deployment "))
                .findFirst()
                .orElseThrow()
                .substring("deployment ".length()));
    // ... and what it wrote is here.
    assertThat(childId).isGreaterThan(before.id());
    assertThat(store.deployments().find(childId))
        .hasValueSatisfying(d -> assertThat(d.actor()).isEqualTo("child-jvm"));
    assertThat(store.leases().current(HOST, project())).contains(mine);
  }

  @Test
  void aProcessOpensTheFileAfterAnotherClosedIt() throws Exception {
    store.close();
    List<String> child = runChild(project());
    assertThat(child).contains("acquired");
    try (Store again = Stores.open(config(), clock)) {
      assertThat(again.deployments().history(HOST, project(), 10))
          .singleElement()
          .satisfies(d -> assertThat(d.actor()).isEqualTo("child-jvm"));
    }
  }

  /** Runs {@link StoreChild} in a fresh JVM on this test's database; returns what it printed. */
  private List<String> runChild(String project) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                StoreChild.class.getName(),
                config().jdbcUrl(),
                clock.instant().toString(),
                HOST,
                project)
            .redirectErrorStream(true)
            .start();
    try {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as("child exit; output:%n%s", out).isZero();
      return out.lines().toList();
    } finally {
      p.destroyForcibly();
    }
  }
}
