package dev.selvedge.fleet.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.fleet.Fleet;
import dev.selvedge.operations.ApplyResult;
import dev.selvedge.operations.Plan;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.RolloutStore;
import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;
import dev.selvedge.port.RolloutStore.State;
import dev.selvedge.port.RolloutStore.Step;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RolloutServiceTest {
  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    volatile Instant now = Instant.parse("2026-01-01T10:00:00Z");

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** Our own node deployer: healthy unless told, every call recorded. */
  static final class FakeDeployer implements NodeDeployer {
    final Set<String> failing = ConcurrentHashMap.newKeySet();
    // apply fails and leaves the node changed (its deployment recorded, nothing restored)
    final Set<String> breaking = ConcurrentHashMap.newKeySet();
    final Set<String> rollbackFailing = ConcurrentHashMap.newKeySet();
    final Map<String, Integer> applies = new ConcurrentHashMap<>();
    final List<String> rollbacks = java.util.Collections.synchronizedList(new ArrayList<>());
    // node → deployments made (id, healthy)
    final Map<String, Long> healthyDeployment = new ConcurrentHashMap<>();
    final AtomicLong ids = new AtomicLong(100);
    volatile Consumer<String> during = n -> {};
    // node → how its apply ended, per service, as the Applier reports it
    final Map<String, ApplyResult> outcomes = new ConcurrentHashMap<>();

    @Override
    public void check(Fleet.Node node, Rollout rollout) {
      if (rollout.images().containsKey("nope")) {
        throw new RolloutException("node " + node.id() + " has no service 'nope'");
      }
    }

    @Override
    public Current current(Fleet.Node node, Rollout rollout) {
      return new Current("docker-daemon:" + node.id(), (long) node.id().charAt(0));
    }

    @Override
    public Result apply(Fleet.Node node, Rollout rollout) {
      applies.merge(node.id(), 1, Integer::sum);
      long id = ids.incrementAndGet();
      if (outcomes.containsKey(node.id())) {
        ApplyResult o = outcomes.get(node.id());
        return Result.of(
            new ApplyResult(id, o.outcome(), null, o.services(), o.removed(), o.summary()),
            text -> text.replace("s3cr3t-value", "********"));
      }
      if (failing.contains(node.id())) {
        return new Result(false, true, id, "gate failed: api unhealthy; api restored");
      }
      if (breaking.contains(node.id())) {
        return new Result(false, false, id, "gate failed: api unhealthy; restore failed");
      }
      healthyDeployment.put(node.id(), id);
      during.accept(node.id());
      return new Result(true, false, id, "every service healthy");
    }

    @Override
    public Optional<Result> judge(Fleet.Node node, Rollout rollout, NodeStep step) {
      Long d = healthyDeployment.get(node.id());
      return d == null ? Optional.empty() : Optional.of(new Result(true, false, d, "judged"));
    }

    @Override
    public Result rollback(Fleet.Node node, Rollout rollout, long to) {
      rollbacks.add(node.id() + "->" + to);
      if (rollbackFailing.contains(node.id())) {
        return Result.failed("engine unreachable");
      }
      return new Result(true, false, ids.incrementAndGet(), "back");
    }
  }

  final MovableClock clock = new MovableClock();
  final MemoryRolloutStore store = new MemoryRolloutStore(clock);
  final FakeDeployer deployer = new FakeDeployer();
  final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
  final List<String> details = java.util.Collections.synchronizedList(new ArrayList<>());
  final Fleet fleet = fleet("a", "b", "c", "d", "e");

  static Fleet fleet(String... ids) {
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    for (String id : ids) {
      nodes.put(
          id,
          new Fleet.Node(
              id,
              "unix:///n/" + id,
              null,
              null,
              id.equals("e") ? "staging" : "prod",
              id.equals("a") || id.equals("b") ? List.of("eu") : List.of(),
              Map.of("shop", new Fleet.Stack("shop", Path.of("/c"), "shop", null, null))));
    }
    return new Fleet(Path.of("/fleet.yaml"), Fleet.Poll.DEFAULT, nodes, List.of());
  }

  RolloutService service(String owner) {
    RolloutService s =
        new RolloutService(
            store,
            () -> fleet,
            deployer,
            (type, r, node, wave, detail) -> {
              events.add(
                  type + (node == null ? "" : " " + node) + (wave == null ? "" : " w" + wave));
              details.add(type + ": " + detail);
            },
            clock,
            owner,
            Duration.ofHours(1),
            Runnable::run);
    s.ticker(() -> elapsed.get()); // the lease's elapsed time, moved by hand
    return s;
  }

  /** The elapsed time the services' leases see, in nanoseconds. */
  final java.util.concurrent.atomic.AtomicLong elapsed =
      new java.util.concurrent.atomic.AtomicLong();

  static RolloutRequest request(String waves, int parallel) {
    return new RolloutRequest(
        "shop", null, null, waves, Map.of(), Duration.ofSeconds(30), parallel, false, "ann@box");
  }

  private Map<String, Step> steps(String id) {
    Map<String, Step> m = new LinkedHashMap<>();
    store.steps(id).forEach(s -> m.put(s.node(), s.step()));
    return m;
  }

  @Test
  void aRolloutThatPassesReachesEveryNodeWaveByWave() {
    RolloutService s = service("p1");
    Rollout r = s.create(request("1,50%,100%", 2));
    assertThat(store.steps(r.id())).extracting(NodeStep::wave).containsExactly(0, 1, 1, 2, 2);
    Rollout done = s.run(r.id());
    assertThat(done.state()).isEqualTo(State.FINISHED);
    assertThat(done.owner()).isNull();
    assertThat(steps(r.id())).containsOnlyKeys("a", "b", "c", "d", "e");
    assertThat(steps(r.id()).values()).containsOnly(Step.HEALTHY);
    assertThat(deployer.applies).containsOnlyKeys("a", "b", "c", "d", "e");
    assertThat(deployer.applies.values()).containsOnly(1);
    NodeStep a = store.steps(r.id()).get(0);
    assertThat(a.previous()).isEqualTo((long) 'a');
    assertThat(a.host()).isEqualTo("docker-daemon:a");
    assertThat(events)
        .contains("rollout.started", "rollout.wave.started w0", "rollout.node.healthy a w0")
        .contains("rollout.wave.started w2", "rollout.finished");
    assertThat(events.indexOf("rollout.node.healthy a w0"))
        .isLessThan(events.indexOf("rollout.wave.started w1"));
    assertThat(store.active("shop")).isEmpty();
  }

  @Test
  void aFailedCanaryHaltsTheRolloutAndNoOtherNodeIsTouched() {
    deployer.failing.add("a");
    RolloutService s = service("p1");
    Rollout done = s.run(s.create(request("1,25%,100%", 4)).id());
    assertThat(done.state()).isEqualTo(State.HALTED);
    assertThat(done.failedNode()).isEqualTo("a");
    assertThat(done.reason()).startsWith("node a: gate failed: api unhealthy");
    assertThat(deployer.applies).containsOnlyKeys("a");
    assertThat(steps(done.id()))
        .containsEntry("a", Step.ROLLED_BACK)
        .containsEntry("b", Step.SKIPPED)
        .containsEntry("e", Step.SKIPPED);
    assertThat(events).contains("rollout.node.failed a w0", "rollout.halted a w0");
    assertThat(events).doesNotContain("rollout.wave.started w1");
  }

  @Test
  void aFailedGateHaltsWithItsCauseFromTheApplysOutcomesNeverASecret() {
    // As the Applier reports a recreated service whose new container failed its gate and whose
    // previous one was put back; the engine's message echoed a secret value.
    deployer.outcomes.put(
        "a",
        new ApplyResult(
            0,
            Deployment.Outcome.ROLLED_BACK,
            null,
            List.of(
                new ApplyResult.ServiceResult(
                    "db", Plan.Action.NOTHING, ApplyResult.Status.UNCHANGED, "up to date"),
                new ApplyResult.ServiceResult(
                    "api",
                    Plan.Action.RECREATE,
                    ApplyResult.Status.ROLLED_BACK,
                    "gate failed: its healthcheck reports unhealthy (token s3cr3t-value); restored"
                        + " shop-api-1 (healthy)")),
            List.of(),
            "rolled-back; rolled-back: api; unchanged: db"));
    RolloutService s = service("p1");
    Rollout done = s.run(s.create(request("1,100%", 1)).id());

    String cause =
        "api failed its health gate (its healthcheck reports unhealthy (token ********));"
            + " rolled back";
    assertThat(done.state()).isEqualTo(State.HALTED);
    assertThat(done.reason()).isEqualTo("node a: " + cause);
    assertThat(store.steps(done.id()).get(0).detail()).isEqualTo(cause);
    assertThat(store.steps(done.id()).get(0).step()).isEqualTo(Step.ROLLED_BACK);
    assertThat(details)
        .contains("rollout.node.failed: " + cause, "rollout.halted: node a: " + cause)
        .noneMatch(d -> d.contains("s3cr3t-value"));
  }

  @Test
  void aFailureInALaterWaveStartsNoFurtherNodeAndResumeFinishesWithoutReapplying() {
    deployer.failing.add("b");
    RolloutService s = service("p1");
    Rollout done = s.run(s.create(request("1,100%", 1)).id());
    assertThat(done.state()).isEqualTo(State.HALTED);
    assertThat(done.failedNode()).isEqualTo("b");
    assertThat(deployer.applies).containsOnlyKeys("a", "b");
    assertThat(steps(done.id()))
        .containsEntry("a", Step.HEALTHY)
        .containsEntry("b", Step.ROLLED_BACK)
        .containsEntry("c", Step.SKIPPED);
    // fixed: resume runs the failed and skipped nodes, never the healthy one again
    deployer.failing.clear();
    s.prepareResume(done.id());
    Rollout resumed = s.run(done.id());
    assertThat(resumed.state()).isEqualTo(State.FINISHED);
    assertThat(deployer.applies)
        .containsEntry("a", 1)
        .containsEntry("b", 2)
        .containsEntry("c", 1)
        .containsEntry("e", 1);
    // the deployment each node replaced is the one before the rollout first touched it
    assertThat(store.steps(done.id()).get(1).previous()).isEqualTo((long) 'b');
  }

  @Test
  void aRolloutWhoseOwnerDiedIsTakenOverAndNoNodeIsAppliedTwice() {
    RolloutService first = service("p1");
    RolloutService second = service("p2");
    Rollout r = first.create(request("1,3,100%", 1));
    List<String> takenOver = new ArrayList<>();
    deployer.during =
        node -> {
          if (node.equals("c")) {
            // p1 stalls in c's apply (the apply is done); its lease runs out and p2 takes over
            deployer.during = n -> {};
            clock.now = clock.now.plus(Duration.ofHours(2));
            takenOver.addAll(second.resumeExpired());
          }
        };
    Rollout end = first.run(r.id());
    assertThat(takenOver).containsExactly(r.id());
    assertThat(end.state()).isEqualTo(State.FINISHED);
    assertThat(deployer.applies.values()).containsOnly(1);
    assertThat(deployer.applies).containsOnlyKeys("a", "b", "c", "d", "e");
    // c was left applying by p1: p2 judged it from its deployment rather than applying it
    NodeStep c = store.steps(r.id()).get(2);
    assertThat(c.step()).isEqualTo(Step.HEALTHY);
    assertThat(c.detail()).isEqualTo("judged");
  }

  @Test
  void rollbackPutsEveryChangedNodeBackToItsPreviousDeployment() {
    RolloutService s = service("p1");
    Rollout r = s.create(request("2,100%", 3));
    s.run(r.id());
    s.prepareRollback(r.id());
    Rollout back = s.run(r.id());
    assertThat(back.state()).isEqualTo(State.ROLLED_BACK);
    assertThat(deployer.rollbacks)
        .containsExactlyInAnyOrder("a->97", "b->98", "c->99", "d->100", "e->101");
    assertThat(steps(r.id()).values()).containsOnly(Step.ROLLED_BACK);
    assertThat(events).contains("rollout.rolled_back");
    assertThatThrownBy(() -> s.prepareRollback(r.id())).hasMessageContaining("rolled-back");
  }

  @Test
  void resumingARolloutWhoseRollbackHaltedContinuesTheRollbackAndReappliesNothing() {
    RolloutService s = service("p1");
    Rollout r = s.create(request("2,100%", 1));
    s.run(r.id());
    deployer.rollbackFailing.add("c");
    s.prepareRollback(r.id());
    Rollout halted = s.run(r.id());
    assertThat(halted.state()).isEqualTo(State.HALTED);
    assertThat(halted.reason()).startsWith("rollback incomplete: node c");
    assertThat(RolloutService.haltedInRollback(halted)).isTrue();
    assertThat(steps(r.id()))
        .containsEntry("a", Step.ROLLED_BACK)
        .containsEntry("c", Step.HEALTHY)
        .containsEntry("e", Step.ROLLED_BACK);
    deployer.rollbackFailing.clear();
    Rollout resumed = s.prepareResume(r.id());
    assertThat(resumed.state()).isEqualTo(State.ROLLING_BACK);
    Rollout end = s.run(r.id());
    assertThat(end.state()).isEqualTo(State.ROLLED_BACK);
    // nothing rolled forward again; only c was put back a second time
    assertThat(deployer.applies.values()).containsOnly(1);
    assertThat(deployer.rollbacks)
        .containsExactlyInAnyOrder("a->97", "b->98", "c->99", "d->100", "e->101", "c->99");
    assertThat(steps(r.id()).values()).containsOnly(Step.ROLLED_BACK);
  }

  @Test
  void rollbackPutsBackAFailedNodeWhoseApplyChangedIt() {
    deployer.breaking.add("b");
    RolloutService s = service("p1");
    Rollout r = s.create(request("1,100%", 1));
    Rollout halted = s.run(r.id());
    assertThat(halted.state()).isEqualTo(State.HALTED);
    assertThat(store.steps(r.id()).get(1).step()).isEqualTo(Step.FAILED);
    assertThat(store.steps(r.id()).get(1).deployment()).isNotNull();
    s.prepareRollback(r.id());
    assertThat(s.run(r.id()).state()).isEqualTo(State.ROLLED_BACK);
    assertThat(deployer.rollbacks).containsExactlyInAnyOrder("a->97", "b->98");
  }

  @Test
  void aRenewalThatFailsPastHalfTheLeaseStartsNoFurtherNode() {
    RolloutService s = service("p1");
    Rollout r = s.create(request("1,100%", 1));
    deployer.during =
        node -> {
          if (node.equals("b")) {
            // the store goes away during b's apply, for longer than half the lease (1 h)
            store.renewFailure = new dev.selvedge.port.StoreException("connection refused", null);
            // and the wall clock steps back meanwhile: only elapsed time counts
            clock.now = clock.now.minus(Duration.ofHours(3));
            elapsed.addAndGet(Duration.ofMinutes(31).toNanos());
          }
        };
    Rollout end = s.run(r.id());
    assertThat(deployer.applies).containsOnlyKeys("a", "b");
    // left for a take-over: still running, its nodes not started still pending
    assertThat(end.state()).isEqualTo(State.RUNNING);
    assertThat(steps(r.id())).containsEntry("b", Step.HEALTHY).containsEntry("c", Step.PENDING);
  }

  @Test
  void aRenewalThatFailsBrieflyDoesNotStopTheRollout() {
    RolloutService s = service("p1");
    Rollout r = s.create(request("1,100%", 1));
    deployer.during =
        node -> {
          if (node.equals("b")) {
            store.renewFailure = new dev.selvedge.port.StoreException("connection refused", null);
            elapsed.addAndGet(Duration.ofMinutes(5).toNanos());
          } else if (node.equals("c")) {
            store.renewFailure = null;
          }
        };
    assertThat(s.run(r.id()).state()).isEqualTo(State.FINISHED);
  }

  @Test
  void aStoreThatCannotRecordANodeStopsTheRolloutForATakeOver() {
    RolloutService s = service("p1");
    Rollout r = s.create(request("1,100%", 1));
    deployer.during =
        node -> {
          if (node.equals("b")) {
            store.stepFailure = new dev.selvedge.port.StoreException("connection refused", null);
          }
        };
    Rollout end = s.run(r.id());
    assertThat(deployer.applies).containsOnlyKeys("a", "b");
    assertThat(end.state()).isEqualTo(State.RUNNING);
    // b stays applying: whoever continues judges it from its deployments
    assertThat(steps(r.id())).containsEntry("b", Step.APPLYING).containsEntry("c", Step.PENDING);
    store.stepFailure = null;
    deployer.during = n -> {};
    clock.now = clock.now.plus(Duration.ofHours(2));
    assertThat(service("p2").resumeExpired()).containsExactly(r.id());
    assertThat(store.find(r.id()).orElseThrow().state()).isEqualTo(State.FINISHED);
    assertThat(deployer.applies.values()).containsOnly(1);
  }

  @Test
  void aCleanStopEndsTheLeaseNowAndAnotherProcessTakesOverAtOnce() {
    RolloutService first = service("p1");
    RolloutService second = service("p2");
    Rollout r = first.create(request("1,100%", 1));
    List<String> released = new ArrayList<>();
    deployer.during =
        node -> {
          if (node.equals("b")) {
            released.addAll(first.releaseLeases());
          }
        };
    Rollout left = first.run(r.id());
    assertThat(released).containsExactly(r.id());
    assertThat(left.state()).isEqualTo(State.RUNNING);
    assertThat(left.leaseUntil()).isEqualTo(clock.now);
    // b, in flight, was recorded; nothing further was started
    assertThat(deployer.applies).containsOnlyKeys("a", "b");
    assertThat(steps(r.id())).containsEntry("b", Step.HEALTHY);
    deployer.during = n -> {};
    clock.now = clock.now.plusSeconds(1);
    assertThat(second.resumeExpired()).containsExactly(r.id());
    assertThat(store.find(r.id()).orElseThrow().state()).isEqualTo(State.FINISHED);
    assertThat(deployer.applies.values()).containsOnly(1);
  }

  @Test
  void anAbortRecordsTheNodeInFlightAndSkipsTheNodesNeverStarted() {
    RolloutService runner = service("p1");
    RolloutService operator = service("p2");
    Rollout r = runner.create(request("1,100%", 1));
    deployer.during =
        node -> {
          if (node.equals("b")) {
            operator.abort(r.id(), "operator asked");
          }
        };
    Rollout end = runner.run(r.id());
    assertThat(end.state()).isEqualTo(State.ABORTED);
    assertThat(end.owner()).isNull();
    assertThat(end.reason()).isEqualTo("operator asked");
    assertThat(deployer.applies).containsOnlyKeys("a", "b");
    assertThat(steps(r.id()))
        .containsEntry("a", Step.HEALTHY)
        .containsEntry("b", Step.HEALTHY)
        .containsEntry("c", Step.SKIPPED)
        .containsEntry("e", Step.SKIPPED);
    // rollback puts back exactly the two nodes changed, applying nothing again
    deployer.during = n -> {};
    operator.prepareRollback(r.id());
    assertThat(operator.run(r.id()).state()).isEqualTo(State.ROLLED_BACK);
    assertThat(deployer.rollbacks).containsExactlyInAnyOrder("a->97", "b->98");
    assertThat(deployer.applies.values()).containsOnly(1);
  }

  @Test
  void anAbortOfARolloutWhoseOwnerDiedSkipsItsNodesNeverStartedAtOnce() {
    RolloutService dead = service("p1");
    RolloutService operator = service("p2");
    Rollout r = dead.create(request("1,100%", 1));
    // p1 died before it ran a node; its lease runs out and nobody took the rollout over
    clock.now = clock.now.plus(Duration.ofHours(2));
    Rollout aborted = operator.abort(r.id(), "operator asked");
    assertThat(aborted.state()).isEqualTo(State.ABORTED);
    assertThat(aborted.owner()).isNull();
    assertThat(steps(r.id()).values()).hasSize(5).containsOnly(Step.SKIPPED);
    assertThat(store.steps(r.id()))
        .allSatisfy(s -> assertThat(s.detail()).isEqualTo("not reached: the rollout was aborted"));
    assertThat(events).contains(RolloutListener.ABORTED);
    assertThat(deployer.applies).isEmpty();
    // a resume runs them after all
    operator.resume(r.id());
    assertThat(store.find(r.id()).orElseThrow().state()).isEqualTo(State.FINISHED);
    assertThat(steps(r.id()).values()).containsOnly(Step.HEALTHY);
  }

  @Test
  void anAbortOfARolloutWhoseOwnerIsAliveLeavesItsPendingNodesToIt() {
    RolloutService owner = service("p1");
    RolloutService operator = service("p2");
    Rollout r = owner.create(request("1,100%", 1));
    Rollout aborted = operator.abort(r.id(), "operator asked");
    assertThat(aborted.state()).isEqualTo(State.ABORTED);
    assertThat(aborted.owner()).isEqualTo("p1");
    // its owner skips them itself once it stops (anAbortRecordsTheNodeInFlight...)
    assertThat(steps(r.id()).values()).containsOnly(Step.PENDING);
    // asked again while it holds it: refused, nothing changes
    assertThatThrownBy(() -> operator.abort(r.id(), "again"))
        .hasMessageContaining("nothing to abort")
        .hasMessageContaining("p1 is stopping it");
    assertThat(store.find(r.id()).orElseThrow().owner()).isEqualTo("p1");
    assertThat(steps(r.id()).values()).containsOnly(Step.PENDING);
    // it died before it stopped: once its lease ran out, an abort again finishes what it left
    clock.now = clock.now.plus(Duration.ofHours(2));
    Rollout tidied = operator.abort(r.id(), "again");
    assertThat(tidied.owner()).isNull();
    assertThat(tidied.state()).isEqualTo(State.ABORTED);
    assertThat(tidied.reason()).isEqualTo("operator asked");
    assertThat(steps(r.id()).values()).containsOnly(Step.SKIPPED);
    assertThatThrownBy(() -> operator.abort(r.id(), "a third time"))
        .hasMessageContaining("nothing to abort");
  }

  @Test
  void anAbortedRolloutWhoseOwnerDiedBeforeItStoppedIsFinishedByTheTakeOverSweep() {
    RolloutService owner = service("p1");
    RolloutService replica = service("p2");
    Rollout r = owner.create(request("1,100%", 1));
    replica.abort(r.id(), "operator asked"); // p1 holds it and would skip its nodes on stopping
    assertThat(replica.resumeExpired()).isEmpty();
    assertThat(steps(r.id()).values()).containsOnly(Step.PENDING); // p1's lease is live
    // p1 died before it stopped: once its lease ran out, the next take-over sweep finishes it
    clock.now = clock.now.plus(Duration.ofHours(2));
    assertThat(replica.resumeExpired()).isEmpty(); // nothing taken over to run
    Rollout done = store.find(r.id()).orElseThrow();
    assertThat(done.state()).isEqualTo(State.ABORTED);
    assertThat(done.owner()).isNull();
    assertThat(done.reason()).isEqualTo("operator asked");
    assertThat(steps(r.id()).values()).containsOnly(Step.SKIPPED);
    assertThat(deployer.applies).isEmpty();
    assertThat(store.abandonedAborts(16)).isEmpty();
    // told twice (the operator's abort, the sweep's finish), and never again: a later sweep of
    // another replica, or another abort, changes and tells nothing
    long told = events.stream().filter(RolloutListener.ABORTED::equals).count();
    assertThat(told).isEqualTo(2);
    Instant ended = store.find(r.id()).orElseThrow().updatedAt();
    clock.now = clock.now.plusSeconds(30);
    assertThat(service("p3").resumeExpired()).isEmpty();
    assertThatThrownBy(() -> replica.abort(r.id(), "again"))
        .hasMessageContaining("nothing to abort");
    assertThat(events.stream().filter(RolloutListener.ABORTED::equals).count()).isEqualTo(told);
    assertThat(store.find(r.id()).orElseThrow().updatedAt()).isEqualTo(ended);
  }

  @Test
  void oneRolloutPerStackAndAbortEndsIt() {
    RolloutService s = service("p1");
    Rollout r = s.create(request("1,100%", 1));
    assertThatThrownBy(() -> s.create(request("100%", 1)))
        .isInstanceOf(RolloutStore.Busy.class)
        .hasMessageContaining(r.id());
    Rollout aborted = s.abort(r.id(), "operator asked");
    assertThat(aborted.state()).isEqualTo(State.ABORTED);
    // its owner finds it aborted and touches nothing
    assertThatThrownBy(() -> s.run(r.id())).hasMessageContaining("not this process's");
    assertThat(deployer.applies).isEmpty();
    assertThatThrownBy(() -> s.abort(r.id(), "again")).hasMessageContaining("nothing to abort");
    Rollout next = s.create(request("100%", 5));
    assertThat(s.run(next.id()).state()).isEqualTo(State.FINISHED);
  }

  @Test
  void badInputIsRefusedBeforeAnythingIsRecorded() {
    RolloutService s = service("p1");
    assertThatThrownBy(
            () ->
                s.create(
                    new RolloutRequest(
                        "nope",
                        null,
                        null,
                        "100%",
                        Map.of(),
                        Duration.ofSeconds(1),
                        1,
                        false,
                        "x")))
        .isInstanceOf(RolloutException.class)
        .hasMessageContaining("no node of fleet file");
    assertThatThrownBy(
            () ->
                s.create(
                    new RolloutRequest(
                        "shop",
                        "asia",
                        null,
                        "100%",
                        Map.of(),
                        Duration.ofSeconds(1),
                        1,
                        false,
                        "x")))
        .hasMessageContaining("tag 'asia'");
    assertThatThrownBy(
            () ->
                s.create(
                    new RolloutRequest(
                        "shop",
                        "eu",
                        "prod",
                        "100%",
                        Map.of(),
                        Duration.ofSeconds(1),
                        1,
                        false,
                        "x")))
        .hasMessageContaining("not both");
    assertThatThrownBy(() -> s.create(request("1,50%", 1))).hasMessageContaining("end with 100%");
    assertThatThrownBy(
            () ->
                s.create(
                    new RolloutRequest(
                        "shop",
                        null,
                        null,
                        "100%",
                        Map.of("nope", "x:1"),
                        Duration.ofSeconds(1),
                        1,
                        false,
                        "x")))
        .hasMessageContaining("no service 'nope'");
    assertThat(store.list(10)).isEmpty();
    // a tag selects its nodes only
    Rollout eu =
        s.create(
            new RolloutRequest(
                "shop", "eu", null, "100%", Map.of(), Duration.ofSeconds(1), 1, false, "x"));
    assertThat(steps(eu.id())).containsOnlyKeys("a", "b");
    assertThat(eu.selector()).isEqualTo("tag:eu");
  }

  @Test
  void theStateMachine() {
    assertThat(State.RUNNING.canGo(State.HALTED)).isTrue();
    assertThat(State.RUNNING.canGo(State.ROLLING_BACK)).isFalse();
    assertThat(State.HALTED.canGo(State.RUNNING)).isTrue();
    assertThat(State.FINISHED.canGo(State.RUNNING)).isFalse();
    assertThat(State.FINISHED.canGo(State.ROLLING_BACK)).isTrue();
    assertThat(State.ROLLED_BACK.canGo(State.RUNNING)).isFalse();
    assertThat(State.parse("rolling-back")).isEqualTo(State.ROLLING_BACK);
    assertThat(Step.parse("rolled-back")).isEqualTo(Step.ROLLED_BACK);
  }
}
