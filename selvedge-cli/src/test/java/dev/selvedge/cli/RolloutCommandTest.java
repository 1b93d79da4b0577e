package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.fleet.Fleet;
import dev.selvedge.operations.event.OperationEvent;
import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;
import dev.selvedge.port.RolloutStore.State;
import dev.selvedge.port.RolloutStore.Step;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutCommandTest {
  private static final Instant AT = Instant.parse("2026-01-01T10:00:00Z");

  private static Rollout rollout(State state, String owner) {
    return new Rollout(
        "r1",
        "shop",
        "all",
        "100%",
        Map.of(),
        Duration.ofSeconds(30),
        1,
        false,
        state,
        "ann@box",
        AT,
        AT,
        owner,
        owner == null ? null : AT.plusSeconds(60),
        null,
        null);
  }

  private final StringWriter said = new StringWriter();
  private final PrintWriter err = new PrintWriter(said);

  @Test
  void aRolloutTakenOverByAnotherProcessIsSaidSoNotHalted() {
    int code = RolloutCommand.exitCode(rollout(State.RUNNING, "serve replica-9 on web"), "me", err);
    assertThat(code).isEqualTo(ExitCode.FINDINGS);
    assertThat(said.toString())
        .contains("being continued by another process (serve replica-9 on web)")
        .contains("rollout status r1")
        .doesNotContain("halted");
  }

  @Test
  void aRolloutThisProcessLostItsLeaseOnIsLeftForResume() {
    int code = RolloutCommand.exitCode(rollout(State.RUNNING, "me"), "me", err);
    assertThat(code).isEqualTo(ExitCode.INPUT);
    assertThat(said.toString()).contains("lost its lease").contains("rollout resume r1");
  }

  @Test
  void endedRolloutsExitAsBefore() {
    assertThat(RolloutCommand.exitCode(rollout(State.FINISHED, null), "me", err))
        .isEqualTo(ExitCode.OK);
    assertThat(RolloutCommand.exitCode(rollout(State.ROLLED_BACK, null), "me", err))
        .isEqualTo(ExitCode.OK);
    assertThat(RolloutCommand.exitCode(rollout(State.HALTED, null), "me", err))
        .isEqualTo(ExitCode.FINDINGS);
    assertThat(RolloutCommand.exitCode(rollout(State.ABORTED, null), "me", err))
        .isEqualTo(ExitCode.FINDINGS);
    assertThat(said.toString()).isEmpty();
  }

  @Test
  void theProgressSaysEachThingOnceInTheTablesWords() {
    Rollout r = rollout(State.RUNNING, "me");
    var tell = RolloutCommand.teller(err);
    tell.event(
        dev.selvedge.fleet.rollout.RolloutListener.STARTED,
        r,
        null,
        null,
        "2 node(s) in 2 wave(s)");
    tell.event(dev.selvedge.fleet.rollout.RolloutListener.WAVE_STARTED, r, null, 0, "1 node(s)");
    tell.event(dev.selvedge.fleet.rollout.RolloutListener.WAVE_STARTED, r, null, 1, "1 node(s)");
    tell.node(
        dev.selvedge.fleet.rollout.RolloutListener.NODE_FAILED,
        r,
        new NodeStep(
            "near",
            0,
            0,
            Step.ROLLED_BACK,
            "h",
            3L,
            4L,
            "api failed its health gate (its healthcheck reports unhealthy); rolled back",
            AT));
    err.flush();
    assertThat(said.toString().lines())
        .containsExactly(
            "rollout r1: stack shop started (2 node(s) in 2 wave(s))",
            "rollout r1: wave 0 (canary) started (1 node(s))",
            "rollout r1: wave 1 started (1 node(s))",
            "rollout r1: node near: rolled-back (api failed its health gate (its healthcheck"
                + " reports unhealthy); rolled back)");
  }

  @Test
  void aServicesGateIsSaidOnceAndAPutBackContainerAsSuch() {
    Fleet.Node node = new Fleet.Node("near", "unix:///n", null, null, "prod", List.of(), Map.of());
    var sink = RolloutCommand.progress(err, node);
    // a passing gate, then the same service judged again at the apply's end
    sink.emit(new OperationEvent.GateVerdict("e", "shop", "db", true, "healthy"));
    sink.emit(new OperationEvent.GateVerdict("e", "shop", "db", true, "healthy"));
    // a failing gate, the previous container put back and gated
    sink.emit(
        new OperationEvent.GateVerdict(
            "e", "shop", "api", false, "its healthcheck reports unhealthy"));
    sink.emit(
        new OperationEvent.Step(
            "e",
            "shop",
            "api",
            "gate failed: its healthcheck reports unhealthy; restoring the previous container"));
    sink.emit(new OperationEvent.GateVerdict("e", "shop", "api", true, "healthy"));
    err.flush();
    assertThat(said.toString().lines())
        .containsExactly(
            "  [near] db: gate passed",
            "  [near] api: gate failed: its healthcheck reports unhealthy",
            "  [near] api: restoring the previous container",
            "  [near] api: the previous container is healthy again");
  }
}
