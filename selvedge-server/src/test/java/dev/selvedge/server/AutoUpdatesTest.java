package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.update.AutoUpdate;
import dev.selvedge.fleet.update.AutoUpdate.StackCheck;
import dev.selvedge.fleet.update.AutoUpdate.State;
import dev.selvedge.fleet.update.CronSchedule;
import dev.selvedge.fleet.update.RolloutStarter;
import dev.selvedge.fleet.update.UpdateWindow;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.RegistryDigests;
import dev.selvedge.port.Store;
import dev.selvedge.server.TenantAuditsTest.ManualScheduler;
import dev.selvedge.server.events.ServerEvent;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
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
 * The auto-update job with time moved by hand, a registry that answers what the test says (a fake
 * of our own {@link RegistryDigests} port; the real registry is AutoUpdateApiIT's) and a recording
 * rollout starter: the schedule and the window, one start per new digest and never a second for it,
 * a busy refusal tried again, events and audit.
 */
class AutoUpdatesTest {
  static final String REF = "127.0.0.1:5000/shop/api:1";
  static final String A = "sha256:" + "a".repeat(64);
  static final String B = "sha256:" + "b".repeat(64);
  static final String C = "sha256:" + "c".repeat(64);

  @TempDir Path tmp;

  private Store store;
  private final MovableClock clock = new MovableClock(Instant.parse("2026-12-04T00:30:00Z"));
  private final List<ServerEvent> events = new CopyOnWriteArrayList<>();
  private final List<String> said = new CopyOnWriteArrayList<>();
  private final AtomicReference<Fleet> fleet = new AtomicReference<>();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final AtomicReference<String> digest = new AtomicReference<>(A);
  private final List<Map<String, String>> starts = new ArrayList<>();
  private final AtomicReference<RuntimeException> refuse = new AtomicReference<>();
  private AutoUpdates updates;

  @BeforeEach
  void setUp() {
    store =
        Stores.open(
            new StoreConfig("jdbc:h2:file:" + tmp.resolve("store/selvedge"), null, null), clock);
    fleet.set(fleet("0 * * * *", "02:00-03:00"));
    updates =
        new AutoUpdates(
                store,
                fleet::get,
                clock,
                events::add,
                ref -> {
                  if (!ref.equals(REF)) {
                    throw new RegistryDigests.Failed("no such tag " + ref, 404);
                  }
                  return digest.get();
                },
                stack -> Map.of("api", REF, "db", "postgres:16"),
                said::add)
            .starter(
                (stack, images, waves, gate, reason) -> {
                  if (refuse.get() != null) {
                    throw refuse.get();
                  }
                  starts.add(images);
                  assertThat(stack).isEqualTo("shop");
                  assertThat(waves).containsExactly("1", "25%", "100%");
                  assertThat(gate).isEqualTo(Duration.ofMinutes(3));
                  assertThat(reason).contains("api");
                  return "rollout-" + starts.size();
                });
  }

  @AfterEach
  void tearDown() {
    updates.close();
    store.close();
  }

  private Fleet fleet(String cron, String window) {
    Fleet.AutoUpdate policy =
        new Fleet.AutoUpdate(
            CronSchedule.parse(cron),
            List.of("api"),
            window == null ? null : UpdateWindow.parse(window),
            List.of("1", "25%", "100%"),
            Duration.ofMinutes(3));
    Fleet.Node node =
        new Fleet.Node(
            "one",
            "unix:///var/run/docker.sock",
            null,
            null,
            null,
            List.of(),
            Map.of("shop", new Fleet.Stack("shop", tmp, "shop-p", null, policy)));
    return new Fleet(
        tmp.resolve("fleet.yaml"),
        Fleet.Poll.DEFAULT,
        Map.of("one", node),
        List.of(),
        Fleet.Retention.DEFAULT,
        Fleet.Audit.DEFAULT,
        List.of());
  }

  private StackCheck checkNow() {
    List<StackCheck> checks = updates.checkNow("request:test").orElseThrow();
    assertThat(checks).hasSize(1);
    return checks.get(0);
  }

  private List<String> types() {
    return events.stream().map(ServerEvent::type).toList();
  }

  @Test
  void theScheduleWaitsForTheCronTimeInsideTheWindowAndAReloadApplies() {
    updates.start(scheduler);
    // 01:00 fires outside 02:00-03:00: the check moves to 02:00; the job looks again every 10 min
    assertThat(scheduler.delays).containsExactly(AutoUpdates.RECHECK);
    assertThat(updates.view().get(0).nextCheck()).isEqualTo(Instant.parse("2026-12-04T02:00:00Z"));
    clock.now = Instant.parse("2026-12-04T00:40:00Z");
    scheduler.last().run();
    assertThat(events).isEmpty(); // not yet
    clock.now = Instant.parse("2026-12-04T02:00:00Z");
    scheduler.last().run();
    assertThat(types()).containsExactly("autoupdate.checked");
    assertThat(events.get(0).stack()).isEqualTo("shop");
    assertThat(events.get(0).data().path("trigger").asText()).isEqualTo(AutoUpdates.SCHEDULE);
    assertThat(events.get(0).data().path("services").get(0).path("digest").asText()).isEqualTo(A);
    assertThat(updates.view().get(0).nextCheck())
        .as("03:00 is outside 02:00-03:00: the next is tomorrow's opening")
        .isEqualTo(Instant.parse("2026-12-05T02:00:00Z"));
    // a reload: every 5 minutes, any time
    fleet.set(fleet("*/5 * * * *", null));
    clock.now = Instant.parse("2026-12-04T02:01:00Z");
    scheduler.last().run();
    assertThat(updates.view().get(0).nextCheck()).isEqualTo(Instant.parse("2026-12-04T02:05:00Z"));
    assertThat(scheduler.delays.get(scheduler.delays.size() - 1)).isEqualTo(Duration.ofMinutes(4));
    updates.close();
    assertThat(scheduler.closed).isTrue();
  }

  @Test
  void twoReplicasOnOneStoreCheckAScheduledTimeOnce() {
    ManualScheduler otherTimer = new ManualScheduler();
    try (AutoUpdates other =
        new AutoUpdates(
                store,
                fleet::get,
                clock,
                events::add,
                ref -> digest.get(),
                stack -> Map.of("api", REF),
                said::add)
            .starter((stack, images, waves, gate, reason) -> "rollout-other")) {
      updates.onceAcross(new ClusterJobs(store.clusterJobs(), "replica-a", said::add));
      other.onceAcross(new ClusterJobs(store.clusterJobs(), "replica-b", said::add));
      updates.start(scheduler);
      other.start(otherTimer);
      clock.now = Instant.parse("2026-12-04T02:00:00Z");
      scheduler.last().run();
      otherTimer.last().run();
      // one registry check, on the replica that asked first; the other skipped this time
      assertThat(types()).containsExactly("autoupdate.checked");
    }
  }

  @Test
  void aNewDigestStartsOneRolloutAndIsNeverAttemptedAgain() {
    clock.now = Instant.parse("2026-12-04T02:10:00Z");
    StackCheck first = checkNow();
    assertThat(first.services().get(0).state()).isEqualTo(State.CURRENT);
    assertThat(starts).isEmpty();

    digest.set(B);
    StackCheck second = checkNow();
    assertThat(second.rolloutId()).isEqualTo("rollout-1");
    assertThat(second.services().get(0).state()).isEqualTo(State.STARTED);
    assertThat(starts).containsExactly(Map.of("api", "127.0.0.1:5000/shop/api@" + B));
    assertThat(types()).contains("autoupdate.started");
    ServerEvent started =
        events.stream().filter(e -> e.type().equals("autoupdate.started")).findFirst().get();
    assertThat(started.data().path("rollout").asText()).isEqualTo("rollout-1");
    List<AuditLog.Event> audit =
        store.audit().find(new AuditLog.Query(null, null, null, null, null, null, null, 50));
    assertThat(audit)
        .anySatisfy(
            e -> {
              assertThat(e.actor()).isEqualTo(AutoUpdates.ACTOR);
              assertThat(e.action()).isEqualTo("autoupdate.start");
              assertThat(e.project()).isEqualTo("shop");
              assertThat(e.target()).isEqualTo("rollout-1");
              assertThat(e.before()).isEqualTo("api=" + A);
              assertThat(e.after()).isEqualTo("api=127.0.0.1:5000/shop/api@" + B);
            });

    // it halted: the same digest is not attempted again, however often it is checked
    store.autoUpdates().outcome("rollout-1", "halted");
    events.clear();
    StackCheck third = checkNow();
    assertThat(third.rolloutId()).isNull();
    assertThat(third.services().get(0).state()).isEqualTo(State.ATTEMPTED);
    assertThat(third.services().get(0).message())
        .contains("was attempted already (rollout rollout-1, halted)");
    assertThat(checkNow().rolloutId()).isNull();
    assertThat(starts).hasSize(1);
    assertThat(types()).contains("autoupdate.skipped").doesNotContain("autoupdate.started");

    // a new push is a new digest
    digest.set(C);
    assertThat(checkNow().rolloutId()).isEqualTo("rollout-2");
    // once its rollout finished, the digest is what runs
    store.autoUpdates().outcome("rollout-2", AutoUpdate.FINISHED);
    StackCheck done = checkNow();
    assertThat(done.services().get(0).state()).isEqualTo(State.CURRENT);
    assertThat(done.services().get(0).message()).contains("rolled out by rollout-2");
    assertThat(store.autoUpdates().seen("shop").get("api").digest()).isEqualTo(C);
    assertThat(starts.get(1)).isEqualTo(Map.of("api", "127.0.0.1:5000/shop/api@" + C));
    assertThat(starts).hasSize(2);
    assertThat(store.autoUpdates().attempts("shop", 10))
        .extracting(a -> a.digest() + " " + a.rolloutId() + " " + a.outcome())
        .containsExactly(C + " rollout-2 finished", B + " rollout-1 halted");
  }

  @Test
  void aClaimLeftWithoutItsRolloutIsReleasedAfterTenMinutesAndTriedAgain() {
    clock.now = Instant.parse("2026-12-04T02:10:00Z");
    checkNow();
    digest.set(B);
    // a check claimed B and stopped (crashed) before it named the rollout it started
    store
        .autoUpdates()
        .add(
            new dev.selvedge.port.AutoUpdateStore.Attempt(
                0, "shop", "api", B, "", clock.instant(), null))
        .orElseThrow();
    clock.now = Instant.parse("2026-12-04T02:15:00Z");
    StackCheck young = checkNow();
    assertThat(young.services().get(0).state()).isEqualTo(State.ATTEMPTED);
    assertThat(starts).isEmpty();
    clock.now = Instant.parse("2026-12-04T02:20:00Z");
    StackCheck retried = checkNow();
    assertThat(retried.rolloutId()).isEqualTo("rollout-1");
    assertThat(retried.services().get(0).state()).isEqualTo(State.STARTED);
    assertThat(store.autoUpdates().find("shop", "api", B))
        .hasValueSatisfying(a -> assertThat(a.rolloutId()).isEqualTo("rollout-1"));
  }

  /** A registry fake that says whether it was closed. */
  private static final class ClosableRegistry implements RegistryDigests, AutoCloseable {
    volatile boolean closed;

    @Override
    public String digest(String reference) {
      return A;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void closingTheJobClosesTheRegistryClientItOwns() {
    ClosableRegistry registry = new ClosableRegistry();
    AutoUpdates own =
        new AutoUpdates(
            store, fleet::get, clock, events::add, registry, stack -> Map.of(), said::add);
    assertThat(registry.closed).isFalse();
    own.close();
    assertThat(registry.closed).isTrue();
  }

  @Test
  void aRefusedStartIsTriedAgainAtTheNextCheck() {
    clock.now = Instant.parse("2026-12-04T02:10:00Z");
    checkNow();
    digest.set(B);
    refuse.set(new RolloutStarter.Refused("a rollout of stack shop is running", true));
    StackCheck busy = checkNow();
    assertThat(busy.rolloutId()).isNull();
    assertThat(busy.retry()).isTrue();
    assertThat(busy.skipped())
        .contains("the rollout was refused: a rollout of stack shop is running")
        .contains("tried again at the next check");
    assertThat(store.autoUpdates().find("shop", "api", B)).isEmpty();
    ServerEvent skipped =
        events.stream().filter(e -> e.type().equals("autoupdate.skipped")).findFirst().get();
    assertThat(skipped.data().path("retry").asBoolean()).isTrue();
    refuse.set(null);
    assertThat(checkNow().rolloutId()).isEqualTo("rollout-1");
    assertThat(starts).hasSize(1);
  }

  @Test
  void aCheckOutsideTheWindowStartsNothingAndWaitsForItsOpening() {
    clock.now = Instant.parse("2026-12-04T12:00:00Z");
    checkNow();
    digest.set(B);
    StackCheck outside = checkNow();
    assertThat(outside.rolloutId()).isNull();
    assertThat(outside.due()).hasSize(1);
    assertThat(outside.skipped())
        .isEqualTo(
            "outside the window 02:00-03:00 UTC; waits for its opening at 2026-12-05T02:00:00Z");
    assertThat(starts).isEmpty();
    clock.now = Instant.parse("2026-12-05T02:00:00Z");
    assertThat(checkNow().rolloutId()).isEqualTo("rollout-1");
  }

  @Test
  void anUnknownServiceOrAFailingRegistryIsSaidAndStartsNothing() {
    Fleet.AutoUpdate bad =
        new Fleet.AutoUpdate(
            CronSchedule.parse("0 3 * * *"),
            List.of("api", "worker", "db"),
            null,
            Fleet.AutoUpdate.DEFAULT_WAVES,
            Duration.ofMinutes(3));
    AutoUpdate.Target target =
        new AutoUpdate.Target(
            "shop", bad, new Fleet.Stack("shop", tmp, "shop", null, bad), Map.of("one", "shop"));
    StackCheck c =
        new AutoUpdate(
                ref -> {
                  throw new RegistryDigests.Failed("registry down for " + ref, 0);
                },
                store,
                stack -> Map.of("api", REF, "db", "postgres:16"),
                RolloutStarter.unavailable("no"),
                clock)
            .check(target, true);
    assertThat(c.services())
        .extracting(s -> s.service() + ": " + s.state() + ": " + s.message())
        .containsExactly(
            "api: FAILED: registry down for " + REF,
            "worker: FAILED: service 'worker' of auto_update is not in the contract "
                + tmp
                + " (services: api, db)",
            "db: FAILED: registry down for postgres:16");
    assertThat(c.rolloutId()).isNull();
  }

  @Test
  void aServerWithoutARolloutServiceSaysSoAndKeepsTrying() {
    updates.starter(RolloutStarter.unavailable("rollouts are not available in this build"));
    clock.now = Instant.parse("2026-12-04T02:10:00Z");
    checkNow();
    digest.set(B);
    StackCheck c = checkNow();
    assertThat(c.skipped())
        .isEqualTo(
            "the rollout was refused: rollouts are not available in this build; tried again at"
                + " the next check");
    assertThat(said).anyMatch(s -> s.contains("auto-update of shop not started"));
    assertThat(store.autoUpdates().attempts("shop", 10)).isEmpty();
  }
}
