package dev.selvedge.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.compose.SourceFiles;
import dev.selvedge.contract.model.Project;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A kept project is served only while its files, environment and options read the same. */
class ProjectCacheTest {
  @TempDir Path dir;

  private LoadOptions options(Map<String, String> env) throws Exception {
    return LoadOptions.of(dir).withProjectName("shop").withEnvironment(env);
  }

  private void compose(String image) throws Exception {
    Files.writeString(
        dir.resolve("compose.yaml"),
        "services:\n  api:\n    image: "
            + image
            + "\n    environment:\n      MODE: ${MODE:-prod}\n");
  }

  private static String mode(Project p) {
    return p.services().get("api").environment().get("MODE");
  }

  @Test
  void servesTheSameProjectWhileNothingChanged() throws Exception {
    compose("example/api:1");
    ProjectCache cache = new ProjectCache(8);
    Project first = cache.load(options(Map.of()));
    Project second = cache.load(options(Map.of()));
    assertThat(second).isSameAs(first);
    assertThat(cache.hits()).isOne();
    assertThat(cache.misses()).isOne();
  }

  @Test
  void aChangedFileIsLoadedAgain() throws Exception {
    compose("example/api:1");
    ProjectCache cache = new ProjectCache(8);
    assertThat(cache.load(options(Map.of())).services().get("api").image())
        .isEqualTo("example/api:1");
    compose("example/api:2"); // same size, other bytes
    assertThat(cache.load(options(Map.of())).services().get("api").image())
        .isEqualTo("example/api:2");
    assertThat(cache.hits()).isZero();
  }

  @Test
  void aDifferentEnvironmentOrDotEnvIsNotServedStale() throws Exception {
    compose("example/api:1");
    ProjectCache cache = new ProjectCache(8);
    assertThat(mode(cache.load(options(Map.of())))).isEqualTo("prod");
    assertThat(mode(cache.load(options(Map.of("MODE", "staging"))))).isEqualTo("staging");
    // A .env that appears is read by the next load, and one that changes too.
    Files.writeString(dir.resolve(".env"), "MODE=test\n");
    assertThat(mode(cache.load(options(Map.of())))).isEqualTo("test");
    Files.writeString(dir.resolve(".env"), "MODE=demo\n");
    assertThat(mode(cache.load(options(Map.of())))).isEqualTo("demo");
    Files.delete(dir.resolve(".env"));
    assertThat(mode(cache.load(options(Map.of())))).isEqualTo("prod");
    assertThat(cache.hits()).isOne(); // the last: the first load's inputs again
  }

  @Test
  void anOverrideFileThatAppearsIsMerged() throws Exception {
    compose("example/api:1");
    ProjectCache cache = new ProjectCache(8);
    cache.load(options(Map.of()));
    Files.writeString(
        dir.resolve("compose.override.yaml"), "services:\n  api:\n    image: example/api:3\n");
    assertThat(cache.load(options(Map.of())).services().get("api").image())
        .isEqualTo("example/api:3");
  }

  @Test
  void otherOptionsAreAnotherEntry() throws Exception {
    compose("example/api:1");
    ProjectCache cache = new ProjectCache(8);
    Project shop = cache.load(options(Map.of()));
    Project other = cache.load(options(Map.of()).withProjectName("other"));
    assertThat(shop.name()).isEqualTo("shop");
    assertThat(other.name()).isEqualTo("other");
  }

  @Test
  void theSamePathsWithOtherBytesOnAnotherSourceAreVariants() throws Exception {
    compose("example/api:1");
    ProjectCache cache = new ProjectCache(8);
    SourceFiles elsewhere = overlay(dir.resolve("compose.yaml"), "example/api:9");
    Project local = cache.load(options(Map.of()));
    Project remote = cache.load(options(Map.of()).withSources(elsewhere));
    assertThat(remote.services().get("api").image()).isEqualTo("example/api:9");
    // Both kept: each served again for its own bytes.
    assertThat(cache.load(options(Map.of()))).isSameAs(local);
    assertThat(cache.load(options(Map.of()).withSources(elsewhere))).isSameAs(remote);
  }

  @Test
  void theLeastRecentlyUsedOptionsAreDropped() throws Exception {
    compose("example/api:1");
    ProjectCache cache = new ProjectCache(2);
    Project a = cache.load(options(Map.of("N", "a")));
    cache.load(options(Map.of("N", "b")));
    cache.load(options(Map.of("N", "a"))); // a is now the most recent
    cache.load(options(Map.of("N", "c"))); // drops b
    assertThat(cache.load(options(Map.of("N", "a")))).isSameAs(a);
    long misses = cache.misses();
    cache.load(options(Map.of("N", "b")));
    assertThat(cache.misses()).isEqualTo(misses + 1);
  }

  @Test
  void aFileThatBreaksIsReportedNotServed() throws Exception {
    compose("example/api:1");
    ProjectCache cache = new ProjectCache(8);
    cache.load(options(Map.of()));
    Files.writeString(dir.resolve("compose.yaml"), "services: [\n");
    assertThatThrownBy(() -> cache.load(options(Map.of()))).isInstanceOf(ContractException.class);
    Files.delete(dir.resolve("compose.yaml"));
    assertThatThrownBy(() -> cache.load(options(Map.of())))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("no compose file");
  }

  @Test
  void standardInputIsNeverKept() throws Exception {
    ProjectCache cache = new ProjectCache(8);
    LoadOptions stdin =
        new LoadOptions(List.of(Path.of("-")), dir, "shop", List.of(), null, Map.of(), dir)
            .withSources(
                SourceFiles.withStdin(
                    SourceFiles.LOCAL,
                    "services:\n  api:\n    image: x:1\n".getBytes(StandardCharsets.UTF_8)));
    Project first = cache.load(stdin);
    assertThat(cache.load(stdin)).isNotSameAs(first);
    assertThat(cache.hits()).isZero();
    assertThat(cache.misses()).isZero();
  }

  @Test
  void concurrentLoadsAllGetTheProject() throws Exception {
    compose("example/api:1");
    ProjectCache cache = new ProjectCache(8);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Project>> tasks = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        tasks.add(() -> cache.load(options(Map.of())));
      }
      for (Future<Project> f : pool.invokeAll(tasks)) {
        assertThat(f.get().services().get("api").image()).isEqualTo("example/api:1");
      }
      assertThat(cache.hits() + cache.misses()).isEqualTo(64);
    } finally {
      pool.shutdownNow();
    }
  }

  /** The local files, but {@code file} reads as a compose file of {@code image}. */
  private static SourceFiles overlay(Path file, String image) {
    byte[] bytes =
        ("services:\n  api:\n    image: " + image + "\n").getBytes(StandardCharsets.UTF_8);
    return new SourceFiles() {
      @Override
      public Optional<byte[]> read(Path f) {
        return f.equals(file) ? Optional.of(bytes.clone()) : SourceFiles.LOCAL.read(f);
      }

      @Override
      public boolean isFile(Path f) {
        return f.equals(file) || SourceFiles.LOCAL.isFile(f);
      }
    };
  }
}
