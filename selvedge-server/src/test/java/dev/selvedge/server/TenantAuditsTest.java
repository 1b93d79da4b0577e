package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.docker.FleetEngines;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.fleet.AuditSchedule;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.Scheduler;
import dev.selvedge.port.Store;
import dev.selvedge.port.TenantAuditStore.AuditRun;
import dev.selvedge.server.events.ServerEvent;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cross-tenant audit's schedule in {@code serve}, with time moved by hand: it waits until the
 * fleet file's time, runs, keeps the run and publishes it, and waits for the next; {@code off} runs
 * nothing; a reload applies at the next wait. The one node's engine is not there, so each run is an
 * unreadable one (no engine needed).
 */
class TenantAuditsTest {
  @TempDir Path tmp;

  private Store store;
  private final SocketHttpProbe probe = new SocketHttpProbe();
  private final MovableClock clock = new MovableClock(Instant.parse("2026-12-04T01:00:00Z"));
  private final List<ServerEvent> events = new CopyOnWriteArrayList<>();
  private final List<String> said = new CopyOnWriteArrayList<>();
  private final AtomicReference<Fleet> fleet = new AtomicReference<>();
  private final ManualScheduler scheduler = new ManualScheduler();
  private TenantAudits audits;

  /** Holds what was scheduled; the test runs it. */
  static final class ManualScheduler implements Scheduler {
    final List<Duration> delays = new ArrayList<>();
    final List<Runnable> actions = new ArrayList<>();
    boolean closed;

    @Override
    public synchronized Task schedule(Duration delay, Runnable action) {
      delays.add(delay);
      actions.add(action);
      return () -> {};
    }

    synchronized Runnable last() {
      return actions.get(actions.size() - 1);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    store =
        Stores.open(
            new StoreConfig("jdbc:h2:file:" + tmp.resolve("store/selvedge"), null, null), clock);
    fleet.set(fleet(AuditSchedule.DEFAULT));
    Map<String, String> env = Map.of();
    audits =
        new TenantAudits(
            store,
            fleet::get,
            clock,
            events::add,
            OperationSettings.defaults(
                FleetEngines.opener(env),
                env,
                Fingerprints.load(Files.createDirectories(tmp.resolve("home"))),
                probe),
            said::add);
  }

  @AfterEach
  void tearDown() {
    audits.close();
    probe.close();
    store.close();
  }

  private Fleet fleet(AuditSchedule schedule) {
    return fleet(schedule, Fleet.Retention.DEFAULT);
  }

  private Fleet fleet(AuditSchedule schedule, Fleet.Retention retention) {
    Fleet.Node gone =
        new Fleet.Node(
            "gone",
            "unix://" + tmp.resolve("no-such.sock"),
            null,
            null,
            null,
            List.of(),
            Map.of("app", new Fleet.Stack("app", tmp, "app", null, null)));
    return new Fleet(
        tmp.resolve("fleet.yaml"),
        Fleet.Poll.DEFAULT,
        Map.of("gone", gone),
        List.of(),
        retention,
        new Fleet.Audit(schedule, List.of("*")),
        List.of());
  }

  @Test
  void itWaitsForItsTimeRunsKeepsPublishesAndWaitsForTheNext() {
    audits.start(scheduler);
    assertThat(scheduler.delays).containsExactly(Duration.ofHours(1));
    assertThat(store.tenantAudits().latest()).isEmpty();

    clock.now = Instant.parse("2026-12-04T02:00:00Z");
    scheduler.last().run();
    AuditRun run = store.tenantAudits().latest().orElseThrow();
    assertThat(run.trigger()).isEqualTo(TenantAudits.SCHEDULE);
    assertThat(run.result()).isEqualTo("unreadable");
    assertThat(run.at()).isEqualTo(clock.now);
    assertThat(run.evidence()).contains("\"kind\" : \"tenant-audit\"", "engine unreachable");
    assertThat(events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo("audit.tenants.finished");
              assertThat(e.data().get("audit").asLong()).isEqualTo(run.id());
              assertThat(e.data().get("unreadable").asInt()).isEqualTo(1);
            });
    assertThat(said).singleElement().asString().contains("unreadable");
    assertThat(scheduler.delays).last().isEqualTo(Duration.ofDays(1));

    // A reload to `every 6h` applies at the next wait.
    fleet.set(fleet(new AuditSchedule(null, Duration.ofHours(6))));
    clock.now = Instant.parse("2026-12-05T02:00:00Z");
    scheduler.last().run();
    assertThat(store.tenantAudits().list(10, null)).hasSize(2);
    assertThat(scheduler.delays).last().isEqualTo(Duration.ofHours(6));
  }

  @Test
  void runsOlderThanTheAuditRetentionAreForgottenAfterEachRun() {
    fleet.set(
        fleet(AuditSchedule.DEFAULT, new Fleet.Retention(Duration.ofDays(2), Duration.ofDays(7))));
    clock.now = Instant.parse("2026-12-01T02:00:00Z");
    AuditRun first = audits.run("request:ops").orElseThrow();
    clock.now = Instant.parse("2026-12-02T02:00:00Z");
    AuditRun second = audits.run("request:ops").orElseThrow();
    clock.now = Instant.parse("2026-12-04T01:00:00Z");
    AuditRun third = audits.run("request:ops").orElseThrow();
    // 2026-12-02T01:00 is the cut-off: the first run goes, the second stays.
    assertThat(store.tenantAudits().list(10, null))
        .extracting(AuditRun::id)
        .containsExactly(third.id(), second.id());
    assertThat(store.tenantAudits().find(first.id())).isEmpty();

    // Kept for ever: nothing is removed.
    fleet.set(fleet(AuditSchedule.DEFAULT, new Fleet.Retention(null, Duration.ofDays(7))));
    clock.now = Instant.parse("2027-12-04T01:00:00Z");
    audits.run("request:ops").orElseThrow();
    assertThat(store.tenantAudits().list(10, null)).hasSize(3);
  }

  @Test
  void offRunsNothingAndLooksAgainLater() {
    fleet.set(fleet(null));
    audits.start(scheduler);
    scheduler.last().run();
    assertThat(store.tenantAudits().latest()).isEmpty();
    assertThat(events).isEmpty();
    assertThat(scheduler.delays).hasSize(2).allMatch(d -> d.equals(Duration.ofMinutes(10)));
    audits.close();
    assertThat(scheduler.closed).isTrue();
  }

  @Test
  void oneRunAtATimeAndNoneWithoutEngines() throws Exception {
    AtomicReference<java.util.Optional<AuditRun>> during = new AtomicReference<>();
    TenantAudits[] self = new TenantAudits[1];
    self[0] =
        new TenantAudits(
            store,
            () -> {
              // Asked from inside a run: another thread asking for a run now is refused.
              if (during.get() == null) {
                Thread t = Thread.ofVirtual().start(() -> during.set(self[0].run("request:b")));
                try {
                  t.join();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return fleet.get();
            },
            clock,
            events::add,
            OperationSettings.defaults(
                FleetEngines.opener(Map.of()),
                Map.of(),
                Fingerprints.load(Files.createDirectories(tmp.resolve("home2"))),
                probe),
            said::add);
    assertThat(self[0].run("request:a")).isPresent();
    assertThat(during.get()).isEmpty();
    assertThat(store.tenantAudits().list(10, null))
        .singleElement()
        .satisfies(r -> assertThat(r.trigger()).isEqualTo("request:a"));

    TenantAudits readOnly = new TenantAudits(store, fleet::get, clock, e -> {}, null, s -> {});
    assertThat(readOnly.available()).isFalse();
    ManualScheduler unused = new ManualScheduler();
    readOnly.start(unused);
    assertThat(unused.actions).isEmpty();
    assertThat(unused.closed).isTrue();
  }
}
