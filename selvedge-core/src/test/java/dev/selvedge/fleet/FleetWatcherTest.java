package dev.selvedge.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetWatcherTest {
  static final String ONE = "nodes:\n  a: {engine: \"unix:///run/a.sock\"}\n";
  static final String TWO =
      "nodes:\n  a: {engine: \"unix:///run/a.sock\"}\n  b: {engine: \"unix:///run/b.sock\"}\n";
  static final String BAD = "nodes:\n  a: {engine: \"unix:///run/a.sock\"}\n  b: {engine: x}\n";

  @TempDir Path dir;
  Path file;
  final List<Fleet> reloaded = new CopyOnWriteArrayList<>();
  final List<FleetFileException> rejected = new CopyOnWriteArrayList<>();
  FleetWatcher watcher;

  @BeforeEach
  void open() throws IOException {
    file = dir.resolve("fleet.yaml");
    Files.writeString(file, ONE);
    watcher = FleetWatcher.open(file, Map.of(), reloaded::add, rejected::add);
  }

  @AfterEach
  void close() {
    watcher.close();
  }

  @Test
  void aFileThatDoesNotValidateAtStartIsAnError() throws IOException {
    Files.writeString(file, BAD);
    assertThatThrownBy(() -> FleetWatcher.open(file, Map.of(), f -> {}, e -> {}))
        .isInstanceOf(FleetFileException.class)
        .hasMessageContaining(":3: nodes.b.engine: 'x' is not an engine URL");
  }

  @Test
  void aChangeIsTakenOnceTwoLooksSawTheSameFile() throws IOException {
    assertThat(watcher.current().nodes()).containsOnlyKeys("a");
    assertThat(watcher.checkNow()).isFalse();

    Files.writeString(file, TWO);
    assertThat(watcher.checkNow()).as("first look: the file may be half-written").isFalse();
    assertThat(reloaded).isEmpty();
    assertThat(watcher.checkNow()).isTrue();
    assertThat(reloaded).hasSize(1);
    assertThat(reloaded.get(0).nodes()).containsOnlyKeys("a", "b");
    assertThat(watcher.current()).isSameAs(reloaded.get(0));
    assertThat(watcher.checkNow()).isFalse();
    assertThat(rejected).isEmpty();
  }

  @Test
  void aBrokenFileIsReportedOnceAndTheRunningRegistryKept() throws IOException {
    Fleet before = watcher.current();
    Files.writeString(file, BAD);
    watcher.checkNow();
    assertThat(watcher.checkNow()).isTrue();
    assertThat(rejected).hasSize(1);
    assertThat(rejected.get(0).getMessage())
        .isEqualTo(
            file
                + ":3: nodes.b.engine: 'x' is not an engine URL"
                + " (unix://, tcp://host:port, ssh://user@host[:port])");
    assertThat(watcher.current()).isSameAs(before);
    assertThat(watcher.checkNow()).isFalse();
    assertThat(watcher.checkNow()).isFalse();
    assertThat(rejected).hasSize(1);

    Files.writeString(file, TWO);
    watcher.checkNow();
    assertThat(watcher.checkNow()).isTrue();
    assertThat(watcher.current().nodes()).containsOnlyKeys("a", "b");
    assertThat(reloaded).hasSize(1);
  }

  @Test
  void aFileReplacedByRenameIsSeen() throws IOException {
    Path tmp = dir.resolve(".fleet.yaml.swp");
    Files.writeString(tmp, TWO);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    watcher.checkNow();
    assertThat(watcher.checkNow()).isTrue();
    assertThat(watcher.current().nodes()).containsOnlyKeys("a", "b");
  }

  @Test
  void theSameContentRewrittenChangesNothing() throws IOException {
    Files.writeString(file, ONE);
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    watcher.checkNow();
    assertThat(watcher.checkNow()).isFalse();
    assertThat(reloaded).isEmpty();
    assertThat(rejected).isEmpty();
  }

  @Test
  void aChangeThatKeepsSizeAndTimestampIsStillSeenWhileTheTimestampIsRecent() throws IOException {
    FileTime mtime = Files.getLastModifiedTime(file);
    Files.writeString(file, ONE.replace("a.sock", "z.sock"));
    Files.setLastModifiedTime(file, mtime);
    // Nothing a stat shows changed, so this look is already "settled": the hash decides.
    assertThat(watcher.checkNow()).isTrue();
    assertThat(watcher.current().nodes().get("a").engine()).isEqualTo("unix:///run/z.sock");
  }

  @Test
  void aRemovedFileIsReportedAndItsReturnTaken() throws IOException {
    Files.delete(file);
    watcher.checkNow();
    assertThat(watcher.checkNow()).isTrue();
    assertThat(rejected.get(0).getMessage())
        .isEqualTo(file + ": no such file; the fleet file was removed or renamed away");
    assertThat(watcher.current().nodes()).containsOnlyKeys("a");
    Files.writeString(file, TWO);
    watcher.checkNow();
    assertThat(watcher.checkNow()).isTrue();
    assertThat(watcher.current().nodes()).containsOnlyKeys("a", "b");
  }

  @Test
  void reloadNowLoadsAtOnceGoodOrBad() throws IOException {
    assertThat(watcher.reloadNow()).isTrue();
    assertThat(reloaded).hasSize(1);
    assertThat(reloaded.get(0).nodes()).containsOnlyKeys("a");

    Files.writeString(file, BAD);
    assertThat(watcher.reloadNow()).isFalse();
    assertThat(rejected).hasSize(1);
    assertThat(rejected.get(0).problems().get(0).key()).isEqualTo("nodes.b.engine");
    assertThat(watcher.current().nodes()).containsOnlyKeys("a");

    Files.writeString(file, TWO);
    assertThat(watcher.reloadNow()).isTrue();
    assertThat(watcher.current().nodes()).containsOnlyKeys("a", "b");
    // What reloadNow took is not taken a second time by the timer's looks.
    assertThat(watcher.checkNow()).isFalse();
    assertThat(reloaded).hasSize(2);
  }

  @Test
  void theTimerTakesAChangeAndReportsABrokenFile() throws Exception {
    CountDownLatch good = new CountDownLatch(1);
    CountDownLatch bad = new CountDownLatch(1);
    watcher.close();
    watcher =
        FleetWatcher.open(
            file,
            Map.of(),
            f -> {
              reloaded.add(f);
              good.countDown();
            },
            e -> {
              rejected.add(e);
              bad.countDown();
            });
    watcher.start(Duration.ofMillis(10));
    replace(TWO);
    assertThat(good.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(watcher.current().nodes()).containsOnlyKeys("a", "b");
    replace(BAD);
    assertThat(bad.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(watcher.current().nodes()).containsOnlyKeys("a", "b");
  }

  @Test
  void aFailingListenerIsReportedAndDoesNotStopTheTimer() throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch second = new CountDownLatch(1);
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    ScheduledExecutorService shared =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "test-shared-scheduler");
              t.setDaemon(true);
              t.setUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
              return t;
            });
    try {
      watcher.close();
      watcher =
          FleetWatcher.open(
              file,
              Map.of(),
              f -> {
                reloaded.add(f);
                if (reloaded.size() == 1) {
                  first.countDown();
                  throw new IllegalStateException("listener failed");
                }
                second.countDown();
              },
              rejected::add);
      watcher.start(shared, Duration.ofMillis(10));
      replace(TWO);
      assertThat(first.await(30, TimeUnit.SECONDS)).isTrue();
      replace(ONE);
      assertThat(second.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(watcher.current().nodes()).containsOnlyKeys("a");
      assertThat(uncaught)
          .singleElement()
          .extracting(Throwable::getMessage)
          .isEqualTo("listener failed");
      watcher.close();
      assertThat(shared.isShutdown())
          .as("a scheduler given to the watcher is the caller's")
          .isFalse();
    } finally {
      shared.shutdownNow();
    }
  }

  /** Writes {@code text} as an editor saves: a new file renamed over the old one (never torn). */
  private void replace(String text) throws IOException {
    Path tmp = dir.resolve(".fleet.yaml.tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
