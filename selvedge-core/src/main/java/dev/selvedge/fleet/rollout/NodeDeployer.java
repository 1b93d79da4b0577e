package dev.selvedge.fleet.rollout;

import dev.selvedge.fleet.Fleet;
import dev.selvedge.operations.ApplyResult;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What a rollout does to one node: the apply use case with its health gate (and its rollback),
 * through the node's engine. {@link EngineNodeDeployer} is the real one; unit tests use their own.
 * Messages are scrubbed of the contract's secret values.
 */
public interface NodeDeployer {

  /**
   * Refuses what the rollout cannot do on {@code node} before anything is touched: its contract
   * does not load, does not pass verify, or an image override names no service of it.
   *
   * @throws RolloutException saying why
   */
  void check(Fleet.Node node, Rollout rollout);

  /**
   * What the node runs now.
   *
   * @param host the engine's identity its deployments are kept under
   * @param deployment its newest healthy deployment of the stack (null: none)
   */
  record Current(String host, Long deployment) {}

  Current current(Fleet.Node node, Rollout rollout);

  /**
   * How one node's apply (or rollback) ended.
   *
   * @param healthy every service passed its gate
   * @param restored not healthy, and what the apply changed was put back as it was (a failed gate);
   *     false when it could not run or could not put everything back
   * @param deployment the deployment it made (null: nothing changed, or none was made)
   */
  record Result(boolean healthy, boolean restored, Long deployment, String detail) {
    /** Why a node could not be applied at all (nothing changed by it). */
    public static Result failed(String detail) {
      return new Result(false, false, null, detail);
    }

    /**
     * How an apply on a node ended, its detail saying why from the apply's per-service outcomes
     * ({@link ApplyCause}): which service failed, why, and whether it was put back.
     *
     * @param scrub removes the contract's secret values from what is said
     */
    public static Result of(ApplyResult result, UnaryOperator<String> scrub) {
      boolean healthy = result.outcome() == Deployment.Outcome.HEALTHY;
      return new Result(
          healthy,
          result.outcome() == Deployment.Outcome.ROLLED_BACK,
          result.deploymentId() == 0 ? null : result.deploymentId(),
          scrub.apply(healthy ? result.summary() : ApplyCause.of(result)));
    }
  }

  /** Applies the rollout's stack (with its image overrides) on {@code node}, gated on health. */
  Result apply(Fleet.Node node, Rollout rollout);

  /**
   * For a node a dead owner left applying: how that apply ended, read from the node's deployments
   * (one the rollout made after {@code step}'s previous); empty when it did not end (apply again).
   */
  Optional<Result> judge(Fleet.Node node, Rollout rollout, NodeStep step);

  /** Puts {@code node}'s stack back to deployment {@code to}, gated on health. */
  Result rollback(Fleet.Node node, Rollout rollout, long to);
}
