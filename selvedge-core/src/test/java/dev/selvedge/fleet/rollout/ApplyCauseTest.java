package dev.selvedge.fleet.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.operations.ApplyResult;
import dev.selvedge.operations.ApplyResult.ServiceResult;
import dev.selvedge.operations.ApplyResult.Status;
import dev.selvedge.operations.Plan;
import dev.selvedge.port.Deployment;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApplyCauseTest {

  private static ApplyResult result(Deployment.Outcome outcome, ServiceResult... services) {
    return new ApplyResult(7, outcome, null, List.of(services), List.of(), "the summary");
  }

  private static ServiceResult service(String name, Status status, String detail) {
    return new ServiceResult(name, Plan.Action.RECREATE, status, detail);
  }

  @Test
  void aGateThatFailedAndWasPutBackSaysTheServiceAndItsVerdict() {
    assertThat(
            ApplyCause.of(
                result(
                    Deployment.Outcome.ROLLED_BACK,
                    service(
                        "api",
                        Status.ROLLED_BACK,
                        "gate failed: readback: GET / answered 500; body lacks ok; restored"
                            + " shop-api-1 (healthy)"),
                    service("worker", Status.NOT_REACHED, "not reached: an earlier service"))))
        .isEqualTo(
            "api failed its health gate (readback: GET / answered 500; body lacks ok); rolled"
                + " back");
  }

  @Test
  void aServiceThatCouldNotBePutBackSaysWhatIsLeftAndWhatRunsTheNewVersion() {
    assertThat(
            ApplyCause.of(
                result(
                    Deployment.Outcome.FAILED,
                    service("db", Status.APPLIED, "healthy"),
                    service(
                        "api",
                        Status.FAILED,
                        "gate failed: its healthcheck reports unhealthy; restored shop-api-1 but"
                            + " it is not healthy either: it exited (code 1)"))))
        .isEqualTo(
            "api failed its health gate (its healthcheck reports unhealthy); restored shop-api-1"
                + " but it is not healthy either: it exited (code 1); the stack is partly"
                + " applied: db runs the new version");
  }

  @Test
  void otherFailuresAreNamedAsSuch() {
    assertThat(
            ApplyCause.service(
                service(
                    "api",
                    Status.ROLLED_BACK,
                    "could not create: no such image: reg/app:9; nothing was created")))
        .isEqualTo("api could not be created (no such image: reg/app:9)");
    assertThat(
            ApplyCause.service(
                service(
                    "api",
                    Status.FAILED,
                    "healthy; but not healthy at the end of the apply: it restarted")))
        .isEqualTo("api was not healthy at the end of the apply (it restarted)");
    assertThat(
            ApplyCause.service(
                service(
                    "api",
                    Status.FAILED,
                    "the engine became unreachable: connection refused; check it with selvedge"
                        + " status and run apply again to converge")))
        .isEqualTo(
            "api could not be applied: the engine became unreachable (connection refused); check"
                + " it with selvedge status and run apply again to converge");
  }

  @Test
  void withoutAFailedServiceTheSummaryIsSaid() {
    assertThat(ApplyCause.of(result(Deployment.Outcome.FAILED))).isEqualTo("the summary");
  }

  @Test
  void aHealthyApplyKeepsItsSummaryAndItsDeployment() {
    NodeDeployer.Result r =
        NodeDeployer.Result.of(
            new ApplyResult(
                9,
                Deployment.Outcome.HEALTHY,
                null,
                List.of(service("api", Status.APPLIED, "healthy")),
                List.of(),
                "healthy; applied: api"),
            t -> t);
    assertThat(r).isEqualTo(new NodeDeployer.Result(true, false, 9L, "healthy; applied: api"));
  }
}
