package dev.selvedge.operations;

import dev.selvedge.port.Deployment;
import java.util.List;

/**
 * How an apply (or rollback) ended: per service what was done, the deployment it was recorded as,
 * and a summary that never hides a half-applied stack.
 *
 * @param removed containers removed because the contract does not name them (orphans, leftovers)
 */
public record ApplyResult(
    long deploymentId,
    Deployment.Outcome outcome,
    Plan plan,
    List<ServiceResult> services,
    List<String> removed,
    String summary) {

  public ApplyResult {
    services = List.copyOf(services);
    removed = List.copyOf(removed);
  }

  /** What happened to one service. */
  public enum Status {
    UNCHANGED,
    APPLIED,
    ROLLED_BACK,
    FAILED,
    NOT_REACHED;

    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * One service's result.
   *
   * @param detail the gate's verdict, what failed and what was restored
   */
  public record ServiceResult(String service, Plan.Action action, Status status, String detail) {}

  /** 0 when every service is healthy as the contract says, 1 otherwise. */
  public int exitCode() {
    return outcome == Deployment.Outcome.HEALTHY ? 0 : 1;
  }
}
