package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.selvedge.SelvedgeException;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.Deployment.Kind;
import dev.selvedge.port.Deployment.Outcome;
import dev.selvedge.port.Deployment.ServiceImage;
import dev.selvedge.port.DeploymentStore;
import dev.selvedge.port.Lease;
import dev.selvedge.port.LeaseHeldException;
import dev.selvedge.port.Store;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every store adapter must do; {@link H2StoreTest} and {@code PostgresStoreIT} run it. Each
 * test uses its own project names, so tests sharing a database do not see each other.
 */
abstract class StoreContract {
  static final String HOST = "unix:///var/run/docker.sock";
  static final String OTHER_HOST = "ssh://deploy@db-1:22";
  static final Duration TTL = Duration.ofMinutes(5);

  /** The database of this test; the same for every call within one test. */
  protected abstract StoreConfig config();

  protected TestClock clock;
  protected Store store;
  private final List<Store> opened = new ArrayList<>();
  private String project;

  @BeforeEach
  void openStore() {
    clock = new TestClock(Instant.parse("2025-06-01T12:00:00.000001Z"));
    project = "shop-" + UUID.randomUUID().toString().substring(0, 8);
    store = open();
  }

  @AfterEach
  void closeStores() {
    opened.forEach(Store::close);
  }

  /** Another store on the same database, closed after the test. */
  protected Store open() {
    return open(clock);
  }

  /** Another store on the same database whose process's clock is {@code c}. */
  protected Store open(java.time.Clock c) {
    Store s = Stores.open(config(), c);
    opened.add(s);
    return s;
  }

  /** A replica's clock {@code by} off the machine's (which the database shares in tests). */
  static java.time.Clock skewed(Duration by) {
    return java.time.Clock.offset(java.time.Clock.systemUTC(), by);
  }

  protected String project() {
    return project;
  }

  // --- deployments -------------------------------------------------------------------------

  @Test
  void aDeploymentRoundTripsWithEveryField() {
    long target = store.deployments().begin(Drafts.of(HOST, project, Outcome.HEALTHY)).id();
    Map<String, Map<String, String>> fingerprints = new LinkedHashMap<>();
    fingerprints.put("web", Map.of("TOKEN", "hmac:1f2e", "GRÜSSE", "hmac:ß✓"));
    fingerprints.put("db", Map.of());
    Deployment draft =
        new Deployment(
            99,
            HOST,
            project,
            Kind.ROLLBACK,
            "3f2c1a9e",
            "zoë@büro-1 🚀",
            Instant.parse("2025-03-01T10:15:30.123456789Z"),
            null,
            Outcome.RUNNING,
            true,
            "{\"name\":\"Ünïcødé — 日本語\",\"services\":{}}",
            List.of(
                new ServiceImage("web", "registry:5000/app:1.4", "sha256:aa", "app@sha256:bb"),
                new ServiceImage("worker", "local/worker:dev", "sha256:cc", null)),
            fingerprints,
            target,
            "");

    Deployment begun = store.deployments().begin(draft);

    assertThat(begun.id()).isPositive().isNotEqualTo(99);
    assertThat(begun.startedAt()).isEqualTo(Instant.parse("2025-03-01T10:15:30.123456Z"));
    assertThat(store.deployments().find(begun.id())).contains(begun);
    Deployment found = store.deployments().find(begun.id()).orElseThrow();
    assertThat(found.images()).isEqualTo(draft.images());
    assertThat(found.envFingerprints()).isEqualTo(draft.envFingerprints());
    assertThat(found.actor()).isEqualTo("zoë@büro-1 🚀");
    assertThat(found.renderedConfig()).isEqualTo(draft.renderedConfig());
    assertThat(found.forced()).isTrue();
    assertThat(found.rollbackOf()).isEqualTo(target);
    assertThat(found.kind()).isEqualTo(Kind.ROLLBACK);

    Instant end = Instant.parse("2025-03-01T10:16:02.5Z");
    store.deployments().finish(begun.id(), Outcome.FAILED, "web: health gate failed ✗", end);

    Deployment finished = store.deployments().find(begun.id()).orElseThrow();
    assertThat(finished.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(finished.summary()).isEqualTo("web: health gate failed ✗");
    assertThat(finished.finishedAt()).isEqualTo(end);
    assertThat(finished.images()).isEqualTo(begun.images());
  }

  @Test
  void nullsAndEmptiesRoundTrip() {
    Deployment draft =
        new Deployment(
            0,
            HOST,
            project,
            Kind.APPLY,
            null,
            null,
            null,
            null,
            Outcome.RUNNING,
            false,
            null,
            List.of(),
            Map.of(),
            null,
            null);
    Deployment begun = store.deployments().begin(draft);
    assertThat(store.deployments().find(begun.id())).contains(begun);
    assertThat(begun.summary()).isEmpty();
  }

  @Test
  void unknownDeploymentsAreAbsentAndCannotBeFinished() {
    assertThat(store.deployments().find(Long.MAX_VALUE)).isEmpty();
    assertThatThrownBy(
            () -> store.deployments().finish(Long.MAX_VALUE, Outcome.HEALTHY, "", Instant.now()))
        .isInstanceOf(SelvedgeException.class)
        .hasMessageContaining(String.valueOf(Long.MAX_VALUE))
        .hasMessageContaining(store.location());
  }

  @Test
  void idsGrow() {
    long previous = 0;
    for (int i = 0; i < 4; i++) {
      long id = store.deployments().begin(Drafts.running(HOST, project)).id();
      assertThat(id).isGreaterThan(previous);
      previous = id;
    }
  }

  @Test
  void historyIsNewestFirstLimitedAndPerHostAndProject() {
    List<Long> mine = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      mine.add(store.deployments().begin(Drafts.running(HOST, project)).id());
      store.deployments().begin(Drafts.running(HOST, project + "-other"));
      store.deployments().begin(Drafts.running(OTHER_HOST, project));
    }

    List<Deployment> three = store.deployments().history(HOST, project, 3);

    assertThat(three)
        .extracting(Deployment::id)
        .containsExactly(mine.get(4), mine.get(3), mine.get(2));
    assertThat(three).allSatisfy(d -> assertThat(d.project()).isEqualTo(project));
    assertThat(store.deployments().history(HOST, project, 100)).hasSize(5);
    assertThat(store.deployments().history(OTHER_HOST, project, 100))
        .hasSize(5)
        .allSatisfy(d -> assertThat(d.host()).isEqualTo(OTHER_HOST));
    assertThat(store.deployments().history(HOST, project, 0)).isEmpty();
    assertThat(store.deployments().history(HOST, "never-deployed", 10)).isEmpty();
  }

  @Test
  void lastHealthySkipsEverythingButHealthy() {
    assertThat(store.deployments().lastHealthy(HOST, project)).isEmpty();
    Deployment older = store.deployments().begin(Drafts.of(HOST, project, Outcome.HEALTHY));
    Deployment healthy = store.deployments().begin(Drafts.of(HOST, project, Outcome.HEALTHY));
    store.deployments().begin(Drafts.of(HOST, project, Outcome.ROLLED_BACK));
    store.deployments().begin(Drafts.of(HOST, project, Outcome.FAILED));
    store.deployments().begin(Drafts.of(HOST, project, Outcome.INTERRUPTED));
    store.deployments().begin(Drafts.of(HOST, project, Outcome.RUNNING));
    store.deployments().begin(Drafts.of(OTHER_HOST, project, Outcome.HEALTHY));

    assertThat(store.deployments().lastHealthy(HOST, project)).contains(healthy);
    assertThat(healthy.id()).isGreaterThan(older.id());
  }

  @Test
  void aFinishedDeploymentBecomesTheLastHealthy() {
    Deployment d = store.deployments().begin(Drafts.running(HOST, project));
    assertThat(store.deployments().lastHealthy(HOST, project)).isEmpty();
    store.deployments().finish(d.id(), Outcome.HEALTHY, "all healthy", clock.instant());
    assertThat(store.deployments().lastHealthy(HOST, project))
        .hasValueSatisfying(h -> assertThat(h.id()).isEqualTo(d.id()));
  }

  @Test
  void markInterruptedTouchesOnlyThisProjectsRunningDeployments() {
    Deployment a = store.deployments().begin(Drafts.running(HOST, project));
    Deployment b = store.deployments().begin(Drafts.running(HOST, project));
    Deployment healthy = store.deployments().begin(Drafts.of(HOST, project, Outcome.HEALTHY));
    Deployment elsewhere = store.deployments().begin(Drafts.running(OTHER_HOST, project));
    Instant at = Instant.parse("2025-06-01T13:00:00Z");

    assertThat(store.deployments().markInterrupted(HOST, project, at)).isEqualTo(2);

    for (Deployment d : List.of(a, b)) {
      Deployment now = store.deployments().find(d.id()).orElseThrow();
      assertThat(now.outcome()).isEqualTo(Outcome.INTERRUPTED);
      assertThat(now.finishedAt()).isEqualTo(at);
    }
    assertThat(store.deployments().find(healthy.id())).contains(healthy);
    assertThat(store.deployments().find(elsewhere.id())).contains(elsewhere);
    assertThat(store.deployments().markInterrupted(HOST, project, at)).isZero();
  }

  @Test
  void anInterruptedDeploymentKeepsThatOutcomeWhenItsOldRunFinishesLate() {
    Deployment late = store.deployments().begin(Drafts.running(HOST, project));
    store.deployments().markInterrupted(HOST, project, Instant.parse("2025-06-01T13:00:00Z"));
    store.deployments().finish(late.id(), Outcome.HEALTHY, "healthy", clock.instant());
    assertThat(store.deployments().find(late.id()).orElseThrow().outcome())
        .isEqualTo(Outcome.INTERRUPTED);
    assertThat(store.deployments().lastHealthy(HOST, project)).isEmpty();
  }

  @Test
  void aSpooledEndingSettlesARunningOrInterruptedDeploymentOnly() {
    Instant at = Instant.parse("2025-06-01T13:05:00Z");
    Deployment running = store.deployments().begin(Drafts.running(HOST, project));
    assertThat(
            store.deployments().settle(running.id(), Outcome.HEALTHY, "healthy; applied: web", at))
        .isTrue();
    Deployment settled = store.deployments().find(running.id()).orElseThrow();
    assertThat(settled.outcome()).isEqualTo(Outcome.HEALTHY);
    assertThat(settled.summary()).isEqualTo("healthy; applied: web");
    assertThat(settled.finishedAt()).isEqualTo(at);

    Deployment interrupted = store.deployments().begin(Drafts.running(HOST, project));
    store.deployments().markInterrupted(HOST, project, Instant.parse("2025-06-01T13:00:00Z"));
    assertThat(store.deployments().settle(interrupted.id(), Outcome.HEALTHY, "healthy", at))
        .isTrue();
    assertThat(store.deployments().lastHealthy(HOST, project).orElseThrow().id())
        .isEqualTo(interrupted.id());

    Deployment failed = store.deployments().begin(Drafts.of(HOST, project, Outcome.FAILED));
    assertThat(store.deployments().settle(failed.id(), Outcome.HEALTHY, "healthy", at)).isFalse();
    assertThat(store.deployments().find(failed.id())).contains(failed);
    assertThat(store.deployments().settle(Long.MAX_VALUE, Outcome.HEALTHY, "", at)).isFalse();
  }

  @Test
  void pinsAreRecordedAfterBeginAndANoOpRunIsDiscardedWhileRunningOnly() {
    Deployment d = store.deployments().begin(Drafts.running(HOST, project()));
    List<ServiceImage> pins =
        List.of(new ServiceImage("web", "nginx:1.27", "sha256:" + "a".repeat(64), null));
    store.deployments().pin(d.id(), pins);
    assertThat(store.deployments().find(d.id()).orElseThrow().images()).isEqualTo(pins);

    assertThat(store.deployments().discard(d.id())).isTrue();
    assertThat(store.deployments().find(d.id())).isEmpty();

    Deployment done = store.deployments().begin(Drafts.running(HOST, project()));
    store.deployments().finish(done.id(), Outcome.HEALTHY, "healthy", clock.instant());
    assertThat(store.deployments().discard(done.id())).isFalse();
    store.deployments().pin(done.id(), List.of());
    assertThat(store.deployments().find(done.id()).orElseThrow().images())
        .isEqualTo(Drafts.running(HOST, project()).images());
  }

  // --- leases ------------------------------------------------------------------------------

  @Test
  void acquireGivesALeaseUntilTheDatabasesNowPlusTtl() {
    Instant before = databaseNow();
    Lease lease = store.leases().acquire(HOST, project, "ana@box pid 1", "apply", TTL);
    Instant after = databaseNow();

    assertThat(lease.host()).isEqualTo(HOST);
    assertThat(lease.project()).isEqualTo(project);
    assertThat(lease.owner()).isEqualTo("ana@box pid 1");
    assertThat(lease.operation()).isEqualTo("apply");
    assertThat(lease.token()).isNotBlank();
    // The database's now, not the process's clock (set to 2025 in these tests)
    assertThat(lease.acquiredAt()).isBetween(before, after);
    assertThat(lease.expiresAt()).isEqualTo(lease.acquiredAt().plus(TTL));
    assertThat(store.leases().current(HOST, project)).contains(lease);
    assertThat(store.leases().current(OTHER_HOST, project)).isEmpty();
  }

  @Test
  void aLeaseKeepsItsHolderAndWhatItRestoresAndATakeOverFromTheDeadStartsClean() {
    Lease.Holder ana = new Lease.Holder("6f1c-boot", "pid:[4026531836]", 4242, 987654321L);
    Lease lease = store.leases().acquire(HOST, project, "ana@box pid 4242", "apply", TTL, ana);
    assertThat(lease.holder()).isEqualTo(ana);
    assertThat(lease.restoring()).isEmpty();

    Map<String, Lease.Restore> restoring =
        Map.of(
            "web", new Lease.Restore("c0ffee", project + "-web-1", "beef", true),
            "worker", new Lease.Restore("f00d", project + "-worker-1", null, false));
    Lease recorded = store.leases().restoring(lease, restoring);
    assertThat(recorded.restoring()).isEqualTo(restoring);
    // Renewing keeps the record; what another process reads is all of it.
    store.leases().renew(recorded, TTL);
    Lease read = store.leases().current(HOST, project).orElseThrow();
    assertThat(read.holder()).isEqualTo(ana);
    assertThat(read.restoring()).isEqualTo(restoring);
    LeaseHeldException refused =
        catchThrowableOfType(
            LeaseHeldException.class,
            () -> store.leases().acquire(HOST, project, "bo@box", "apply", TTL, null));
    assertThat(refused.holder().restoring()).isEqualTo(restoring);

    Lease taken = store.leases().takeOver(read, "bo@box pid 7", "apply", TTL, null);
    assertThat(taken.token()).isNotEqualTo(read.token());
    Lease now = store.leases().current(HOST, project).orElseThrow();
    assertThat(now).isEqualTo(taken);
    assertThat(now.holder()).isNull();
    // The restores stay recorded until the new holder has finished them.
    assertThat(now.restoring()).isEqualTo(restoring);
    // Only one of two processes taking over the same dead holder wins; the other is told who.
    LeaseHeldException late =
        catchThrowableOfType(
            LeaseHeldException.class,
            () -> store.leases().takeOver(read, "cy@box pid 8", "apply", TTL, null));
    assertThat(late.holder()).isEqualTo(taken);
    // The dead holder's token records nothing any more.
    assertThatThrownBy(() -> store.leases().restoring(read, Map.of()))
        .isInstanceOf(LeaseHeldException.class);
    assertThat(store.leases().restoring(taken, Map.of()).restoring()).isEmpty();
  }

  @Test
  void aSecondAcquireIsRefusedNamingTheHolder() {
    Lease first = store.leases().acquire(HOST, project, "ana@box pid 1", "apply", TTL);

    LeaseHeldException e =
        catchThrowableOfType(
            LeaseHeldException.class,
            () -> store.leases().acquire(HOST, project, "bo@laptop pid 2", "rollback", TTL));

    assertThat(e.holder()).isEqualTo(first);
    assertThat(e.getMessage())
        .contains("ana@box pid 1")
        .contains("'apply'")
        .contains("since " + first.acquiredAt())
        .contains(project)
        .contains(HOST);
    // Another project, or the same project on another host, is free.
    store.leases().acquire(HOST, project + "-2", "bo@laptop pid 2", "apply", TTL);
    store.leases().acquire(OTHER_HOST, project, "bo@laptop pid 2", "apply", TTL);
  }

  @Test
  void anExpiredLeaseIsTakenOver() {
    Lease old = store.leases().acquire(HOST, project, "ana@box pid 1", "apply", TTL);
    ageLease(HOST, project, TTL);
    assertThat(store.leases().current(HOST, project)).isEmpty();

    Lease taken = store.leases().acquire(HOST, project, "bo@laptop pid 2", "rollback", TTL);

    assertThat(taken.token()).isNotEqualTo(old.token());
    assertThat(taken.owner()).isEqualTo("bo@laptop pid 2");
    assertThat(store.leases().current(HOST, project)).contains(taken);

    // The old holder lost it: renewing says who has it now, releasing does nothing.
    LeaseHeldException e =
        catchThrowableOfType(LeaseHeldException.class, () -> store.leases().renew(old, TTL));
    assertThat(e.holder()).isEqualTo(taken);
    assertThat(e.getMessage()).contains("bo@laptop pid 2").contains("'rollback'");
    store.leases().release(old);
    assertThat(store.leases().current(HOST, project)).contains(taken);
  }

  @Test
  void anExpiredLeaseTakenOverKeepsWhatItWasRestoringForTheNewHolder() {
    Lease old = store.leases().acquire(HOST, project, "ana@box pid 1", "apply", TTL);
    Map<String, Lease.Restore> restoring =
        Map.of("web", new Lease.Restore("old1", project + "-web-1", "new2", true));
    store.leases().restoring(old, restoring);
    ageLease(HOST, project, TTL);

    Lease taken = store.leases().acquire(HOST, project, "bo@laptop pid 2", "apply", TTL);

    assertThat(taken.restoring()).isEqualTo(restoring);
    assertThat(store.leases().current(HOST, project)).contains(taken);
    // A project nobody held starts with nothing to restore.
    assertThat(
            store
                .leases()
                .acquire(HOST, project + "-2", "bo@laptop pid 2", "apply", TTL)
                .restoring())
        .isEmpty();
  }

  @Test
  void renewExtendsTheLease() {
    Lease lease = store.leases().acquire(HOST, project, "ana@box", "apply", TTL);
    ageLease(HOST, project, Duration.ofMinutes(4)); // a minute left

    Instant before = databaseNow();
    Lease renewed = store.leases().renew(lease, Duration.ofMinutes(10));
    Instant after = databaseNow();

    assertThat(renewed.token()).isEqualTo(lease.token());
    assertThat(renewed.acquiredAt()).isEqualTo(lease.acquiredAt());
    assertThat(renewed.expiresAt())
        .isBetween(before.plus(Duration.ofMinutes(10)), after.plus(Duration.ofMinutes(10)));
    assertThat(store.leases().current(HOST, project)).contains(renewed);
    // Past the end of the first term, within the renewed one: still held
    ageLease(HOST, project, Duration.ofMinutes(5));
    assertThat(store.leases().current(HOST, project))
        .hasValueSatisfying(l -> assertThat(l.token()).isEqualTo(lease.token()));
    assertThatThrownBy(() -> store.leases().acquire(HOST, project, "bo", "apply", TTL))
        .isInstanceOf(LeaseHeldException.class);
  }

  @Test
  void anExpiredLeaseNobodyTookCanStillBeRenewed() {
    Lease lease = store.leases().acquire(HOST, project, "ana@box", "apply", TTL);
    ageLease(HOST, project, TTL.plusMinutes(1));
    assertThat(store.leases().current(HOST, project)).isEmpty();

    Lease renewed = store.leases().renew(lease, TTL);

    assertThat(store.leases().current(HOST, project)).contains(renewed);
  }

  @Test
  void renewingAReleasedLeaseSaysItIsGone() {
    Lease lease = store.leases().acquire(HOST, project, "ana@box", "apply", TTL);
    store.leases().release(lease);

    LeaseHeldException e =
        catchThrowableOfType(LeaseHeldException.class, () -> store.leases().renew(lease, TTL));

    assertThat(e.holder()).isNull();
    assertThat(e.getMessage()).contains("gone").contains(project);
  }

  @Test
  void releaseFreesTheProjectAndIsIdempotent() {
    Lease lease = store.leases().acquire(HOST, project, "ana@box", "apply", TTL);
    store.leases().release(lease);
    store.leases().release(lease);
    assertThat(store.leases().current(HOST, project)).isEmpty();

    Lease next = store.leases().acquire(HOST, project, "bo@laptop", "apply", TTL);
    store.leases().release(lease); // the old token: must not free bo's lease
    assertThat(store.leases().current(HOST, project)).contains(next);
  }

  @Test
  void releaseByTokenFreesOnlyThatHolding() {
    Lease lease = store.leases().acquire(HOST, project, "ana@box", "apply", TTL);
    store.leases().release(HOST, project, "another-token");
    assertThat(store.leases().current(HOST, project)).contains(lease);
    store.leases().release(HOST, project, lease.token());
    assertThat(store.leases().current(HOST, project)).isEmpty();
  }

  @Test
  void ttlMustBePositive() {
    assertThatThrownBy(() -> store.leases().acquire(HOST, project, "a", "apply", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void operationLeasesRunOnTheDatabasesClockWhateverTheHoldersClocksSay() {
    // A CLI on a laptop whose clock is 10 minutes behind, a server replica 10 minutes ahead.
    var laptop = open(skewed(Duration.ofMinutes(-10))).leases();
    var replica = open(skewed(Duration.ofMinutes(10))).leases();
    Instant before = databaseNow();
    Lease mine = laptop.acquire(HOST, project, "ana@laptop pid 1", "apply", TTL);
    Instant after = databaseNow();
    assertThat(mine.expiresAt()).isBetween(before.plus(TTL), after.plus(TTL));
    // The replica's clock is past the end the laptop's would give the lease: it is live.
    assertThat(replica.current(HOST, project)).contains(mine);
    assertThat(
            catchThrowableOfType(
                    LeaseHeldException.class,
                    () -> replica.acquire(HOST, project, "replica-a", "apply", TTL))
                .holder())
        .isEqualTo(mine);
    Lease renewed = laptop.renew(mine, TTL);
    assertThat(renewed.expiresAt()).isAfterOrEqualTo(mine.expiresAt());

    // The laptop dies: its lease ends TTL after its last renewal on the database's clock, though
    // the laptop's clock would still call it live.
    ageLease(HOST, project, TTL.plusSeconds(1));
    assertThat(laptop.current(HOST, project)).isEmpty();
    Lease taken = replica.acquire(HOST, project, "replica-a", "apply", TTL);
    assertThat(taken.expiresAt()).isAfter(renewed.expiresAt());
    // The replica's lease is live for the laptop too, whose clock never reaches the end the
    // replica's would give; the laptop's old holding renews nothing.
    assertThat(laptop.current(HOST, project)).contains(taken);
    assertThat(
            catchThrowableOfType(
                    LeaseHeldException.class,
                    () -> laptop.acquire(HOST, project, "ana@laptop pid 2", "apply", TTL))
                .holder())
        .isEqualTo(taken);
    assertThat(
            catchThrowableOfType(LeaseHeldException.class, () -> laptop.renew(renewed, TTL))
                .holder())
        .isEqualTo(taken);

    // The replica dies: its lease ends TTL later, not 10 minutes later.
    ageLease(HOST, project, TTL.plusSeconds(1));
    Lease back = laptop.acquire(HOST, project, "ana@laptop pid 2", "apply", TTL);
    assertThat(replica.current(HOST, project)).contains(back);
    assertThatThrownBy(() -> replica.renew(taken, TTL)).isInstanceOf(LeaseHeldException.class);
  }

  @Test
  void racingAcquiresHaveExactlyOneWinner() throws Exception {
    Store other = open();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 8; round++) {
        String p = project + "-race-" + round;
        if (round % 2 == 1) {
          // Odd rounds race to take over an expired lease rather than to insert the first row.
          store.leases().acquire(HOST, p, "dead@box", "apply", Duration.ofSeconds(1));
          ageLease(HOST, p, Duration.ofSeconds(2));
        }
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<Lease>> racers = new ArrayList<>();
        for (Store s : List.of(store, other)) {
          String owner = s == store ? "first" : "second";
          racers.add(
              pool.submit(
                  () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return s.leases().acquire(HOST, p, owner, "apply", TTL);
                  }));
        }
        List<Lease> winners = new ArrayList<>();
        List<LeaseHeldException> losers = new ArrayList<>();
        for (Future<Lease> racer : racers) {
          try {
            winners.add(racer.get(30, TimeUnit.SECONDS));
          } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof LeaseHeldException held) {
              losers.add(held);
            } else {
              throw e;
            }
          }
        }
        assertThat(winners).as("round %d", round).hasSize(1);
        assertThat(losers).as("round %d", round).hasSize(1);
        assertThat(losers.get(0).holder()).isEqualTo(winners.get(0));
        assertThat(store.leases().current(HOST, p)).contains(winners.get(0));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aTakeoverWaitsForAConcurrentOneAndThenSeesItLost() throws Exception {
    // What acquire's atomicity rests on: an UPDATE ... WHERE expires_at <= now that had to wait
    // for another transaction's change of the row re-reads it and no longer matches.
    store.leases().acquire(HOST, project, "dead@box", "apply", Duration.ofSeconds(1));
    ageLease(HOST, project, Duration.ofSeconds(2));
    StoreConfig c = config();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Connection other = DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password())) {
      other.setAutoCommit(false);
      try (var st =
          other.prepareStatement(
              "UPDATE lease SET owner = 'other@box', token = 'other-token', expires_at = ?"
                  + " WHERE host = ? AND project = ?")) {
        st.setObject(1, databaseNow().plus(TTL).atOffset(java.time.ZoneOffset.UTC));
        st.setString(2, HOST);
        st.setString(3, project);
        assertThat(st.executeUpdate()).isEqualTo(1);
      }
      Future<Lease> racer =
          pool.submit(() -> store.leases().acquire(HOST, project, "late@box", "apply", TTL));
      Thread.sleep(300); // let it reach the locked row
      assertThat(racer).as("waits for the row").isNotDone();
      other.commit();

      Throwable e =
          catchThrowableOfType(
              java.util.concurrent.ExecutionException.class, () -> racer.get(30, TimeUnit.SECONDS));
      assertThat(e.getCause()).isInstanceOf(LeaseHeldException.class);
      assertThat(((LeaseHeldException) e.getCause()).holder().owner()).isEqualTo("other@box");
    } finally {
      pool.shutdownNow();
    }
  }

  // --- audit log ----------------------------------------------------------------------------

  @Test
  void auditEventsRoundTripNewestFirstPerHostAndProject() {
    AuditLog.Event restart =
        new AuditLog.Event(
            0,
            clock.instant(),
            "ana@box (pid 7)",
            HOST,
            project,
            "proxy",
            "restart",
            project + "-proxy-1",
            "done",
            "");
    AuditLog.Event failed =
        new AuditLog.Event(
            0,
            clock.instant(),
            "ana@box (pid 8)",
            HOST,
            project,
            null,
            "remove network",
            project + "_default",
            "failed",
            "network has active endpoints");
    store.audit().record(restart);
    store.audit().record(failed);
    store
        .audit()
        .record(
            new AuditLog.Event(
                0, clock.instant(), "x", OTHER_HOST, project, null, "stop", "c", "done", ""));

    List<AuditLog.Event> events = store.audit().recent(HOST, project, 10);
    assertThat(events).hasSize(2);
    assertThat(events.get(0).id()).isGreaterThan(events.get(1).id());
    assertThat(events.get(0)).usingRecursiveComparison().ignoringFields("id").isEqualTo(failed);
    assertThat(events.get(1)).usingRecursiveComparison().ignoringFields("id").isEqualTo(restart);
    assertThat(store.audit().recent(HOST, project, 1)).hasSize(1);
    assertThat(store.audit().recent(HOST, "other-" + project, 10)).isEmpty();
  }

  private AuditLog.Event request(String actor, String node, String action, Instant at) {
    return new AuditLog.Event(
        0,
        at,
        actor,
        "127.0.0.1",
        action,
        node,
        null,
        project,
        "web",
        null,
        "sha256:aaaa",
        "sha256:bbbb",
        "accepted 202",
        "req-" + action.length(),
        "");
  }

  @Test
  void auditEventsKeepEveryFieldAndAreFoundByFilterNewestFirstInPages() {
    Instant t0 = clock.instant();
    AuditLog.Event first = request("key:ops-" + project, "app-1", "stack.apply", t0);
    store.audit().record(first);
    store
        .audit()
        .record(request("key:ops-" + project, "app-2", "service.restart", t0.plusSeconds(60)));
    store
        .audit()
        .record(request("key:ro-" + project, "app-1", "service.restart", t0.plusSeconds(120)));
    store.audit().record(request("anonymous", "app-1", "POST /api/v1/keys", t0.plusSeconds(180)));

    List<AuditLog.Event> all =
        store.audit().find(new AuditLog.Query(null, null, project, null, null, null, null, 100));
    assertThat(all).hasSize(4);
    assertThat(all)
        .extracting(AuditLog.Event::id)
        .isSortedAccordingTo((a, b) -> Long.compare(b, a));
    assertThat(all.get(3)).usingRecursiveComparison().ignoringFields("id").isEqualTo(first);

    assertThat(
            store
                .audit()
                .find(
                    new AuditLog.Query(
                        "key:ops-" + project, null, project, null, null, null, null, 100)))
        .extracting(AuditLog.Event::node)
        .containsExactly("app-2", "app-1");
    assertThat(
            store
                .audit()
                .find(
                    new AuditLog.Query(
                        null, "app-1", project, "service.restart", null, null, null, 100)))
        .extracting(AuditLog.Event::actor)
        .containsExactly("key:ro-" + project);
    assertThat(
            store
                .audit()
                .find(
                    new AuditLog.Query(
                        null,
                        null,
                        project,
                        null,
                        t0.plusSeconds(60),
                        t0.plusSeconds(180),
                        null,
                        100)))
        .extracting(AuditLog.Event::action)
        .containsExactly("service.restart", "service.restart");

    // Pages: newest first, the next page before the last id seen.
    List<AuditLog.Event> page1 =
        store.audit().find(new AuditLog.Query(null, null, project, null, null, null, null, 3));
    assertThat(page1).hasSize(3);
    List<AuditLog.Event> page2 =
        store
            .audit()
            .find(new AuditLog.Query(null, null, project, null, null, null, page1.get(2).id(), 3));
    assertThat(page2).extracting(AuditLog.Event::id).containsExactly(all.get(3).id());
  }

  /** A plain connection to the test's database, as an operator's SQL client would be. */
  private Connection sql() throws SQLException {
    StoreConfig c = config();
    return DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password());
  }

  @Test
  void theAuditTableRefusesUpdateDeleteAndTruncateByPlainSql() throws SQLException {
    store.audit().record(stop(HOST, project));
    AuditLog.Event kept = store.audit().recent(HOST, project, 1).get(0);
    try (Connection c = sql();
        Statement st = c.createStatement()) {
      for (String statement :
          List.of(
              "UPDATE audit_event SET outcome = 'forged' WHERE id = " + kept.id(),
              "UPDATE audit_event SET host = 'docker-daemon:FORGED' WHERE id = " + kept.id(),
              "DELETE FROM audit_event WHERE id = " + kept.id(),
              "DELETE FROM audit_event",
              "TRUNCATE TABLE audit_event")) {
        assertThatThrownBy(() -> st.execute(statement))
            .as(statement)
            .isInstanceOf(SQLException.class)
            .satisfies(
                e -> assertThat(e.getMessage()).containsAnyOf("append-only", "Cannot truncate"));
        if (!c.getAutoCommit()) {
          c.rollback();
        }
      }
    }
    assertThat(store.audit().recent(HOST, project, 1))
        .singleElement()
        .usingRecursiveComparison()
        .isEqualTo(kept);
  }

  @Test
  void retentionIsTheOneRemoverAndIsItselfAudited() throws SQLException {
    // Far older than any other test's events, which share the database.
    Instant old = Instant.parse("2001-01-01T00:00:00Z");
    Instant cutoff = Instant.parse("2001-06-01T00:00:00Z");
    store.audit().record(request("key:a-" + project, "app-1", "stack.apply", old));
    store.audit().record(request("key:a-" + project, "app-1", "stack.apply", old.plusSeconds(1)));
    store.audit().record(request("key:b-" + project, "app-1", "stack.apply", cutoff));

    AuditLog.Purged purged =
        store.audit().purge(cutoff, clock.instant(), "retention:" + project, "box-1");

    assertThat(purged.removed()).isEqualTo(2);
    assertThat(purged.cutoff()).isEqualTo(cutoff);
    assertThat(
            store.audit().find(new AuditLog.Query(null, null, project, null, null, null, null, 10)))
        .extracting(AuditLog.Event::actor)
        .containsExactly("key:b-" + project);
    List<AuditLog.Event> runs =
        store
            .audit()
            .find(
                new AuditLog.Query(
                    "retention:" + project, null, null, AuditLog.RETENTION, null, null, null, 10));
    assertThat(runs)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.detail()).isEqualTo("removed 2 events older than 2001-06-01T00:00:00Z");
              assertThat(r.source()).isEqualTo("box-1");
              assertThat(r.host()).isNull();
              assertThat(r.project()).isNull();
              assertThat(r.outcome()).isEqualTo("done");
            });
    // The pass closed with the run: the same database refuses a plain DELETE again.
    try (Connection c = sql();
        Statement st = c.createStatement()) {
      assertThatThrownBy(
              () -> st.execute("DELETE FROM audit_event WHERE actor = 'key:b-" + project + "'"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("append-only");
    }
    // And a second run finds nothing more to remove.
    assertThat(
            store.audit().purge(cutoff, clock.instant(), "retention:" + project, "box-1").removed())
        .isZero();
  }

  // --- engine identities ------------------------------------------------------------------

  /** An endpoint of this test only: adoption is per endpoint, across projects. */
  private String endpoint() {
    return "ssh://deploy@" + project + ".example.test:22";
  }

  private AuditLog.Event stop(String host, String project) {
    return AuditLog.Event.of(
        clock.instant(), "ana@box (pid 7)", host, project, "web", "stop", "c", "done", "");
  }

  @Test
  void rowsKeptUnderAnEndpointGoToTheFirstEngineSeenThroughItOnce() {
    String endpoint = endpoint();
    String daemon = "docker-daemon:AAAA:" + project;
    // What an earlier Selvedge recorded: keyed by the endpoint string, for two projects.
    Deployment old = store.deployments().begin(Drafts.of(endpoint, project, Outcome.HEALTHY));
    Deployment oldOther =
        store.deployments().begin(Drafts.of(endpoint, project + "-b", Outcome.FAILED));
    store.audit().record(stop(endpoint, project));
    Deployment elsewhere =
        store.deployments().begin(Drafts.of(OTHER_HOST, project, Outcome.HEALTHY));

    assertThat(store.deployments().adopt(endpoint, daemon))
        .isEqualTo(new DeploymentStore.Adopted(2, 1));

    assertThat(store.deployments().history(daemon, project, 10))
        .extracting(Deployment::id)
        .containsExactly(old.id());
    assertThat(store.deployments().history(daemon, project + "-b", 10))
        .extracting(Deployment::id)
        .containsExactly(oldOther.id());
    assertThat(store.deployments().find(old.id()))
        .hasValueSatisfying(d -> assertThat(d.host()).isEqualTo(daemon));
    assertThat(store.deployments().lastHealthy(daemon, project))
        .map(Deployment::id)
        .contains(old.id());
    assertThat(store.deployments().history(endpoint, project, 10)).isEmpty();
    assertThat(store.audit().recent(daemon, project, 10))
        .singleElement()
        .satisfies(e -> assertThat(e.host()).isEqualTo(daemon));
    assertThat(store.audit().recent(endpoint, project, 10)).isEmpty();
    assertThat(store.deployments().find(elsewhere.id()))
        .hasValueSatisfying(d -> assertThat(d.host()).isEqualTo(OTHER_HOST));

    // Once per endpoint: not again, not from another store (process), not for a row an older
    // Selvedge added since, not for another engine seen through the same endpoint later.
    Deployment late = store.deployments().begin(Drafts.of(endpoint, project, Outcome.HEALTHY));
    clock.advance(Duration.ofMinutes(5));
    assertThat(store.deployments().adopt(endpoint, daemon)).isEqualTo(DeploymentStore.Adopted.NONE);
    assertThat(open().deployments().adopt(endpoint, daemon))
        .isEqualTo(DeploymentStore.Adopted.NONE);
    String replaced = "docker-daemon:BBBB:" + project;
    assertThat(store.deployments().adopt(endpoint, replaced))
        .isEqualTo(DeploymentStore.Adopted.NONE);
    assertThat(store.deployments().history(endpoint, project, 10))
        .extracting(Deployment::id)
        .containsExactly(late.id());
    assertThat(store.deployments().history(daemon, project, 10))
        .extracting(Deployment::id)
        .containsExactly(old.id());
    assertThat(store.deployments().history(replaced, project, 10)).isEmpty();
  }

  @Test
  void theEnginesSeenThroughAnEndpointAreListedMostRecentFirst() {
    String endpoint = endpoint();
    Instant first = Db.micros(clock.instant());
    assertThat(store.deployments().aliases(endpoint)).isEmpty();
    store.deployments().adopt(endpoint, "docker-daemon:A");
    clock.advance(Duration.ofMinutes(2));
    store.deployments().adopt(endpoint, "docker-daemon:B");
    assertThat(store.deployments().aliases(endpoint))
        .extracting(DeploymentStore.Alias::identity)
        .containsExactly("docker-daemon:B", "docker-daemon:A");

    // Seen again: its last-seen time moves (to the minute), its first-seen stays.
    clock.advance(Duration.ofMinutes(2));
    Instant again = Db.micros(clock.instant());
    store.deployments().adopt(endpoint, "docker-daemon:A");
    assertThat(open().deployments().aliases(endpoint))
        .containsExactly(
            new DeploymentStore.Alias(endpoint, "docker-daemon:A", first, again),
            new DeploymentStore.Alias(
                endpoint,
                "docker-daemon:B",
                first.plus(Duration.ofMinutes(2)),
                first.plus(Duration.ofMinutes(2))));

    // An engine without an ID is keyed by its endpoint already: nothing to record.
    assertThat(store.deployments().adopt(OTHER_HOST + "/" + project, OTHER_HOST + "/" + project))
        .isEqualTo(DeploymentStore.Adopted.NONE);
    assertThat(store.deployments().aliases(OTHER_HOST + "/" + project)).isEmpty();
  }

  @Test
  void racingFirstContactsAdoptTheRowsOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 6; round++) {
        String endpoint = endpoint() + "/" + round;
        String daemon = "docker-daemon:" + project + "-" + round;
        store.deployments().begin(Drafts.of(endpoint, project, Outcome.HEALTHY));
        store.audit().record(stop(endpoint, project));
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<DeploymentStore.Adopted>> racers = new ArrayList<>();
        for (Store s : List.of(open(), open())) {
          racers.add(
              pool.submit(
                  () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return s.deployments().adopt(endpoint, daemon);
                  }));
        }
        List<DeploymentStore.Adopted> results = new ArrayList<>();
        for (Future<DeploymentStore.Adopted> r : racers) {
          results.add(r.get(30, TimeUnit.SECONDS));
        }
        assertThat(results)
            .as("round %d", round)
            .containsExactlyInAnyOrder(
                new DeploymentStore.Adopted(1, 1), DeploymentStore.Adopted.NONE);
        assertThat(store.deployments().history(daemon, project, 10)).hasSize(1);
        assertThat(store.deployments().aliases(endpoint)).hasSize(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // --- one database, several stores ---------------------------------------------------------

  @Test
  void reopeningKeepsTheDataAndMigratesNothingAgain() throws SQLException {
    Deployment d = store.deployments().begin(Drafts.running(HOST, project));
    Lease lease = store.leases().acquire(HOST, project, "ana@box", "apply", TTL);
    int migrations = appliedMigrations();
    store.close();

    try (Store again = Stores.open(config(), clock)) {
      assertThat(again.deployments().find(d.id())).contains(d);
      assertThat(again.leases().current(HOST, project)).contains(lease);
    }
    assertThat(appliedMigrations()).isEqualTo(migrations).isPositive();
  }

  @Test
  void twoStoresOnOneDatabaseSeeEachOther() {
    Store other = open();

    Deployment d = store.deployments().begin(Drafts.running(HOST, project));
    assertThat(other.deployments().find(d.id())).contains(d);
    Lease lease = other.leases().acquire(HOST, project, "bo@laptop", "apply", TTL);

    assertThatThrownBy(() -> store.leases().acquire(HOST, project, "ana@box", "apply", TTL))
        .isInstanceOf(LeaseHeldException.class)
        .hasMessageContaining("bo@laptop");
    other.leases().release(lease);
    store.leases().acquire(HOST, project, "ana@box", "apply", TTL);
  }

  @Test
  void locationHasNoCredentials() {
    assertThat(store.location()).isEqualTo(config().location());
    if (config().password() != null) {
      assertThat(store.location()).doesNotContain(config().password());
    }
  }

  // --- fleet state ---------------------------------------------------------------------------

  private dev.selvedge.fleet.NodeState nodeState(
      String id, dev.selvedge.status.Pill pill, Instant at, String report) {
    var facts =
        new dev.selvedge.fleet.EngineFacts(
            "ABCD:EFGH",
            "27.1.0",
            "1.47",
            "linux",
            "x86_64",
            2,
            4_000_000_000L,
            "/var/lib/docker",
            null);
    var stack =
        new dev.selvedge.fleet.StackState(
            id,
            "shop",
            "shop-project",
            dev.selvedge.status.Sync.DRIFTED,
            dev.selvedge.status.Health.HEALTHY,
            pill,
            List.of("web: image drifted", "caf\u00e9 \"quoted\""),
            report,
            at);
    var unknown =
        new dev.selvedge.fleet.StackState(
            id,
            "api",
            "api",
            dev.selvedge.status.Sync.UNKNOWN,
            null,
            dev.selvedge.status.Pill.RED,
            List.of("engine unreachable"),
            null,
            at);
    return new dev.selvedge.fleet.NodeState(
        id, pill, List.of("shop: web: image drifted"), at, 0, facts, List.of(stack, unknown));
  }

  @Test
  void aNodeStateIsReplacedWholeAndReadBackExactly() {
    var fleet = store.fleetState();
    String id = "node-" + project();
    Instant at = micros(clock.instant());
    String report = "{\"kind\":\"drift\",\"big\":\"" + "x".repeat(200_000) + "\"}";
    var first = nodeState(id, dev.selvedge.status.Pill.YELLOW, at, report);
    var change =
        new dev.selvedge.fleet.PillChange(
            id, null, null, dev.selvedge.status.Pill.YELLOW, List.of("first"), at);
    fleet.record(first, List.of(change));
    assertThat(fleet.node(id)).contains(first);
    assertThat(open().fleetState().nodes()).contains(first);

    var second =
        new dev.selvedge.fleet.NodeState(
            id,
            dev.selvedge.status.Pill.RED,
            List.of("unreachable"),
            at.plusSeconds(60),
            2,
            null,
            List.of());
    var change2 =
        new dev.selvedge.fleet.PillChange(
            id,
            "shop",
            dev.selvedge.status.Pill.YELLOW,
            dev.selvedge.status.Pill.RED,
            List.of("why"),
            at.plusSeconds(60));
    fleet.record(second, List.of(change2));
    assertThat(fleet.node(id)).contains(second);
    assertThat(fleet.history(id, 10)).containsExactly(change2, change);
    assertThat(fleet.history(id, 1)).containsExactly(change2);
    assertThat(fleet.history("other-" + id, 10)).isEmpty();
  }

  @Test
  void aSweepClaimFencesOutAStaleHolder() {
    var fleet = store.fleetState();
    String id = "node-" + project();
    var a = fleet.claim(id, "replica-a", Duration.ofSeconds(30)).orElseThrow();
    assertThat(fleet.claim(id, "replica-b", Duration.ofSeconds(30))).isEmpty();
    // the holder claims again: a new, greater token
    var a2 = fleet.claim(id, "replica-a", Duration.ofSeconds(30)).orElseThrow();
    assertThat(a2.token()).isGreaterThan(a.token());
    Instant at = micros(clock.instant());
    assertThat(fleet.record(a, nodeState(id, dev.selvedge.status.Pill.GREEN, at, "{}"), List.of()))
        .as("an old token writes nothing")
        .isFalse();
    assertThat(fleet.node(id)).isEmpty();

    ageClaims(List.of(id), Duration.ofSeconds(31));
    var b = open().fleetState().claim(id, "replica-b", Duration.ofSeconds(30)).orElseThrow();
    assertThat(b.token()).isGreaterThan(a2.token());
    assertThat(fleet.renew(a2, Duration.ofSeconds(30))).as("lost").isEmpty();
    assertThat(fleet.record(a2, nodeState(id, dev.selvedge.status.Pill.GREEN, at, "{}"), List.of()))
        .isFalse();
    fleet.release(a2); // a lost claim is left alone
    assertThat(fleet.claim(id, "replica-a", Duration.ofSeconds(30))).isEmpty();

    assertThat(fleet.renew(b, Duration.ofSeconds(60))).isPresent();
    assertThat(fleet.record(b, nodeState(id, dev.selvedge.status.Pill.GREEN, at, "{}"), List.of()))
        .isTrue();
    assertThat(fleet.node(id))
        .hasValueSatisfying(n -> assertThat(n.pill()).isEqualTo(dev.selvedge.status.Pill.GREEN));
    fleet.release(b);
    var a3 = fleet.claim(id, "replica-a", Duration.ofSeconds(30)).orElseThrow();
    assertThat(a3.token()).isGreaterThan(b.token());
  }

  private static List<String> nodeIds(String prefix, int n) {
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(prefix + "-" + String.format("%03d", i));
    }
    return ids;
  }

  private static final Duration EXPIRY = Duration.ofSeconds(30);
  private static final Duration ORPHAN = Duration.ofSeconds(20);

  @Test
  void heldClaimsAreSpreadEvenlyAndSurplusIsLetGoWhenAReplicaJoins() {
    var fleet = store.fleetState();
    String p = project();
    List<String> nodes = nodeIds("n-" + p, 10);
    String a = "ra-" + p;
    String b = "rb-" + p;
    String c = "rc-" + p;
    // alone: a holds every node
    assertThat(fleet.hold(a, nodes, 1, EXPIRY, ORPHAN)).hasSize(10);
    // b joins (2 replicas): b finds nothing free until a lets go of its surplus
    assertThat(fleet.hold(b, nodes, 2, EXPIRY, ORPHAN)).isEmpty();
    var aHeld = fleet.hold(a, nodes, 2, EXPIRY, ORPHAN);
    assertThat(aHeld).hasSize(5);
    var bHeld = fleet.hold(b, nodes, 2, EXPIRY, ORPHAN);
    assertThat(bHeld).hasSize(5);
    assertThat(java.util.stream.Stream.concat(aHeld.stream(), bHeld.stream()).map(x -> x.node()))
        .containsExactlyInAnyOrderElementsOf(nodes);
    // c joins (3): shares of ceil(10 / 3) = 4
    fleet.hold(a, nodes, 3, EXPIRY, ORPHAN);
    fleet.hold(b, nodes, 3, EXPIRY, ORPHAN);
    var cHeld = fleet.hold(c, nodes, 3, EXPIRY, ORPHAN);
    assertThat(cHeld).hasSize(2);
    assertThat(fleet.hold(a, nodes, 3, EXPIRY, ORPHAN)).hasSize(4);
    assertThat(fleet.hold(b, nodes, 3, EXPIRY, ORPHAN)).hasSize(4);
    assertThat(fleet.hold(c, nodes, 3, EXPIRY, ORPHAN)).hasSize(2);
    // renewing keeps the tokens (nothing else can have written meanwhile)
    var again = fleet.hold(c, nodes, 3, EXPIRY, ORPHAN);
    assertThat(again.stream().map(x -> x.token()).toList())
        .isEqualTo(fleet.hold(c, nodes, 3, EXPIRY, ORPHAN).stream().map(x -> x.token()).toList());
    // the unexpired claims: every node once
    assertThat(
            store.replicas().claims(databaseNow()).stream()
                .filter(x -> nodes.contains(x.node()))
                .map(x -> x.node()))
        .containsExactlyInAnyOrderElementsOf(nodes);
    // a node leaving the fleet is let go; a replica stopping lets go of all
    assertThat(fleet.hold(a, nodes.subList(1, 10), 3, EXPIRY, ORPHAN))
        .noneMatch(x -> x.node().equals(nodes.get(0)));
    assertThat(fleet.hold(c, List.of(), 1, EXPIRY, ORPHAN)).isEmpty();
  }

  @Test
  void aDeadReplicasHeldClaimsAreTakenAfterTheyExpireAndItsLateWritesAreFenced() {
    var fleet = store.fleetState();
    String p = project();
    List<String> nodes = nodeIds("n-" + p, 6);
    String a = "ra-" + p;
    String b = "rb-" + p;
    fleet.hold(a, nodes, 2, EXPIRY, ORPHAN);
    var bHeld = fleet.hold(b, nodes, 2, EXPIRY, ORPHAN);
    var aHeld = fleet.hold(a, nodes, 2, EXPIRY, ORPHAN);
    assertThat(aHeld).hasSize(3);
    assertThat(bHeld).hasSize(3);
    var aClaim = aHeld.get(0);
    Instant at = micros(clock.instant());
    assertThat(
            fleet.record(
                aClaim,
                nodeState(aClaim.node(), dev.selvedge.status.Pill.GREEN, at, "{}"),
                List.of()))
        .isTrue();
    assertThat(fleet.touch(aClaim, aClaim.node(), at.plusSeconds(1), null, false)).isTrue();
    assertThat(store.replicas().claims(databaseNow())).contains(aClaim).as("kept after a touch");

    // a stops renewing (paused or dead); b renews, still counting 2 replicas
    ageClaims(nodes, Duration.ofSeconds(20));
    assertThat(fleet.hold(b, nodes, 2, EXPIRY, ORPHAN)).hasSize(3);
    ageClaims(nodes, Duration.ofSeconds(11)); // a's claims expired, not yet orphaned
    assertThat(fleet.hold(b, nodes, 2, EXPIRY, ORPHAN)).as("b holds its share").hasSize(3);
    // b counts 1 replica (a's heartbeat stopped): takes its share, all of them
    assertThat(fleet.hold(b, nodes, 1, EXPIRY, ORPHAN)).hasSize(6);
    var taken =
        fleet.hold(b, nodes, 1, EXPIRY, ORPHAN).stream()
            .filter(x -> x.node().equals(aClaim.node()))
            .findFirst()
            .orElseThrow();
    assertThat(taken.token()).isGreaterThan(aClaim.token());

    // a wakes: its late result and touch are refused, the successor's stands
    var late = nodeState(aClaim.node(), dev.selvedge.status.Pill.RED, at.plusSeconds(40), "{}");
    assertThat(fleet.record(aClaim, late, List.of())).isFalse();
    assertThat(fleet.touch(aClaim, aClaim.node(), at.plusSeconds(40), null, false)).isFalse();
    assertThat(
            fleet.record(
                taken,
                nodeState(aClaim.node(), dev.selvedge.status.Pill.YELLOW, at.plusSeconds(41), "{}"),
                List.of()))
        .isTrue();
    assertThat(fleet.node(aClaim.node()))
        .hasValueSatisfying(
            n -> {
              assertThat(n.pill()).isEqualTo(dev.selvedge.status.Pill.YELLOW);
              assertThat(n.sweptBy()).isEqualTo(b);
            });
    // a's next cycle finds none of them its own any more, and shares again
    assertThat(fleet.hold(a, nodes, 2, EXPIRY, ORPHAN)).isEmpty();
  }

  @Test
  void claimsExpiredLongerThanTheOrphanTimeAreTakenBeyondTheShare() {
    var fleet = store.fleetState();
    String p = project();
    List<String> nodes = nodeIds("n-" + p, 4);
    String a = "ra-" + p;
    String b = "rb-" + p;
    fleet.hold(a, nodes, 2, EXPIRY, ORPHAN);
    fleet.hold(b, nodes, 2, EXPIRY, ORPHAN);
    assertThat(fleet.hold(a, nodes, 2, EXPIRY, ORPHAN)).hasSize(2);
    // a goes silent; b still counts it alive (its heartbeat window is longer than the expiry)
    ageClaims(nodes, EXPIRY.plusSeconds(1));
    assertThat(fleet.hold(b, nodes, 2, EXPIRY, ORPHAN)).hasSize(2);
    ageClaims(nodes, ORPHAN);
    assertThat(fleet.hold(b, nodes, 2, EXPIRY, ORPHAN)).hasSize(4);
  }

  @Test
  void claimsExpireOnTheDatabasesClockWhateverTheReplicasClocksSay() {
    String p = project();
    List<String> nodes = nodeIds("n-" + p, 4);
    String ahead = "ahead-" + p;
    String behind = "behind-" + p;
    var fAhead = open(skewed(Duration.ofMinutes(10))).fleetState();
    var fBehind = open(skewed(Duration.ofMinutes(-10))).fleetState();
    Instant before = databaseNow();
    var held = fBehind.hold(behind, nodes, 1, EXPIRY, ORPHAN);
    Instant after = databaseNow();
    assertThat(held)
        .hasSize(4)
        .allSatisfy(
            c -> assertThat(c.expiresAt()).isBetween(before.plus(EXPIRY), after.plus(EXPIRY)));
    // ahead's clock is already past the expiry behind's clock would give: the claims are live
    assertThat(fAhead.hold(ahead, nodes, 2, EXPIRY, ORPHAN)).isEmpty();
    assertThat(fAhead.claim(nodes.get(0), ahead, EXPIRY)).isEmpty();

    // behind stops renewing: its claims expire EXPIRY later on the database's clock
    ageClaims(nodes, EXPIRY.plusSeconds(1));
    var taken = fAhead.hold(ahead, nodes, 2, EXPIRY, ORPHAN);
    assertThat(taken).hasSize(2);
    List<String> aheads = taken.stream().map(c -> c.node()).toList();
    // ahead's claims are live: behind (one replica now, by its count) takes none of them
    assertThat(fBehind.hold(behind, nodes, 1, EXPIRY, ORPHAN))
        .hasSize(2)
        .noneMatch(c -> aheads.contains(c.node()));
    assertThat(fBehind.claim(aheads.get(0), behind, EXPIRY)).isEmpty();
    // ahead dies: its claims expire EXPIRY after its last renewal, not ten minutes later
    ageClaims(aheads, EXPIRY.plusSeconds(1));
    var all = fBehind.hold(behind, nodes, 1, EXPIRY, ORPHAN);
    assertThat(all).hasSize(4);
    var late = taken.getFirst();
    assertThat(
            fAhead.record(
                late,
                nodeState(late.node(), dev.selvedge.status.Pill.RED, micros(clock.instant()), "{}"),
                List.of()))
        .as("the dead replica's late write is fenced")
        .isFalse();
  }

  @Test
  void racingReplicasNeverHoldOneNodeTwice() throws Exception {
    String p = project();
    List<String> nodes = nodeIds("n-" + p, 60);
    List<Store> stores = List.of(open(), open(), open());
    var pool = java.util.concurrent.Executors.newFixedThreadPool(3);
    try {
      for (int round = 0; round < 5; round++) {
        List<java.util.concurrent.Future<List<dev.selvedge.port.FleetStateStore.Claim>>> f =
            new java.util.ArrayList<>();
        for (int r = 0; r < 3; r++) {
          Store s = stores.get(r);
          String name = "r" + r + "-" + p;
          f.add(pool.submit(() -> s.fleetState().hold(name, nodes, 3, EXPIRY, ORPHAN)));
        }
        List<String> all = new java.util.ArrayList<>();
        for (var x : f) {
          x.get(30, TimeUnit.SECONDS).forEach(c -> all.add(c.node()));
        }
        assertThat(all).doesNotHaveDuplicates();
      }
      // settled: 20 each
      for (int r = 0; r < 3; r++) {
        assertThat(stores.get(r).fleetState().hold("r" + r + "-" + p, nodes, 3, EXPIRY, ORPHAN))
            .hasSize(20);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aTouchMovesOnlyTheSweepTimeAndFactsAndLetsGoOfTheClaim() {
    var fleet = store.fleetState();
    String id = "node-" + project();
    Instant at = micros(clock.instant());
    var claim = fleet.claim(id, "replica-a", Duration.ofSeconds(30)).orElseThrow();
    assertThat(fleet.touch(claim, id, at, null)).as("nothing recorded yet").isFalse();
    var state = nodeState(id, dev.selvedge.status.Pill.GREEN, at, "{\"kind\":\"drift\"}");
    assertThat(fleet.record(claim, state, List.of())).isTrue();

    Instant later = at.plusSeconds(60);
    var facts =
        new dev.selvedge.fleet.EngineFacts(
            "ABCD:EFGH", "27.1.0", "1.47", "linux", "x86_64", 2, 4_000_000_000L, "/d", 123L);
    assertThat(fleet.touch(claim, id, later, facts)).isTrue();
    var read = fleet.node(id).orElseThrow();
    assertThat(read.lastSweptAt()).isEqualTo(later);
    assertThat(read.facts()).isEqualTo(facts);
    assertThat(read.stacks()).allSatisfy(s -> assertThat(s.sweptAt()).isEqualTo(later));
    assertThat(read.stacks().getFirst().report()).isEqualTo("{\"kind\":\"drift\"}");
    assertThat(read.pill()).isEqualTo(state.pill());
    assertThat(read.reasons()).isEqualTo(state.reasons());

    // Let go: its holder renews it with the same token while nobody else claimed the node...
    var renewed = fleet.renew(claim, Duration.ofSeconds(30)).orElseThrow();
    assertThat(renewed.token()).isEqualTo(claim.token());
    fleet.release(renewed);
    // ...and another replica may take it at once, after which the old token touches nothing.
    var other = fleet.claim(id, "replica-b", Duration.ofSeconds(30)).orElseThrow();
    assertThat(other.token()).isGreaterThan(claim.token());
    assertThat(fleet.renew(claim, Duration.ofSeconds(30))).isEmpty();
    assertThat(fleet.touch(claim, id, later.plusSeconds(60), null)).isFalse();
    assertThat(fleet.node(id).orElseThrow().lastSweptAt()).isEqualTo(later);
  }

  @Test
  void concurrentClaimsOfANewNodeGrantOne() throws Exception {
    String id = "node-" + project();
    int n = 4;
    List<Store> stores = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      stores.add(open());
    }
    CyclicBarrier start = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<Boolean>> granted = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Store s = stores.get(i);
        String replica = "replica-" + i;
        granted.add(
            pool.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return s.fleetState().claim(id, replica, Duration.ofSeconds(30)).isPresent();
                }));
      }
      int count = 0;
      for (Future<Boolean> f : granted) {
        count += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(count).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  /** The database's time now, as the store reads it. */
  protected Instant databaseNow() {
    return store.replicas().listing().now();
  }

  /**
   * As if {@code by} had passed on the database's clock for the sweep claims on {@code nodes}:
   * their expiry moved that much earlier (claims expire on the database's clock, which a test
   * cannot move).
   */
  protected void ageClaims(List<String> nodes, Duration by) {
    age("sweep_claim", "node", "expires_at", nodes, by);
  }

  /** As {@link #ageClaims}, for the owner's lease of rollout {@code id}. */
  protected void ageRollout(String id, Duration by) {
    age("rollout", "id", "lease_until", List.of(id), by);
  }

  /**
   * As {@link #ageClaims}, for the operation lease on {@code project} of {@code host}: operation
   * leases expire on the database's clock too.
   */
  protected void ageLease(String host, String project, Duration by) {
    StoreConfig c = config();
    try (Connection conn = DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password())) {
      age(conn, "lease", "host = ? AND project = ?", List.of(host, project), "expires_at", by);
    } catch (SQLException e) {
      throw new AssertionError("cannot age the lease on " + project + ": " + e, e);
    }
  }

  private void age(String table, String key, String column, List<String> keys, Duration by) {
    StoreConfig c = config();
    try (Connection conn = DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password())) {
      for (String k : keys) {
        age(conn, table, key + " = ?", List.of(k), column, by);
      }
    } catch (SQLException e) {
      throw new AssertionError("cannot age " + table + " rows " + keys + ": " + e, e);
    }
  }

  /** Moves {@code column} of the one row {@code where} picks {@code by} earlier, if it is set. */
  private static void age(
      Connection conn, String table, String where, List<String> keys, String column, Duration by)
      throws SQLException {
    java.time.OffsetDateTime at;
    try (var read =
        conn.prepareStatement("SELECT " + column + " FROM " + table + " WHERE " + where)) {
      for (int i = 0; i < keys.size(); i++) {
        read.setString(i + 1, keys.get(i));
      }
      try (ResultSet rs = read.executeQuery()) {
        if (!rs.next() || rs.getObject(1) == null) {
          return;
        }
        at = rs.getObject(1, java.time.OffsetDateTime.class);
      }
    }
    try (var write =
        conn.prepareStatement("UPDATE " + table + " SET " + column + " = ? WHERE " + where)) {
      write.setObject(1, at.minus(by));
      for (int i = 0; i < keys.size(); i++) {
        write.setString(i + 2, keys.get(i));
      }
      write.executeUpdate();
    }
  }

  private int appliedMigrations() throws SQLException {
    StoreConfig c = config();
    try (Connection conn = DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password());
        Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT COUNT(*) FROM \"" + Migrations.HISTORY + "\" WHERE \"success\" = TRUE")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  static Instant micros(Instant i) {
    return i.truncatedTo(ChronoUnit.MICROS);
  }

  // --- API keys ------------------------------------------------------------------------------

  @Test
  void apiKeysAreFoundByHashListedAndRevoked() {
    dev.selvedge.keys.ApiKeys keys = new dev.selvedge.keys.ApiKeys(store.apiKeys(), clock);
    String name = "ci-" + project();
    dev.selvedge.keys.ApiKeys.Created created =
        keys.create(name, dev.selvedge.port.ApiKeyStore.Scope.OPERATE);
    assertThat(created.token()).startsWith("slv_").hasSize(47);
    // Only the hash is stored: no column of the row holds the token.
    assertThat(store.apiKeys().list())
        .filteredOn(k -> k.name().equals(name))
        .singleElement()
        .satisfies(
            k -> {
              assertThat(k.tokenHash()).isEqualTo(dev.selvedge.keys.ApiKeys.hash(created.token()));
              assertThat(k.toString()).doesNotContain(created.token());
              assertThat(k.lastUsedAt()).isNull();
            });
    clock.advance(Duration.ofSeconds(5));
    assertThat(keys.authenticate(created.token()))
        .hasValueSatisfying(
            k -> assertThat(k.scope()).isEqualTo(dev.selvedge.port.ApiKeyStore.Scope.OPERATE));
    // Another store on the database (another process) sees it and its use at once.
    Store other = open();
    assertThat(other.apiKeys().findByHash(dev.selvedge.keys.ApiKeys.hash(created.token())))
        .hasValueSatisfying(k -> assertThat(k.lastUsedAt()).isEqualTo(clock.instant()));
    assertThat(keys.authenticate(created.token().substring(0, 46) + "x")).isEmpty();

    assertThatThrownBy(() -> keys.create(name, dev.selvedge.port.ApiKeyStore.Scope.READ))
        .isInstanceOf(SelvedgeException.class)
        .hasMessageContaining("exists already");
    new dev.selvedge.keys.ApiKeys(other.apiKeys(), clock).revoke(name);
    assertThat(keys.authenticate(created.token())).isEmpty();
    assertThatThrownBy(() -> keys.revoke(name)).hasMessageContaining("revoked already");
    assertThatThrownBy(() -> keys.revoke("nobody-" + project()))
        .hasMessageContaining("no API key named");
    assertThat(store.apiKeys().count()).isPositive();
  }

  // --- operations (the API's) ------------------------------------------------------------------

  private static dev.selvedge.port.OperationStore.Operation operation(
      String id, String node, String stack, String actor, String key, Instant at) {
    return new dev.selvedge.port.OperationStore.Operation(
        id,
        node,
        stack,
        null,
        "apply",
        dev.selvedge.port.OperationStore.State.QUEUED,
        actor,
        "req-1",
        key,
        "abc123",
        at,
        null,
        null,
        null,
        null,
        null);
  }

  @Test
  void anOperationIsRecordedQueuedThenRunsAndFinishesWithItsStepsAndResult() {
    var ops = store.operations();
    String id = "op-" + project();
    var created = ops.create(operation(id, "node-1", project(), "key:ci", null, clock.instant()));
    assertThat(created.state()).isEqualTo(dev.selvedge.port.OperationStore.State.QUEUED);
    assertThat(ops.unfinished("node-1", project())).extracting(o -> o.id()).containsExactly(id);
    clock.advance(Duration.ofSeconds(1));
    ops.started(id, clock.instant());
    ops.steps(id, "[{\"message\":\"pulling\"}]");
    Store other = open();
    var running = other.operations().find(id).orElseThrow();
    assertThat(running.state()).isEqualTo(dev.selvedge.port.OperationStore.State.RUNNING);
    assertThat(running.startedAt()).isEqualTo(clock.instant());
    assertThat(running.steps()).isEqualTo("[{\"message\":\"pulling\"}]");
    assertThat(running.requestId()).isEqualTo("req-1");
    clock.advance(Duration.ofSeconds(1));
    ops.finish(
        id,
        dev.selvedge.port.OperationStore.State.SUCCEEDED,
        "[{\"message\":\"pulling\"},{\"message\":\"done\"}]",
        "{\"outcome\":\"healthy\"}",
        clock.instant());
    var done = other.operations().find(id).orElseThrow();
    assertThat(done.state()).isEqualTo(dev.selvedge.port.OperationStore.State.SUCCEEDED);
    assertThat(done.result()).isEqualTo("{\"outcome\":\"healthy\"}");
    assertThat(done.finishedAt()).isEqualTo(clock.instant());
    assertThat(done.createdAt()).isEqualTo(created.createdAt());
    assertThat(ops.unfinished("node-1", project())).isEmpty();
    assertThat(ops.find("op-none-" + project())).isEmpty();
  }

  @Test
  void anIdempotencyKeyFindsTheFirstOperationOfItsActorOnly() {
    var ops = store.operations();
    var first =
        ops.create(operation("a-" + project(), "n", project(), "key:ci", "k1", clock.instant()));
    var retried =
        ops.create(operation("b-" + project(), "n", project(), "key:ci", "k1", clock.instant()));
    assertThat(retried.id()).isEqualTo(first.id());
    assertThat(ops.find("b-" + project())).isEmpty();
    // Another key-holder's same key is another operation.
    var others =
        ops.create(operation("c-" + project(), "n", project(), "key:ops", "k1", clock.instant()));
    assertThat(others.id()).isEqualTo("c-" + project());
    assertThat(ops.findByKey("key:ops", "k1"))
        .hasValueSatisfying(o -> assertThat(o.id()).isEqualTo("c-" + project()));
    // Without a key nothing is shared.
    ops.create(operation("d-" + project(), "n", project(), "key:ci", null, clock.instant()));
    ops.create(operation("e-" + project(), "n", project(), "key:ci", null, clock.instant()));
    assertThat(ops.unfinished("n", project())).hasSize(4);
  }

  @Test
  void racingRetriesWithOneKeyRecordOneOperation() throws Exception {
    var ops = store.operations();
    int n = 6;
    CyclicBarrier barrier = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<String>> ids = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String id = "r" + i + "-" + project();
        Store s = open();
        ids.add(
            pool.submit(
                () -> {
                  barrier.await(10, TimeUnit.SECONDS);
                  return s.operations()
                      .create(operation(id, "n", project(), "key:ci", "same", clock.instant()))
                      .id();
                }));
      }
      java.util.Set<String> answered = new java.util.HashSet<>();
      for (Future<String> f : ids) {
        answered.add(f.get(30, TimeUnit.SECONDS));
      }
      assertThat(answered).hasSize(1);
      assertThat(ops.unfinished("n", project())).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aClusterJobRunsOncePerPeriodWhicheverReplicaAsks() throws Exception {
    var jobs = store.clusterJobs();
    String job = "job-" + project();
    Duration hour = Duration.ofHours(1);
    // racing replicas: exactly one runs it
    List<Store> stores = List.of(open(), open(), open());
    var pool = java.util.concurrent.Executors.newFixedThreadPool(3);
    try {
      List<java.util.concurrent.Future<Boolean>> f = new java.util.ArrayList<>();
      for (int r = 0; r < 3; r++) {
        Store s = stores.get(r);
        String holder = "r" + r;
        f.add(pool.submit(() -> s.clusterJobs().begin(job, holder, hour, hour)));
      }
      int ran = 0;
      for (var x : f) {
        ran += x.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(ran).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    // not due again within the hour, whoever asks
    assertThat(jobs.begin(job, "r0", hour, hour)).isFalse();
    assertThat(jobs.begin(job, "other", hour, hour)).isFalse();

    // a run under way holds its lease: nobody else starts it beside, even when due
    String leased = "leased-" + project();
    assertThat(jobs.begin(leased, "a", Duration.ZERO, hour)).isTrue();
    assertThat(jobs.begin(leased, "b", Duration.ZERO, hour)).isFalse();
    jobs.done(leased, "b"); // not b's: nothing
    assertThat(jobs.begin(leased, "b", Duration.ZERO, hour)).isFalse();
    jobs.done(leased, "a");
    assertThat(jobs.begin(leased, "b", Duration.ZERO, hour))
        .as("due at once, lease let go")
        .isTrue();
  }

  @Test
  void unfinishedOperationsAreMarkedInterruptedAtStartUp() {
    var ops = store.operations();
    ops.create(operation("q-" + project(), "n", project(), "key:ci", null, clock.instant()));
    ops.create(operation("r-" + project(), "n", project(), "key:ci", null, clock.instant()));
    ops.started("r-" + project(), clock.instant());
    ops.create(operation("s-" + project(), "n", project(), "key:ci", null, clock.instant()));
    ops.finish(
        "s-" + project(),
        dev.selvedge.port.OperationStore.State.FAILED,
        "[]",
        null,
        clock.instant());
    clock.advance(Duration.ofMinutes(1));
    assertThat(open().operations().interruptUnfinished(clock.instant(), List.of(), true))
        .isGreaterThanOrEqualTo(2);
    for (String id : List.of("q-" + project(), "r-" + project())) {
      var o = ops.find(id).orElseThrow();
      assertThat(o.state()).isEqualTo(dev.selvedge.port.OperationStore.State.INTERRUPTED);
      assertThat(o.finishedAt()).isEqualTo(clock.instant());
    }
    assertThat(ops.find("s-" + project()).orElseThrow().state())
        .isEqualTo(dev.selvedge.port.OperationStore.State.FAILED);
    assertThat(ops.unfinished("n", project())).isEmpty();
  }

  @Test
  void onlyTheOperationsOfReplicasNotAliveAreMarkedInterrupted() {
    var ops = store.operations();
    String p = project();
    String live = "live-" + p;
    String dead = "dead-" + p;
    for (String r : List.of(live, dead)) {
      var draft = operation(r + "-op", "n", p, "key:ci", null, clock.instant());
      ops.create(
          new dev.selvedge.port.OperationStore.Operation(
              draft.id(),
              draft.node(),
              draft.stack(),
              draft.service(),
              draft.action(),
              draft.state(),
              draft.actor(),
              draft.requestId(),
              draft.idempotencyKey(),
              draft.bodyHash(),
              draft.createdAt(),
              null,
              null,
              null,
              null,
              r));
      ops.started(r + "-op", clock.instant());
    }
    assertThat(ops.find(live + "-op").orElseThrow().replica()).isEqualTo(live);
    clock.advance(Duration.ofMinutes(1));
    String unrecorded = "unrecorded-" + p;
    ops.create(operation(unrecorded, "n", p, "key:ci", null, clock.instant()));
    assertThat(open().operations().interruptUnfinished(clock.instant(), List.of(live, "x"), false))
        .isGreaterThanOrEqualTo(1);
    assertThat(ops.find(unrecorded).orElseThrow().state())
        .as("no replica recorded: marked at start-up only")
        .isEqualTo(dev.selvedge.port.OperationStore.State.QUEUED);
    ops.finish(
        unrecorded, dev.selvedge.port.OperationStore.State.FAILED, "[]", null, clock.instant());
    assertThat(ops.find(dead + "-op").orElseThrow().state())
        .isEqualTo(dev.selvedge.port.OperationStore.State.INTERRUPTED);
    assertThat(ops.find(live + "-op").orElseThrow().state())
        .isEqualTo(dev.selvedge.port.OperationStore.State.RUNNING);
    assertThat(ops.unfinished("n", p)).extracting(o -> o.id()).containsExactly(live + "-op");
    ops.finish(
        live + "-op",
        dev.selvedge.port.OperationStore.State.SUCCEEDED,
        "[]",
        null,
        clock.instant());
  }

  @Test
  void anEndedOperationKeepsItsStateWhenALateEndArrives() {
    var ops = store.operations();
    String id = "late-" + project();
    ops.create(operation(id, "n", project(), "key:ci", null, clock.instant()));
    ops.started(id, clock.instant());
    clock.advance(Duration.ofMinutes(1));
    Instant interruptedAt = clock.instant();
    assertThat(open().operations().interruptUnfinished(interruptedAt, List.of(), true))
        .isGreaterThanOrEqualTo(1);
    clock.advance(Duration.ofMinutes(1));
    // The run that was marked interrupted records its end late: the mark stays.
    assertThat(
            ops.finish(
                id,
                dev.selvedge.port.OperationStore.State.SUCCEEDED,
                "[{\"kind\":\"finished\"}]",
                "{\"outcome\":\"healthy\"}",
                clock.instant()))
        .isFalse();
    var o = ops.find(id).orElseThrow();
    assertThat(o.state()).isEqualTo(dev.selvedge.port.OperationStore.State.INTERRUPTED);
    assertThat(o.finishedAt()).isEqualTo(interruptedAt);
    assertThat(o.result()).isNull();
    // A running one is ended once; a second end changes nothing.
    String other = "once-" + project();
    ops.create(operation(other, "n", project(), "key:ci", null, clock.instant()));
    assertThat(
            ops.finish(
                other, dev.selvedge.port.OperationStore.State.FAILED, "[]", null, clock.instant()))
        .isTrue();
    assertThat(
            ops.finish(
                other,
                dev.selvedge.port.OperationStore.State.SUCCEEDED,
                "[]",
                null,
                clock.instant()))
        .isFalse();
    assertThat(ops.find(other).orElseThrow().state())
        .isEqualTo(dev.selvedge.port.OperationStore.State.FAILED);
  }

  // --- web UI sessions -----------------------------------------------------------------------

  @Test
  void uiSessionsAreFoundTouchedDeletedAndExpiredOnEveryReplica() {
    String token = dev.selvedge.keys.ApiKeys.hash("session-" + project());
    String old = dev.selvedge.keys.ApiKeys.hash("old-" + project());
    String key = dev.selvedge.keys.ApiKeys.hash("key-" + project());
    Instant t0 = micros(clock.instant());
    var sessions = store.uiSessions();
    sessions.create(new dev.selvedge.port.UiSessionStore.UiSession(token, key, t0, t0));
    sessions.create(
        new dev.selvedge.port.UiSessionStore.UiSession(
            old, key, t0.minus(Duration.ofDays(2)), t0.minus(Duration.ofDays(1))));
    // Another store on the database (another replica) sees it at once.
    Store other = open();
    assertThat(other.uiSessions().find(token))
        .hasValueSatisfying(
            s -> {
              assertThat(s.keyHash()).isEqualTo(key);
              assertThat(s.createdAt()).isEqualTo(t0);
              assertThat(s.lastSeenAt()).isEqualTo(t0);
            });
    assertThat(sessions.find(dev.selvedge.keys.ApiKeys.hash("none-" + project()))).isEmpty();
    Instant later = t0.plus(Duration.ofMinutes(5));
    other.uiSessions().touch(token, later);
    assertThat(sessions.find(token))
        .hasValueSatisfying(s -> assertThat(s.lastSeenAt()).isEqualTo(later));
    // Expired by idleness: the old one goes, the fresh one stays.
    assertThat(sessions.deleteExpired(t0.minus(Duration.ofHours(1)), t0.minus(Duration.ofDays(3))))
        .isGreaterThanOrEqualTo(1);
    assertThat(sessions.find(old)).isEmpty();
    assertThat(sessions.find(token)).isPresent();
    assertThat(other.uiSessions().delete(token)).isTrue();
    assertThat(sessions.delete(token)).isFalse();
    assertThat(sessions.find(token)).isEmpty();
  }

  // --- replicas and who swept what -----------------------------------------------------------

  @Test
  void replicasRegisterBeatAreListedAndRemovedOnEveryStoreOfTheDatabase() {
    var replicas = store.replicas();
    String a = "replica-a-" + project();
    String b = "replica-b-" + project();
    Instant at = micros(clock.instant());
    var ra = new dev.selvedge.port.ReplicaStore.Replica(a, "host-1", 41, "1.2.3", at, at);
    var rb =
        new dev.selvedge.port.ReplicaStore.Replica(
            b, "host-2", 42, "1.2.3", at.plusSeconds(1), at.plusSeconds(1));
    replicas.register(ra);
    open().replicas().register(rb);
    assertThat(mine(replicas.replicas())).containsExactly(ra, rb);

    assertThat(replicas.heartbeat(a, at.plusSeconds(5))).isTrue();
    assertThat(mine(open().replicas().replicas()).getFirst().heartbeatAt())
        .isEqualTo(at.plusSeconds(5));
    // registering again (a replica whose row was forgotten while it was paused) replaces the row
    var again = new dev.selvedge.port.ReplicaStore.Replica(a, "host-1", 41, "1.2.3", at, at);
    replicas.register(again);
    assertThat(mine(replicas.replicas())).containsExactly(again, rb);

    assertThat(replicas.forget(at.plusSeconds(1))).isGreaterThanOrEqualTo(1);
    assertThat(mine(replicas.replicas())).containsExactly(rb);
    assertThat(replicas.heartbeat(a, at.plusSeconds(10))).as("forgotten").isFalse();
    replicas.remove(b);
    replicas.remove(b); // nothing left: no error
    assertThat(mine(replicas.replicas())).isEmpty();
  }

  private List<dev.selvedge.port.ReplicaStore.Replica> mine(
      List<dev.selvedge.port.ReplicaStore.Replica> all) {
    return all.stream().filter(r -> r.id().endsWith(project())).toList();
  }

  @Test
  void aNodeStateRecordsTheReplicaWhoseClaimWroteItAndClaimsAreListedWhileHeld() {
    var fleet = store.fleetState();
    String id = "node-" + project();
    String a = "replica-a-" + project();
    String b = "replica-b-" + project();
    Instant at = micros(clock.instant());
    var claim = fleet.claim(id, a, Duration.ofSeconds(30)).orElseThrow();
    assertThat(store.replicas().claims(databaseNow()))
        .filteredOn(c -> c.node().equals(id))
        .containsExactly(claim);
    var state = nodeState(id, dev.selvedge.status.Pill.GREEN, at, "{}");
    assertThat(state.sweptBy()).isNull();
    assertThat(fleet.record(claim, state, List.of())).isTrue();
    assertThat(open().fleetState().node(id)).contains(state.sweptBy(a));
    assertThat(store.replicas().claims(databaseNow()))
        .as("a record keeps the claim until it is let go")
        .filteredOn(c -> c.node().equals(id))
        .hasSize(1);
    fleet.release(claim);
    assertThat(store.replicas().claims(databaseNow()))
        .filteredOn(c -> c.node().equals(id))
        .isEmpty();
    assertThat(store.replicas().sweptNodes()).containsEntry(a, 1).doesNotContainKey(b);

    // another replica's touch moves the attribution with the time
    var other = fleet.claim(id, b, Duration.ofSeconds(30)).orElseThrow();
    assertThat(fleet.touch(other, id, at.plusSeconds(60), null)).isTrue();
    var read = fleet.node(id).orElseThrow();
    assertThat(read.sweptBy()).isEqualTo(b);
    assertThat(read.lastSweptAt()).isEqualTo(at.plusSeconds(60));
    assertThat(store.replicas().sweptNodes()).containsEntry(b, 1).doesNotContainKey(a);

    // a sweep without a claim (fleet status) names no replica
    fleet.record(state, List.of());
    assertThat(fleet.node(id).orElseThrow().sweptBy()).isNull();
  }

  // --- cross-tenant audits -------------------------------------------------------------------

  @Test
  void tenantAuditsAreKeptNewestFirstAndReadOnEveryReplica() {
    var audits = store.tenantAudits();
    Instant t0 = micros(clock.instant());
    String by = "request:" + project();
    String evidence =
        "{\"kind\":\"tenant-audit\",\"findings\":[" + "{\"x\":1},".repeat(2000) + "{}]}";
    var first =
        audits.add(new dev.selvedge.port.TenantAuditStore.AuditRun(0, t0, by, "clean", 0, "{}"));
    var second =
        audits.add(
            new dev.selvedge.port.TenantAuditStore.AuditRun(
                0, t0.plusSeconds(60), by, "findings", 2001, evidence));
    assertThat(second.id()).isGreaterThan(first.id());
    Store other = open();
    assertThat(other.tenantAudits().find(second.id()))
        .hasValueSatisfying(
            r -> {
              assertThat(r.at()).isEqualTo(t0.plusSeconds(60));
              assertThat(r.trigger()).isEqualTo(by);
              assertThat(r.result()).isEqualTo("findings");
              assertThat(r.findings()).isEqualTo(2001);
              assertThat(r.evidence()).isEqualTo(evidence);
            });
    assertThat(other.tenantAudits().latest())
        .hasValueSatisfying(r -> assertThat(r.id()).isGreaterThanOrEqualTo(second.id()));
    var page = other.tenantAudits().list(1, second.id());
    assertThat(page).hasSize(1);
    assertThat(page.get(0).id()).isLessThan(second.id());
    assertThat(other.tenantAudits().list(50, second.id() + 1))
        .extracting(dev.selvedge.port.TenantAuditStore.AuditRun::id)
        .contains(second.id(), first.id())
        .isSortedAccordingTo(java.util.Comparator.reverseOrder());
    assertThat(audits.find(-1)).isEmpty();
  }

  @Test
  void oldTenantAuditsAreRemovedButNeverTheNewest() {
    var audits = store.tenantAudits();
    Instant t0 = micros(clock.instant());
    String by = "schedule";
    java.util.function.Function<Instant, dev.selvedge.port.TenantAuditStore.AuditRun> add =
        at ->
            audits.add(
                new dev.selvedge.port.TenantAuditStore.AuditRun(0, at, by, "clean", 0, "{}"));
    var old = add.apply(t0.minus(java.time.Duration.ofDays(10)));
    var recent = add.apply(t0.minus(java.time.Duration.ofDays(1)));
    // The newest run by id, though recorded long ago, is what the UI shows: it stays.
    var newest = add.apply(t0.minus(java.time.Duration.ofDays(20)));
    assertThat(audits.removeBefore(t0.minus(java.time.Duration.ofDays(5))))
        .isGreaterThanOrEqualTo(1);
    assertThat(audits.find(old.id())).isEmpty();
    assertThat(audits.find(recent.id())).isPresent();
    assertThat(audits.find(newest.id())).isPresent();
    assertThat(audits.removeBefore(t0.plus(java.time.Duration.ofDays(1)))).isPositive();
    assertThat(audits.find(recent.id())).isEmpty();
    assertThat(audits.latest()).hasValueSatisfying(r -> assertThat(r.id()).isEqualTo(newest.id()));
  }

  // --- auto-update ---------------------------------------------------------------------------

  @Test
  void anAutoUpdateDigestIsAttemptedOnceOnEveryReplica() {
    var updates = store.autoUpdates();
    String stack = project();
    String digest = "sha256:" + "b".repeat(64);
    Instant t0 = micros(clock.instant());
    var claim =
        updates.add(
            new dev.selvedge.port.AutoUpdateStore.Attempt(0, stack, "api", digest, "", t0, null));
    assertThat(claim).isPresent();
    Store other = open();
    // another replica checking at the same time cannot claim the same digest
    assertThat(
            other
                .autoUpdates()
                .add(
                    new dev.selvedge.port.AutoUpdateStore.Attempt(
                        0, stack, "api", digest, "", t0.plusSeconds(1), null)))
        .isEmpty();
    // another service, or another digest, is its own attempt
    var web =
        other
            .autoUpdates()
            .add(
                new dev.selvedge.port.AutoUpdateStore.Attempt(
                    0, stack, "web", digest, "", t0, null));
    assertThat(web).isPresent();
    updates.rollout(claim.get().id(), "r-" + stack);
    updates.rollout(web.get().id(), "r-" + stack);
    assertThat(other.autoUpdates().outcome("r-" + stack, "halted")).isEqualTo(2);
    assertThat(other.autoUpdates().find(stack, "api", digest))
        .hasValueSatisfying(
            a -> {
              assertThat(a.rolloutId()).isEqualTo("r-" + stack);
              assertThat(a.startedAt()).isEqualTo(t0);
              assertThat(a.outcome()).isEqualTo("halted");
            });
    assertThat(updates.attempts(stack, 10))
        .extracting(dev.selvedge.port.AutoUpdateStore.Attempt::service)
        .containsExactly("web", "api");
    // a refused start releases its claim: the next check may claim it again
    String next = "sha256:" + "c".repeat(64);
    var refused =
        updates.add(
            new dev.selvedge.port.AutoUpdateStore.Attempt(0, stack, "api", next, "", t0, null));
    updates.release(refused.orElseThrow().id());
    assertThat(updates.find(stack, "api", next)).isEmpty();
    assertThat(
            other
                .autoUpdates()
                .add(
                    new dev.selvedge.port.AutoUpdateStore.Attempt(
                        0, stack, "api", next, "", t0, null)))
        .isPresent();
    assertThat(updates.find(stack + "-other", "api", digest)).isEmpty();
    // a claim whose rollout is named is an attempt: release (of a claim only) keeps it
    updates.release(claim.get().id());
    assertThat(updates.find(stack, "api", digest)).isPresent();
  }

  @Test
  void twoStoresSeeingTheSameTagAtOnceBothSucceed() throws Exception {
    Store other = open();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    String stack = project();
    Instant t0 = micros(clock.instant());
    try {
      for (int round = 0; round < 20; round++) {
        String service = "svc-" + round;
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<?>> racers = new ArrayList<>();
        for (Store s : List.of(store, other)) {
          String digest = "sha256:" + (s == store ? "1" : "2").repeat(64);
          racers.add(
              pool.submit(
                  () -> {
                    start.await(10, TimeUnit.SECONDS);
                    s.autoUpdates()
                        .see(
                            new dev.selvedge.port.AutoUpdateStore.Seen(
                                stack, service, "r/app:1", digest, t0));
                    return null;
                  }));
        }
        for (Future<?> racer : racers) {
          racer.get(30, TimeUnit.SECONDS);
        }
        assertThat(store.autoUpdates().seen(stack).get(service).digest())
            .as("round %d", round)
            .isIn("sha256:" + "1".repeat(64), "sha256:" + "2".repeat(64));
      }
      assertThat(other.autoUpdates().seen(stack)).hasSize(20);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theDigestsAnAutoUpdateSawAreReplacedPerService() {
    var updates = store.autoUpdates();
    String stack = project();
    Instant t0 = micros(clock.instant());
    String a = "sha256:" + "1".repeat(64);
    String b = "sha256:" + "2".repeat(64);
    updates.see(new dev.selvedge.port.AutoUpdateStore.Seen(stack, "api", "r/app:1", a, t0));
    updates.see(new dev.selvedge.port.AutoUpdateStore.Seen(stack, "web", "r/web:1", a, t0));
    open()
        .autoUpdates()
        .see(
            new dev.selvedge.port.AutoUpdateStore.Seen(
                stack, "api", "r/app:2", b, t0.plusSeconds(5)));
    var seen = updates.seen(stack);
    assertThat(seen.keySet()).containsExactly("api", "web");
    assertThat(seen.get("api").digest()).isEqualTo(b);
    assertThat(seen.get("api").reference()).isEqualTo("r/app:2");
    assertThat(seen.get("api").at()).isEqualTo(t0.plusSeconds(5));
    assertThat(seen.get("web").digest()).isEqualTo(a);
    assertThat(updates.seen(stack + "-other")).isEmpty();
  }

  // --- rollouts ------------------------------------------------------------------------------

  private static final Duration LEASE = Duration.ofSeconds(30);

  private dev.selvedge.port.RolloutStore.Rollout rollout(String id, String stack, String owner) {
    Instant now = micros(clock.instant());
    return new dev.selvedge.port.RolloutStore.Rollout(
        id,
        stack,
        "tag:eu",
        "1,50%,100%",
        Map.of("api", "registry:5000/api:2.0", "web", "web:1"),
        Duration.ofSeconds(90),
        4,
        false,
        dev.selvedge.port.RolloutStore.State.RUNNING,
        "zoë@büro",
        now,
        now,
        owner,
        now.plusSeconds(30),
        null,
        null);
  }

  private static dev.selvedge.port.RolloutStore.NodeStep pending(String node, int wave, int pos) {
    return new dev.selvedge.port.RolloutStore.NodeStep(
        node,
        wave,
        pos,
        dev.selvedge.port.RolloutStore.Step.PENDING,
        null,
        null,
        null,
        null,
        Instant.parse("2025-06-01T12:00:00Z"));
  }

  @Test
  void aRolloutRoundTripsAndOnlyOneIsActivePerStack() {
    var rollouts = store.rollouts();
    String stack = project();
    String id = "r1-" + project();
    var r = rollout(id, stack, "proc-a");
    Instant before = databaseNow();
    rollouts.create(r, List.of(pending("a", 0, 0), pending("b", 1, 1), pending("c", 1, 2)), LEASE);
    Store other = open();
    var read = other.rollouts().find(id).orElseThrow();
    assertThat(read).usingRecursiveComparison().ignoringFields("leaseUntil").isEqualTo(r);
    // the lease runs from the database's time, not the caller's (its clock is a year behind)
    assertThat(read.leaseUntil()).isBetween(before.plus(LEASE), databaseNow().plus(LEASE));
    assertThat(other.rollouts().steps(id))
        .extracting(dev.selvedge.port.RolloutStore.NodeStep::node)
        .containsExactly("a", "b", "c");
    assertThat(other.rollouts().active(stack)).contains(read);
    assertThat(other.rollouts().list(500)).extracting(x -> x.id()).contains(id);

    // a second rollout of the stack is refused, naming the running one
    assertThatThrownBy(
            () ->
                other
                    .rollouts()
                    .create(rollout("r2-" + project(), stack, "proc-b"), List.of(), LEASE))
        .isInstanceOf(dev.selvedge.port.RolloutStore.Busy.class)
        .hasMessageContaining(id);
    assertThat(other.rollouts().find("r2-" + project())).isEmpty();

    assertThat(rollouts.skipPending(id, "proc-b", "x", micros(clock.instant()))).isZero();
    assertThat(rollouts.skipPending(id, "proc-a", "not reached", micros(clock.instant())))
        .isEqualTo(3);
    assertThat(other.rollouts().steps(id))
        .allSatisfy(
            st -> {
              assertThat(st.step()).isEqualTo(dev.selvedge.port.RolloutStore.Step.SKIPPED);
              assertThat(st.detail()).isEqualTo("not reached");
            });
    // once it ended, another may start; the ended one cannot go active again while it runs
    Instant at = micros(clock.instant());
    assertThat(
            rollouts.transition(
                id,
                "proc-a",
                dev.selvedge.port.RolloutStore.State.HALTED,
                "node a: gate failed",
                "a",
                at,
                null))
        .isTrue();
    var halted = rollouts.find(id).orElseThrow();
    assertThat(halted.state()).isEqualTo(dev.selvedge.port.RolloutStore.State.HALTED);
    assertThat(halted.owner()).isNull();
    assertThat(halted.failedNode()).isEqualTo("a");
    assertThat(halted.reason()).isEqualTo("node a: gate failed");
    assertThat(rollouts.active(stack)).isEmpty();
    other.rollouts().create(rollout("r2-" + project(), stack, "proc-b"), List.of(), LEASE);
    assertThatThrownBy(
            () ->
                rollouts.transition(
                    id,
                    "proc-a",
                    dev.selvedge.port.RolloutStore.State.RUNNING,
                    null,
                    null,
                    at,
                    LEASE))
        .isInstanceOf(dev.selvedge.port.RolloutStore.Busy.class)
        .hasMessageContaining("r2-" + project());
    // the state machine: a halted rollout cannot finish
    assertThat(
            rollouts.transition(
                id, null, dev.selvedge.port.RolloutStore.State.FINISHED, null, null, at, null))
        .isFalse();
  }

  @Test
  void aRolloutIsOwnedUnderALeaseAndTakenOverWhenItEnds() {
    var rollouts = store.rollouts();
    String id = "r-" + project();
    rollouts.create(rollout(id, project(), "proc-a"), List.of(pending("a", 0, 0)), LEASE);
    Instant now = micros(clock.instant());
    Store other = open();
    // the lease is live: nobody else takes it
    assertThat(other.rollouts().claim(id, "proc-b", LEASE)).isEmpty();
    assertThat(other.rollouts().claimExpired("proc-b", LEASE, 10))
        .extracting(x -> x.id())
        .doesNotContain(id);
    // the owner's steps land; previous and host are kept once set
    var step =
        new dev.selvedge.port.RolloutStore.NodeStep(
            "a",
            0,
            0,
            dev.selvedge.port.RolloutStore.Step.APPLYING,
            "docker-daemon:X",
            7L,
            null,
            null,
            now);
    assertThat(rollouts.step(id, "proc-a", step)).isTrue();
    assertThat(rollouts.renew(id, "proc-a", Duration.ofSeconds(40))).isPresent();
    // the lease ends (the owner died): another process takes it, the old owner is fenced out
    ageRollout(id, Duration.ofSeconds(41));
    Instant later = now.plusSeconds(41);
    assertThat(other.rollouts().claimExpired("proc-b", LEASE, 1000))
        .extracting(x -> x.id())
        .contains(id);
    assertThat(rollouts.renew(id, "proc-a", LEASE)).isEmpty();
    assertThat(
            rollouts.step(
                id, "proc-a", step.with(dev.selvedge.port.RolloutStore.Step.HEALTHY, "x", later)))
        .isFalse();
    var done =
        new dev.selvedge.port.RolloutStore.NodeStep(
            "a",
            0,
            0,
            dev.selvedge.port.RolloutStore.Step.HEALTHY,
            "docker-daemon:Y",
            9L,
            12L,
            "healthy",
            later);
    assertThat(other.rollouts().step(id, "proc-b", done)).isTrue();
    var read = store.rollouts().steps(id).get(0);
    assertThat(read.step()).isEqualTo(dev.selvedge.port.RolloutStore.Step.HEALTHY);
    assertThat(read.previous()).isEqualTo(7L);
    assertThat(read.host()).isEqualTo("docker-daemon:X");
    assertThat(read.deployment()).isEqualTo(12L);
    assertThat(read.detail()).isEqualTo("healthy");
    assertThat(store.rollouts().find(id).orElseThrow().owner()).isEqualTo("proc-b");
    // skipping the pending nodes is the owner's, and leaves finished ones alone
    assertThat(rollouts.skipPending(id, "proc-a", "not reached", later)).isZero();
    assertThat(other.rollouts().skipPending(id, "proc-b", "not reached", later)).isZero();
    assertThat(other.rollouts().steps(id).get(0).step())
        .isEqualTo(dev.selvedge.port.RolloutStore.Step.HEALTHY);
    // an abort needs no lease; the owner then sees it on renewal
    assertThat(
            rollouts.transition(
                id, null, dev.selvedge.port.RolloutStore.State.ABORTED, "stop", null, later, null))
        .isTrue();
    assertThat(other.rollouts().renew(id, "proc-b", Duration.ofSeconds(60)))
        .hasValueSatisfying(
            x -> assertThat(x.state()).isEqualTo(dev.selvedge.port.RolloutStore.State.ABORTED));
    assertThat(other.rollouts().claim(id, "proc-b", LEASE)).isEmpty();
  }

  @Test
  void anAbortLeavesTheRolloutToItsLiveOwnerUntilItStops() {
    var rollouts = store.rollouts();
    String id = "ra-" + project();
    String stack = project();
    rollouts.create(
        rollout(id, stack, "proc-a"), List.of(pending("a", 0, 0), pending("b", 0, 1)), LEASE);
    Instant now = micros(clock.instant());
    var applying =
        new dev.selvedge.port.RolloutStore.NodeStep(
            "a", 0, 0, dev.selvedge.port.RolloutStore.Step.APPLYING, "h", 7L, null, null, now);
    assertThat(rollouts.step(id, "proc-a", applying)).isTrue();
    // another process aborts it while proc-a applies node a
    Store other = open();
    assertThat(
            other
                .rollouts()
                .transition(
                    id,
                    null,
                    dev.selvedge.port.RolloutStore.State.ABORTED,
                    "aborted by ann",
                    null,
                    now,
                    null))
        .isTrue();
    var aborted = other.rollouts().find(id).orElseThrow();
    assertThat(aborted.state()).isEqualTo(dev.selvedge.port.RolloutStore.State.ABORTED);
    assertThat(aborted.owner()).isEqualTo("proc-a");
    assertThat(other.rollouts().active(stack)).isEmpty();
    // nobody else resumes it while proc-a's lease is live
    assertThat(
            other
                .rollouts()
                .transition(
                    id,
                    "proc-b",
                    dev.selvedge.port.RolloutStore.State.RUNNING,
                    null,
                    null,
                    now,
                    LEASE))
        .isFalse();
    // proc-a's result for node a lands, it skips b, then gives the rollout up
    assertThat(
            rollouts.step(
                id,
                "proc-a",
                applying.with(dev.selvedge.port.RolloutStore.Step.HEALTHY, "healthy", now)))
        .isTrue();
    assertThat(rollouts.skipPending(id, "proc-a", "not reached", now)).isEqualTo(1);
    assertThat(
            rollouts.transition(
                id,
                "proc-a",
                dev.selvedge.port.RolloutStore.State.ABORTED,
                "aborted by ann",
                null,
                now,
                null))
        .isTrue();
    var stopped = other.rollouts().find(id).orElseThrow();
    assertThat(stopped.owner()).isNull();
    assertThat(stopped.leaseUntil()).isNull();
    assertThat(stopped.reason()).isEqualTo("aborted by ann");
    assertThat(other.rollouts().steps(id))
        .extracting(dev.selvedge.port.RolloutStore.NodeStep::step)
        .containsExactly(
            dev.selvedge.port.RolloutStore.Step.HEALTHY,
            dev.selvedge.port.RolloutStore.Step.SKIPPED);
    assertThat(rollouts.step(id, "proc-a", applying)).isFalse();
  }

  /** A rollout service of a process whose clock is {@code c}, that records what it would run. */
  private dev.selvedge.fleet.rollout.RolloutService rolloutService(
      Store on, java.time.Clock c, String owner, String stack, List<Runnable> handedOff) {
    Map<String, dev.selvedge.fleet.Fleet.Node> nodes = new LinkedHashMap<>();
    for (String n : List.of("a", "b")) {
      nodes.put(
          n,
          new dev.selvedge.fleet.Fleet.Node(
              n,
              "unix:///n/" + n,
              null,
              null,
              null,
              List.of(),
              Map.of(
                  stack,
                  new dev.selvedge.fleet.Fleet.Stack(
                      stack, java.nio.file.Path.of("/c"), stack, null, null))));
    }
    var fleet =
        new dev.selvedge.fleet.Fleet(
            java.nio.file.Path.of("/fleet.yaml"),
            dev.selvedge.fleet.Fleet.Poll.DEFAULT,
            nodes,
            List.of());
    var deployer =
        new dev.selvedge.fleet.rollout.NodeDeployer() {
          @Override
          public void check(
              dev.selvedge.fleet.Fleet.Node node, dev.selvedge.port.RolloutStore.Rollout r) {}

          @Override
          public Current current(
              dev.selvedge.fleet.Fleet.Node node, dev.selvedge.port.RolloutStore.Rollout r) {
            throw new AssertionError("not run here");
          }

          @Override
          public Result apply(
              dev.selvedge.fleet.Fleet.Node node, dev.selvedge.port.RolloutStore.Rollout r) {
            throw new AssertionError("not run here");
          }

          @Override
          public java.util.Optional<Result> judge(
              dev.selvedge.fleet.Fleet.Node node,
              dev.selvedge.port.RolloutStore.Rollout r,
              dev.selvedge.port.RolloutStore.NodeStep step) {
            throw new AssertionError("not run here");
          }

          @Override
          public Result rollback(
              dev.selvedge.fleet.Fleet.Node node,
              dev.selvedge.port.RolloutStore.Rollout r,
              long to) {
            throw new AssertionError("not run here");
          }
        };
    return new dev.selvedge.fleet.rollout.RolloutService(
        on.rollouts(),
        () -> fleet,
        deployer,
        dev.selvedge.fleet.rollout.RolloutListener.NONE,
        c,
        owner,
        LEASE,
        handedOff::add);
  }

  @Test
  void rolloutLeasesRunOnTheDatabasesClockWhateverTheProcessesClocksSay() {
    String stack = project();
    List<Runnable> handedOff = new ArrayList<>();
    var behind =
        rolloutService(
            open(), skewed(Duration.ofMinutes(-10)), "behind-" + stack, stack, handedOff);
    var ahead =
        rolloutService(open(), skewed(Duration.ofMinutes(10)), "ahead-" + stack, stack, handedOff);
    Instant before = databaseNow();
    var r =
        behind.create(
            new dev.selvedge.fleet.rollout.RolloutRequest(
                stack, null, null, "1,100%", Map.of(), Duration.ofSeconds(90), 1, false, "ann"));
    assertThat(r.owner()).isEqualTo("behind-" + stack);
    assertThat(r.leaseUntil()).isBetween(before.plus(LEASE), databaseNow().plus(LEASE));
    // ahead's clock is past the end behind's clock would give the lease: it is live
    assertThat(ahead.resumeExpired()).doesNotContain(r.id());
    assertThatThrownBy(() -> ahead.prepareResume(r.id()))
        .hasMessageContaining("is being worked on by behind-" + stack);

    // behind dies: its lease ends LEASE after its last renewal on the database's clock
    ageRollout(r.id(), LEASE.plusSeconds(1));
    // (other tests' rollouts on a shared database may be taken too: contains, not exactly)
    assertThat(ahead.resumeExpired()).contains(r.id());
    assertThat(handedOff).isNotEmpty();
    var taken = store.rollouts().find(r.id()).orElseThrow();
    assertThat(taken.owner()).isEqualTo("ahead-" + stack);
    // ahead's lease is live: behind, whose clock never reaches the end ahead's would give, and
    // any other process, leave it
    assertThat(behind.resumeExpired()).doesNotContain(r.id());
    assertThat(store.rollouts().claim(r.id(), "third", LEASE)).isEmpty();
    // ahead dies: its lease ends LEASE later, not ten minutes later
    ageRollout(r.id(), LEASE.plusSeconds(1));
    assertThat(behind.resumeExpired()).contains(r.id());
    assertThat(store.rollouts().find(r.id()).orElseThrow().owner()).isEqualTo("behind-" + stack);
    assertThat(store.rollouts().renew(r.id(), "ahead-" + stack, LEASE)).isEmpty();
  }

  @Test
  void abortedRolloutsWhoseOwnerDiedBeforeItStoppedAreFoundOnlyOnceTheLeaseRanOut() {
    var rollouts = store.rollouts();
    String id = "ra-" + project();
    rollouts.create(
        rollout(id, project(), "proc-a"), List.of(pending("a", 0, 0), pending("b", 1, 1)), LEASE);
    Instant at = micros(clock.instant());
    var aborted = dev.selvedge.port.RolloutStore.State.ABORTED;
    assertThat(rollouts.abandonedAborts(10)).doesNotContain(id); // running
    // aborted while proc-a holds it: proc-a skips its nodes when it stops
    assertThat(rollouts.transition(id, null, aborted, "aborted by ann", null, at, null)).isTrue();
    assertThat(rollouts.find(id).orElseThrow().owner()).isEqualTo("proc-a");
    assertThat(rollouts.abandonedAborts(10)).doesNotContain(id); // its lease is live
    // proc-a died before it stopped: its lease runs out on the database's clock
    ageRollout(id, LEASE.plusSeconds(1));
    assertThat(open().rollouts().abandonedAborts(10)).contains(id);
    // an abort again finishes it: owner cleared, nodes skipped, no longer found
    assertThat(rollouts.transition(id, null, aborted, "aborted by ann", null, at, null)).isTrue();
    assertThat(rollouts.find(id).orElseThrow().owner()).isNull();
    assertThat(rollouts.steps(id))
        .extracting(dev.selvedge.port.RolloutStore.NodeStep::step)
        .containsOnly(dev.selvedge.port.RolloutStore.Step.SKIPPED);
    assertThat(rollouts.abandonedAborts(10)).doesNotContain(id);
  }

  @Test
  void anAbortOfARolloutWhoseOwnersLeaseRanOutSkipsItsPendingNodesAndFencesTheOwner() {
    var rollouts = store.rollouts();
    String dead = "rd-" + project();
    rollouts.create(
        rollout(dead, project(), "proc-a"),
        List.of(pending("a", 0, 0), pending("b", 0, 1), pending("c", 1, 2)),
        LEASE);
    Instant now = micros(clock.instant());
    var applying =
        new dev.selvedge.port.RolloutStore.NodeStep(
            "a", 0, 0, dev.selvedge.port.RolloutStore.Step.APPLYING, "h", 7L, null, null, now);
    assertThat(rollouts.step(dead, "proc-a", applying)).isTrue();
    // proc-a dies; its lease runs out (on the database's clock) and nobody took the rollout over
    ageRollout(dead, LEASE.plusSeconds(1));
    Store other = open();
    Instant late = now.plusSeconds(31);
    assertThat(
            other
                .rollouts()
                .transition(
                    dead,
                    null,
                    dev.selvedge.port.RolloutStore.State.ABORTED,
                    "aborted by ann",
                    null,
                    late,
                    null))
        .isTrue();
    var aborted = other.rollouts().find(dead).orElseThrow();
    assertThat(aborted.state()).isEqualTo(dev.selvedge.port.RolloutStore.State.ABORTED);
    assertThat(aborted.owner()).isNull();
    assertThat(aborted.leaseUntil()).isNull();
    assertThat(other.rollouts().active(project())).isEmpty();
    // the nodes never started read skipped at once; the one left applying stays as it was
    assertThat(other.rollouts().steps(dead))
        .extracting(
            dev.selvedge.port.RolloutStore.NodeStep::node,
            dev.selvedge.port.RolloutStore.NodeStep::step,
            dev.selvedge.port.RolloutStore.NodeStep::detail)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "a", dev.selvedge.port.RolloutStore.Step.APPLYING, null),
            org.assertj.core.groups.Tuple.tuple(
                "b",
                dev.selvedge.port.RolloutStore.Step.SKIPPED,
                "not reached: the rollout was aborted"),
            org.assertj.core.groups.Tuple.tuple(
                "c",
                dev.selvedge.port.RolloutStore.Step.SKIPPED,
                "not reached: the rollout was aborted"));
    // the dead owner, should it wake, writes nothing
    assertThat(
            rollouts.step(
                dead,
                "proc-a",
                applying.with(dev.selvedge.port.RolloutStore.Step.HEALTHY, "healthy", late)))
        .isFalse();
    assertThat(rollouts.skipPending(dead, "proc-a", "x", late)).isZero();
    assertThat(rollouts.renew(dead, "proc-a", LEASE)).isEmpty();
  }

  // --- notification deliveries ---------------------------------------------------------------

  @Test
  void notificationDeliveriesAreKeptNewestFirstAndRemovedByAge() {
    var deliveries = store.notifications();
    Instant t0 = micros(clock.instant());
    String note = "n-" + project();
    var failed =
        deliveries.add(
            new dev.selvedge.port.NotificationStore.Delivery(
                0,
                t0,
                "https://hooks.example.net/…",
                note,
                "stack.status.changed",
                "app-1/shop",
                "change",
                1,
                "failed",
                500,
                "the webhook answered 500",
                12));
    var sent =
        deliveries.add(
            new dev.selvedge.port.NotificationStore.Delivery(
                0,
                t0.plusSeconds(2),
                "https://hooks.example.net/…",
                note,
                "stack.status.changed",
                "app-1/shop",
                "change",
                2,
                "sent",
                null,
                "x".repeat(5000),
                7));
    assertThat(sent.id()).isGreaterThan(failed.id());
    assertThat(sent.error()).hasSize(1000);
    Store other = open();
    var page = other.notifications().list(2, sent.id() + 1);
    assertThat(page)
        .extracting(dev.selvedge.port.NotificationStore.Delivery::id)
        .containsExactly(sent.id(), failed.id());
    var first = page.get(1);
    assertThat(first.at()).isEqualTo(t0);
    assertThat(first.webhook()).isEqualTo("https://hooks.example.net/…");
    assertThat(first.notification()).isEqualTo(note);
    assertThat(first.eventType()).isEqualTo("stack.status.changed");
    assertThat(first.subject()).isEqualTo("app-1/shop");
    assertThat(first.kind()).isEqualTo("change");
    assertThat(first.attempt()).isEqualTo(1);
    assertThat(first.status()).isEqualTo("failed");
    assertThat(first.httpStatus()).isEqualTo(500);
    assertThat(first.error()).isEqualTo("the webhook answered 500");
    assertThat(first.millis()).isEqualTo(12);
    assertThat(page.get(0).httpStatus()).isNull();
    assertThat(other.notifications().list(1, sent.id()))
        .extracting(d -> d.id())
        .containsExactly(failed.id());
    assertThat(deliveries.deleteBefore(t0.plusSeconds(1))).isGreaterThanOrEqualTo(1);
    assertThat(other.notifications().list(1000, sent.id() + 1))
        .extracting(dev.selvedge.port.NotificationStore.Delivery::id)
        .contains(sent.id())
        .doesNotContain(failed.id());
  }
}
