package dev.selvedge.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.AuditLog;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.Lease;
import dev.selvedge.port.LeaseHeldException;
import dev.selvedge.port.LeaseStore;
import dev.selvedge.testing.ContainerBuilder;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The lease key: the daemon's identity, whatever endpoint reaches it; and who may take a held lease
 * over at once (a holder on this machine that died), finishing the restores it recorded.
 */
class LeaseKeeperTest {
  private static final String ENDPOINT = "ssh://ops@build-01";

  /** An engine that only knows its endpoint and what {@code daemonId()} answers. */
  private static DockerEngine engine(Supplier<String> daemonId) {
    return engine(
        daemonId,
        (method, args) -> {
          throw new UnsupportedOperationException(method);
        });
  }

  /** An engine that knows its endpoint and ID, and answers every other call with {@code rest}. */
  private static DockerEngine engine(
      Supplier<String> daemonId, java.util.function.BiFunction<String, Object[], Object> rest) {
    return (DockerEngine)
        Proxy.newProxyInstance(
            DockerEngine.class.getClassLoader(),
            new Class<?>[] {DockerEngine.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "endpoint" -> ENDPOINT;
                  case "daemonId" -> daemonId.get();
                  default -> rest.apply(method.getName(), args);
                });
  }

  @Test
  void theKeyIsTheDaemonIdSoEveryEndpointOfOneEngineSharesIt() {
    assertThat(LeaseKeeper.key(engine(() -> "Q2ZX:4JTA:PLUS")))
        .isEqualTo("docker-daemon:Q2ZX:4JTA:PLUS");
  }

  @Test
  void anEngineWithoutAnIdIsKeyedByItsEndpoint() {
    assertThat(LeaseKeeper.key(engine(() -> ""))).isEqualTo(ENDPOINT);
    assertThat(LeaseKeeper.key(engine(() -> null))).isEqualTo(ENDPOINT);
  }

  @Test
  void anEngineThatRefusesToSayGetsNoLease() {
    DockerEngine filtered =
        engine(
            () -> {
              throw new EngineException(ENDPOINT, 403, "forbidden by the socket proxy");
            });
    assertThatThrownBy(() -> LeaseKeeper.key(filtered))
        .isInstanceOf(OperationException.class)
        .hasMessageContaining(ENDPOINT)
        .hasMessageContaining("403")
        .hasMessageContaining("GET /info")
        .hasMessageContaining("nothing was changed");
  }

  private static final Duration TTL = Duration.ofMinutes(10);

  /**
   * One lease row, as the store keeps it: taken over only by token; its times on the machine's
   * clock, which stands for the store's.
   */
  private static final class OneLease implements LeaseStore {
    Lease row;
    int renewals;
    volatile boolean away; // renewals fail as with an unreachable store

    @Override
    public Lease acquire(
        String host, String project, String owner, String op, Duration ttl, Lease.Holder h) {
      Instant now = Instant.now();
      if (row != null && row.expiresAt().isAfter(now)) {
        throw new LeaseHeldException(host, project, row);
      }
      // An expired holding is replaced, keeping what it was restoring (as the store does).
      Map<String, Lease.Restore> left = row == null ? Map.of() : row.restoring();
      row = new Lease(host, project, owner, op, "t-" + owner, now, now.plus(ttl), h, left);
      return row;
    }

    @Override
    public Lease takeOver(Lease dead, String owner, String op, Duration ttl, Lease.Holder h) {
      if (row == null || !row.token().equals(dead.token())) {
        throw new LeaseHeldException(dead.host(), dead.project(), row);
      }
      row = null;
      row = acquire(dead.host(), dead.project(), owner, op, ttl, h).restoring(dead.restoring());
      return row;
    }

    @Override
    public Lease restoring(Lease lease, Map<String, Lease.Restore> restoring) {
      row = row.restoring(restoring);
      return row;
    }

    @Override
    public Lease renew(Lease lease, Duration ttl) {
      if (away) {
        throw new IllegalStateException("store unreachable");
      }
      renewals++;
      row = row.expiring(Instant.now().plus(ttl));
      return row;
    }

    @Override
    public void release(Lease lease) {
      if (row != null && row.token().equals(lease.token())) {
        row = null;
      }
    }

    @Override
    public void release(String host, String project, String token) {
      if (row != null && row.token().equals(token)) {
        row = null;
      }
    }

    @Override
    public Optional<Lease> current(String host, String project) {
      return Optional.ofNullable(row);
    }
  }

  /** An engine that records the changes asked of it; {@code parked} is the one it can inspect. */
  private static DockerEngine recording(List<String> calls, String parkedName) {
    return engine(
        () -> "D1",
        (method, args) ->
            switch (method) {
              case "inspectContainer" ->
                  ContainerBuilder.bare("shop", "web")
                      .id((String) args[0])
                      .name(parkedName)
                      .state("exited", 137)
                      .build();
              case "removeContainer", "startContainer" -> {
                calls.add(method + " " + args[0]);
                yield null;
              }
              case "renameContainer" -> {
                calls.add(method + " " + args[0] + " " + args[1]);
                yield null;
              }
              default -> throw new UnsupportedOperationException(method);
            });
  }

  /** A holder that ran on this machine and was killed: a real process, gone. */
  private static Lease.Holder deadHolder() throws Exception {
    Process p = new ProcessBuilder("sleep", "600").start();
    Lease.Holder h = LocalProcesses.SYSTEM.holder(p.pid());
    p.destroyForcibly();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return h;
  }

  private static final List<AuditLog.Event> AUDITED = new ArrayList<>();
  private static final AuditLog AUDIT =
      new AuditLog() {
        @Override
        public void record(AuditLog.Event event) {
          AUDITED.add(event);
        }

        @Override
        public List<AuditLog.Event> recent(String host, String project, int limit) {
          return List.copyOf(AUDITED);
        }

        @Override
        public List<AuditLog.Event> find(AuditLog.Query query) {
          return List.copyOf(AUDITED);
        }

        @Override
        public AuditLog.Purged purge(
            java.time.Instant cutoff, java.time.Instant at, String actor, String source) {
          throw new UnsupportedOperationException("retention is not part of these tests");
        }
      };

  private static LeaseKeeper take(LeaseStore leases, DockerEngine engine, List<String> steps) {
    return take(leases, engine, steps, Clock.systemUTC());
  }

  private static LeaseKeeper take(
      LeaseStore leases, DockerEngine engine, List<String> steps, Clock clock) {
    return take(leases, engine, steps, clock, System::nanoTime);
  }

  private static LeaseKeeper take(
      LeaseStore leases,
      DockerEngine engine,
      List<String> steps,
      Clock clock,
      java.util.function.LongSupplier nanos) {
    return LeaseKeeper.acquire(
        leases,
        engine,
        "shop",
        "bo@box (pid 2)",
        "apply",
        TTL,
        new Progress() {
          @Override
          public void step(String service, String message) {
            steps.add(message);
          }

          @Override
          public void progress(String r, String l, String s, long c, long t) {}
        },
        AUDIT,
        clock,
        LocalProcesses.SYSTEM,
        nanos);
  }

  /** A monotonic timer the test moves. */
  private static final class Ticker implements java.util.function.LongSupplier {
    private final AtomicLong nanos = new AtomicLong(System.nanoTime());

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }

    @Override
    public long getAsLong() {
      return nanos.get();
    }
  }

  /** The time to live less the keeper's margin (a sixth of it). */
  private static final Duration SAFE = TTL.minus(TTL.dividedBy(6));

  @Test
  void workStopsOnceTheTimeToLiveLessItsMarginPassedSinceTheLeaseWasAskedFor() {
    Ticker ticker = new Ticker();
    try (LeaseKeeper lease =
        take(new OneLease(), engine(() -> "D1"), new ArrayList<>(), Clock.systemUTC(), ticker)) {
      lease.check();
      ticker.advance(SAFE.minusSeconds(5));
      lease.check(); // still within the time to live less the margin
      ticker.advance(Duration.ofSeconds(10));
      assertThatThrownBy(lease::check)
          .isInstanceOf(LeaseHeldException.class)
          .hasMessageContaining("lease expired");
    }
  }

  @Test
  void aConfirmedRenewalCountsTheTimeToLiveAgainAndOneTheStoreDidNotTakeDoesNot() {
    Ticker ticker = new Ticker();
    OneLease leases = new OneLease();
    try (LeaseKeeper lease =
        take(leases, engine(() -> "D1"), new ArrayList<>(), Clock.systemUTC(), ticker)) {
      ticker.advance(Duration.ofMinutes(4));
      lease.renew();
      assertThat(leases.renewals).isEqualTo(1);
      ticker.advance(SAFE.minusSeconds(5)); // past SAFE since acquiring, within it since renewing
      lease.check();

      leases.away = true;
      ticker.advance(Duration.ofSeconds(1));
      lease.renew(); // the store is away: nothing confirmed
      lease.check(); // the lease still runs on the last confirmed renewal
      ticker.advance(Duration.ofSeconds(5));
      assertThatThrownBy(lease::check).isInstanceOf(LeaseHeldException.class);
    }
  }

  @Test
  void theMachinesClockIsNeverComparedWithTheStoresExpiry() {
    // The store's expiries are on its clock (here the machine's); the keepers' clocks are 10
    // minutes ahead of it and behind it. Both hold while the time to live runs, and stop once it
    // ran out, on their elapsed time alone.
    for (Duration skew : List.of(Duration.ofMinutes(10), Duration.ofMinutes(-10))) {
      Ticker ticker = new Ticker();
      Clock off = Clock.offset(Clock.systemUTC(), skew);
      try (LeaseKeeper lease =
          take(new OneLease(), engine(() -> "D1"), new ArrayList<>(), off, ticker)) {
        lease.check(); // ahead: its clock is already at the store's expiry
        ticker.advance(SAFE.plusSeconds(1));
        assertThatThrownBy(lease::check) // behind: its clock is 10 minutes short of the expiry
            .as("clock %s off", skew)
            .isInstanceOf(LeaseHeldException.class);
      }
    }
  }

  @Test
  void aDeadHolderOnThisMachineIsTakenOverAtOnceAndItsRestoreFinished() throws Exception {
    assumeLinux();
    OneLease leases = new OneLease();
    Lease dead =
        leases.acquire("docker-daemon:D1", "shop", "ana@box (pid 1)", "apply", TTL, deadHolder());
    leases.restoring(dead, Map.of("web", new Lease.Restore("old1", "shop-web-1", "new2", true)));
    List<String> calls = new ArrayList<>();
    List<String> steps = new ArrayList<>();

    try (LeaseKeeper keeper = take(leases, recording(calls, "shop-web-1-selvedge-old"), steps)) {
      keeper.check();
      assertThat(leases.row.owner()).isEqualTo("bo@box (pid 2)");
      assertThat(leases.row.restoring()).isEmpty(); // finished: nothing left for a later taker
      assertThat(leases.row.holder()).isEqualTo(LocalProcesses.SYSTEM.self());
    }
    assertThat(calls)
        .containsExactly(
            "removeContainer new2", "renameContainer old1 shop-web-1", "startContainer old1");
    assertThat(steps).anyMatch(m -> m.contains("took over the lease of ana@box (pid 1)"));
    assertThat(steps).anyMatch(m -> m.contains("restored shop-web-1 and started it"));
    assertThat(AUDITED)
        .anySatisfy(
            e -> assertThat(e.action() + " " + e.outcome()).isEqualTo("finish restore done"));
  }

  @Test
  void aRestoreThatGotAsFarAsTheRenameIsNotRenamedAgain() throws Exception {
    assumeLinux();
    OneLease leases = new OneLease();
    Lease dead = leases.acquire("docker-daemon:D1", "shop", "ana", "apply", TTL, deadHolder());
    leases.restoring(dead, Map.of("web", new Lease.Restore("old1", "shop-web-1", null, false)));
    List<String> calls = new ArrayList<>();
    take(leases, recording(calls, "shop-web-1"), new ArrayList<>()).close();
    // Named already, and it was not running before: nothing left to do.
    assertThat(calls).isEmpty();
  }

  @Test
  void aLiveHolderOnThisMachineIsRefusedSayingItRuns() {
    assumeLinux();
    OneLease leases = new OneLease();
    leases.acquire("docker-daemon:D1", "shop", "ana", "apply", TTL, LocalProcesses.SYSTEM.self());
    List<String> calls = new ArrayList<>();
    assertThatThrownBy(() -> take(leases, recording(calls, "x"), new ArrayList<>()))
        .isInstanceOf(LeaseHeldException.class)
        .hasMessageContaining(
            "still running on this machine (pid " + ProcessHandle.current().pid());
    assertThat(leases.row.owner()).isEqualTo("ana");
    assertThat(calls).isEmpty();
  }

  @Test
  void aHolderElsewhereIsRefusedNamingWhenItsLeaseExpires() {
    OneLease leases = new OneLease();
    Lease other =
        leases.acquire(
            "docker-daemon:D1",
            "shop",
            "ana@build-02 (pid 1)",
            "apply",
            TTL,
            new Lease.Holder("another-boot", "pid:[1]", 1, 1));
    assertThatThrownBy(() -> take(leases, recording(new ArrayList<>(), "x"), new ArrayList<>()))
        .isInstanceOf(LeaseHeldException.class)
        .hasMessageContaining("ana@build-02 (pid 1)")
        .hasMessageContaining("another machine")
        .hasMessageContaining("until " + other.expiresAt());
    assertThat(leases.row).isEqualTo(other);
  }

  @Test
  void anExpiredLeaseLeftWithARestoreUnderWayIsFinishedByTheNextHolder() throws Exception {
    OneLease leases = new OneLease();
    Instant then = Instant.now().minus(Duration.ofHours(1));
    leases.row =
        new Lease(
            "docker-daemon:D1",
            "shop",
            "ana@build-02 (pid 1)",
            "apply",
            "t-ana",
            then,
            then.plus(TTL),
            new Lease.Holder("another-boot", "pid:[1]", 1, 1),
            Map.of("web", new Lease.Restore("old1", "shop-web-1", "new2", true)));
    List<String> calls = new ArrayList<>();
    List<String> steps = new ArrayList<>();

    try (LeaseKeeper keeper = take(leases, recording(calls, "shop-web-1-selvedge-old"), steps)) {
      keeper.check();
      assertThat(leases.row.owner()).isEqualTo("bo@box (pid 2)");
      assertThat(leases.row.restoring()).isEmpty();
    }
    assertThat(calls)
        .containsExactly(
            "removeContainer new2", "renameContainer old1 shop-web-1", "startContainer old1");
    assertThat(steps).anyMatch(m -> m.contains("took over an expired lease"));
  }

  private static void assumeLinux() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        LocalProcesses.SYSTEM.self() != null, "no /proc: not Linux");
  }
}
