package dev.selvedge.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.model.Project;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.HttpProbe;
import dev.selvedge.testing.ContainerBuilder;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live-check use case over a fake of our engine port: the threads and clock it is given. */
class LiveCheckTest {
  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final HttpProbe NO_PROBE =
      (uri, timeout) -> {
        throw new AssertionError("no readback expected: " + uri);
      };
  private static final Fingerprints FINGERPRINTS = new Fingerprints(key());

  @TempDir Path dir;

  /** Six services: enough that the inspects go out a few at a time. */
  private LoadOptions sixServices() throws Exception {
    StringBuilder yaml = new StringBuilder("services:\n");
    for (int i = 0; i < 6; i++) {
      yaml.append("  s").append(i).append(":\n    image: example/app:1\n");
    }
    Files.writeString(dir.resolve("compose.yaml"), yaml);
    return LoadOptions.of(dir).withProjectName("shop");
  }

  /** The containers Compose would have made for {@code project}, served by a fake engine. */
  private static final class FakeEngine {
    final Map<String, ContainerDetails> byId = new ConcurrentHashMap<>();
    final List<ContainerSummary> listed = new ArrayList<>();
    final Map<String, Integer> inspected = new ConcurrentHashMap<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    RuntimeException failInspectOf;
    String failId;

    FakeEngine(Project project) {
      int n = 0;
      for (String service : project.services().keySet()) {
        String id = String.format("%064x", ++n);
        ContainerDetails c = ContainerBuilder.matching(project, service).id(id).build();
        byId.put(id, c);
        listed.add(
            new ContainerSummary(
                id, List.of("/" + c.name()), c.image(), c.imageId(), "running", c.labels()));
      }
    }

    DockerEngine engine() {
      return (DockerEngine)
          Proxy.newProxyInstance(
              DockerEngine.class.getClassLoader(),
              new Class<?>[] {DockerEngine.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "endpoint" -> "fake://engine";
                    case "remoteHost", "inspectImage" -> Optional.empty();
                    case "listContainers" -> List.copyOf(listed);
                    case "inspectContainer" -> inspect((String) args[0]);
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException(method.getName());
                  });
    }

    private ContainerDetails inspect(String id) {
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      try {
        inspected.merge(id, 1, Integer::sum);
        if (id.equals(failId)) {
          throw failInspectOf;
        }
        return byId.get(id);
      } finally {
        inFlight.decrementAndGet();
      }
    }
  }

  private LiveCheck.Request request(LoadOptions options) {
    return new LiveCheck.Request(options, null, false, Map.of(), FINGERPRINTS);
  }

  @Test
  void readsEveryContainerOnceAndTakesTheReportOnTheGivenClock() throws Exception {
    LoadOptions options = sixServices();
    FakeEngine fake = new FakeEngine(ComposeLoader.load(options));
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      DriftReport report =
          new LiveCheck(pool, CLOCK, NO_PROBE).run(request(options), fake.engine());
      assertThat(report.checkedAt()).isEqualTo(NOW);
      assertThat(report.project()).isEqualTo("shop");
      assertThat(report.services()).containsExactlyInAnyOrder("s0", "s1", "s2", "s3", "s4", "s5");
      assertThat(fake.inspected).hasSize(6).allSatisfy((id, times) -> assertThat(times).isOne());
      assertThat(fake.maxInFlight.get()).isBetween(1, 4);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aOneThreadExecutorServesTheEarlyReadAndItsInspectsWithoutDeadlock() throws Exception {
    // -p names the project, so the engine is read on the executor while the files are; that read
    // hands inspects to the same single thread, which is busy with it.
    LoadOptions options = sixServices();
    FakeEngine fake = new FakeEngine(ComposeLoader.load(options));
    ExecutorService one = Executors.newSingleThreadExecutor();
    try {
      DriftReport report =
          assertTimeoutPreemptively(
              Duration.ofSeconds(30),
              () -> new LiveCheck(one, CLOCK, NO_PROBE).run(request(options), fake.engine()));
      assertThat(report.services()).hasSize(6);
      assertThat(fake.inspected).hasSize(6);
    } finally {
      one.shutdownNow();
    }
  }

  @Test
  void aFailedInspectIsTheCheck_sError() throws Exception {
    LoadOptions options = sixServices();
    FakeEngine fake = new FakeEngine(ComposeLoader.load(options));
    fake.failId = fake.listed.get(3).id();
    fake.failInspectOf = new EngineUnreachableException("fake://engine", "gone", null);
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      assertThatThrownBy(
              () -> new LiveCheck(pool, CLOCK, NO_PROBE).run(request(options), fake.engine()))
          .isSameAs(fake.failInspectOf);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aDeployDirectoryWithoutComposeFileNamesTheEngineAndTheDirectory() throws Exception {
    LoadOptions options = sixServices();
    FakeEngine fake = new FakeEngine(ComposeLoader.load(options));
    Path empty = Files.createDirectory(dir.resolve("deploy"));
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      assertThatThrownBy(
              () ->
                  new LiveCheck(pool, CLOCK, NO_PROBE)
                      .run(
                          new LiveCheck.Request(options, empty, false, Map.of(), FINGERPRINTS),
                          fake.engine()))
          .isInstanceOf(SelvedgeException.class)
          .hasMessageContaining("fake://engine: no compose file")
          .hasMessageContaining(empty.toString());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void oneLiveCheckSeesAChangedDeployDirectoryAndHostEnvOnItsNextRun() throws Exception {
    Files.writeString(
        dir.resolve("compose.yaml"),
        "services:\n  s0:\n    image: example/app:${TAG:-1}\n  s1:\n    image: example/db:1\n");
    LoadOptions options = LoadOptions.of(dir).withProjectName("shop");
    FakeEngine fake = new FakeEngine(ComposeLoader.load(options));
    Path deploy = Files.createDirectory(dir.resolve("deploy"));
    Files.copy(dir.resolve("compose.yaml"), deploy.resolve("compose.yaml"));
    LiveCheck.Request request =
        new LiveCheck.Request(options, deploy, false, Map.of(), FINGERPRINTS);
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      LiveCheck check = new LiveCheck(pool, CLOCK, NO_PROBE);
      assertThat(check.run(request, fake.engine()).findings()).isEmpty();
      assertThat(check.run(request, fake.engine()).findings()).isEmpty();
      // The deploy directory's file changes: the repo/host comparison sees it.
      Files.writeString(
          deploy.resolve("compose.yaml"),
          "services:\n  s0:\n    image: example/app:2\n  s1:\n    image: example/db:1\n");
      assertThat(check.run(request, fake.engine()).findings())
          .anySatisfy(
              f -> {
                assertThat(f.layer()).isEqualTo(DriftLayer.REPO_HOST);
                assertThat(f.service()).isEqualTo("s0");
              });
      // Back as it was, then the host's .env moves the tag: both renders follow it, and the
      // running container (tag 1) no longer matches.
      Files.copy(
          dir.resolve("compose.yaml"),
          deploy.resolve("compose.yaml"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(check.run(request, fake.engine()).findings()).isEmpty();
      Files.writeString(deploy.resolve(".env"), "TAG=3\n");
      assertThat(check.run(request, fake.engine()).findings())
          .isNotEmpty()
          .allSatisfy(f -> assertThat(f.layer()).isNotEqualTo(DriftLayer.REPO_HOST))
          .anySatisfy(f -> assertThat(f.service()).isEqualTo("s0"));
    } finally {
      pool.shutdownNow();
    }
  }

  private static byte[] key() {
    byte[] key = new byte[32];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (i * 37 + 11);
    }
    return key;
  }
}
