package dev.selvedge.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.contract.model.Project;
import dev.selvedge.operations.event.OperationEvent;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.Lease;
import dev.selvedge.port.LeaseStore;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guarded operations on an in-process double of the engine port: the order {@code down} takes
 * containers down in, that a wave's services are stopped at once, and the audit trail.
 */
class GuardedTest {
  private static final String ENDPOINT = "unix:///var/run/docker.sock";

  /** proxy → web, api → db, job (no dependency, no dependent); plus an orphan container. */
  private static final String SHOP =
      """
      name: shop
      services:
        web: {image: example.test/web:1}
        db: {image: example.test/db:1}
        proxy:
          image: example.test/proxy:1
          depends_on: [web]
        api:
          image: example.test/api:1
          depends_on:
            db: {condition: service_started}
      """;

  @TempDir Path dir;
  private final List<String> stops = Collections.synchronizedList(new ArrayList<>());
  private final List<String> removes = Collections.synchronizedList(new ArrayList<>());
  private final List<AuditLog.Event> audit = Collections.synchronizedList(new ArrayList<>());
  private final List<OperationEvent> events = Collections.synchronizedList(new ArrayList<>());

  @Test
  void downStopsDependentsFirstAndTheServicesOfAWaveAtOnce() {
    Project shop = OperationsFixtures.load(dir, SHOP, Map.of());
    // Every stop waits until a second one has started: stopping one at a time never gets there.
    CyclicBarrier two = new CyclicBarrier(2);
    Guarded guarded =
        guarded(
            List.of("web", "db", "proxy", "api"),
            id -> {
              try {
                two.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new AssertionError(id + " was stopped alone: no other stop ran beside it", e);
              }
            });

    Guarded.Removed removed = guarded.down(shop, false, false);

    assertThat(removed.containers()).hasSize(4);
    assertThat(stops.subList(0, 2)).containsExactlyInAnyOrder("shop-proxy-1", "shop-api-1");
    assertThat(stops.subList(2, 4)).containsExactlyInAnyOrder("shop-web-1", "shop-db-1");
    // Each container is removed after its stop, and before its dependencies are stopped.
    assertThat(removes.subList(0, 2)).containsExactlyInAnyOrder("shop-proxy-1", "shop-api-1");
    assertThat(audit)
        .extracting(AuditLog.Event::target)
        .containsExactlyInAnyOrder("shop-proxy-1", "shop-api-1", "shop-web-1", "shop-db-1");
    assertThat(audit)
        .allSatisfy(
            e -> {
              assertThat(e.action()).isEqualTo("remove");
              assertThat(e.outcome()).isEqualTo("done");
              assertThat(e.actor()).isEqualTo("ana@box (pid 7)");
              assertThat(e.host()).isEqualTo("docker-daemon:TEST:DAEMON");
              assertThat(e.project()).isEqualTo("shop");
              assertThat(e.service()).isEqualTo(e.target().replace("shop-", "").replace("-1", ""));
            });
  }

  @Test
  void aContainerTheContractDoesNotNameGoesWithTheFirstWave() {
    Project shop = OperationsFixtures.load(dir, SHOP, Map.of());
    guarded(List.of("web", "old-worker"), id -> {}).down(shop, false, false);
    assertThat(stops).containsExactly("shop-old-worker-1", "shop-web-1");
  }

  @Test
  void aFailedStopIsAuditedAndStopsTheDownBeforeTheDependencies() {
    Project shop = OperationsFixtures.load(dir, SHOP, Map.of());
    Guarded guarded =
        guarded(
            List.of("web", "proxy"),
            id -> {
              if (id.contains("proxy")) {
                throw new EngineException(ENDPOINT, 500, "cannot kill container");
              }
            });
    assertThatThrownBy(() -> guarded.down(shop, false, false))
        .hasMessageContaining("cannot kill container");
    assertThat(stops).containsExactly("shop-proxy-1");
    assertThat(audit)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.outcome()).isEqualTo("failed");
              assertThat(e.detail()).contains("cannot kill container");
            });
  }

  @Test
  void aRestartIsAudited() {
    Project shop = OperationsFixtures.load(dir, SHOP, Map.of());
    List<String> done =
        guarded(List.of("web"), id -> {}).service(shop, "web", Guarded.Verb.RESTART, false);
    assertThat(done).containsExactly("shop-web-1");
    assertThat(audit)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.action()).isEqualTo("restart");
              assertThat(e.service()).isEqualTo("web");
              assertThat(e.target()).isEqualTo("shop-web-1");
              assertThat(e.outcome()).isEqualTo("done");
            });
    assertThat(events)
        .containsExactly(
            new OperationEvent.Started(ENDPOINT, "shop", "restart web"),
            new OperationEvent.Step(ENDPOINT, "shop", "web", "restart shop-web-1"),
            new OperationEvent.Finished(ENDPOINT, "shop", "restart web", "done", "shop-web-1"));
  }

  @Test
  void aFailedDownEndsItsEventsWithTheError() {
    Project shop = OperationsFixtures.load(dir, SHOP, Map.of());
    Guarded guarded =
        guarded(
            List.of("web"),
            id -> {
              throw new EngineException(ENDPOINT, 500, "cannot kill container");
            });
    assertThatThrownBy(() -> guarded.down(shop, false, false));
    assertThat(events.get(0)).isEqualTo(new OperationEvent.Started(ENDPOINT, "shop", "down"));
    assertThat(events.get(events.size() - 1))
        .isInstanceOfSatisfying(
            OperationEvent.Finished.class,
            f -> {
              assertThat(f.outcome()).isEqualTo("error");
              assertThat(f.detail()).contains("cannot kill container");
            });
  }

  /**
   * A Guarded on an engine whose project has one running container per service of {@code services};
   * {@code onStop} runs inside each stop (and restart), given the container's name.
   */
  private Guarded guarded(List<String> services, Consumer<String> onStop) {
    List<ContainerSummary> containers = new ArrayList<>();
    for (String s : services) {
      containers.add(
          new ContainerSummary(
              "id-" + s,
              List.of("/shop-" + s + "-1"),
              "example.test/" + s + ":1",
              "sha256:" + s,
              "running",
              Map.of(ComposeLabels.PROJECT, "shop", ComposeLabels.SERVICE, s)));
    }
    DockerEngine engine =
        (DockerEngine)
            Proxy.newProxyInstance(
                DockerEngine.class.getClassLoader(),
                new Class<?>[] {DockerEngine.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "endpoint" -> ENDPOINT;
                      case "daemonId" -> "TEST:DAEMON";
                      case "listContainers" -> {
                        @SuppressWarnings("unchecked")
                        Map<String, String> labels = (Map<String, String>) args[0];
                        yield containers.stream()
                            .filter(c -> c.labels().entrySet().containsAll(labels.entrySet()))
                            .toList();
                      }
                      case "stopContainer", "restartContainer" -> {
                        String name = name((String) args[0]);
                        stops.add(name);
                        onStop.accept(name);
                        yield null;
                      }
                      case "removeContainer" -> {
                        removes.add(name((String) args[0]));
                        yield null;
                      }
                      case "listNetworks", "listVolumes" -> List.of();
                      default -> throw new UnsupportedOperationException(method.getName());
                    });
    AuditLog log =
        new AuditLog() {
          @Override
          public void record(Event event) {
            audit.add(event);
          }

          @Override
          public List<Event> recent(String host, String project, int limit) {
            return List.copyOf(audit);
          }

          @Override
          public List<Event> find(Query query) {
            return List.copyOf(audit);
          }

          @Override
          public Purged purge(
              java.time.Instant cutoff, java.time.Instant at, String actor, String source) {
            throw new UnsupportedOperationException("retention is not part of these tests");
          }
        };
    return new Guarded(
        engine,
        leases(),
        log,
        Clock.systemUTC(),
        task -> Thread.ofPlatform().name("guarded-test").start(task),
        events::add,
        "ana@box (pid 7)",
        Duration.ofMinutes(1));
  }

  private static String name(String id) {
    return "shop-" + id.substring(3) + "-1";
  }

  /** A lease store with no other holder. */
  private static LeaseStore leases() {
    return new LeaseStore() {
      @Override
      public Lease acquire(
          String host, String project, String owner, String op, Duration ttl, Lease.Holder h) {
        Instant now = Instant.now();
        return new Lease(host, project, owner, op, "token", now, now.plus(ttl), h, Map.of());
      }

      @Override
      public Lease takeOver(
          Lease dead, String owner, String op, Duration ttl, Lease.Holder holder) {
        throw new AssertionError("nobody else holds it");
      }

      @Override
      public Lease restoring(Lease lease, Map<String, Lease.Restore> restoring) {
        return lease.restoring(restoring);
      }

      @Override
      public Lease renew(Lease lease, Duration ttl) {
        return lease;
      }

      @Override
      public void release(Lease lease) {}

      @Override
      public void release(String host, String project, String token) {}

      @Override
      public Optional<Lease> current(String host, String project) {
        return Optional.empty();
      }
    };
  }
}
