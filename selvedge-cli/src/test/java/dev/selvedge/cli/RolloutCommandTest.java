package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.RolloutStore.Rollout;
import dev.selvedge.port.RolloutStore.State;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
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
}
