package dev.selvedge.fleet.rollout;

import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;

/**
 * What a rollout tells as it goes: the server publishes it as {@code rollout.*} events, the CLI
 * prints it on standard error. Called from the rollout's threads; must not throw.
 */
@FunctionalInterface
public interface RolloutListener {
  /** Rollout started. */
  String STARTED = "rollout.started";

  String WAVE_STARTED = "rollout.wave.started";

  /** A node's apply starts (progress only: not published as an event). */
  String NODE_APPLYING = "rollout.node.applying";

  String NODE_HEALTHY = "rollout.node.healthy";
  String NODE_FAILED = "rollout.node.failed";
  String HALTED = "rollout.halted";
  String FINISHED = "rollout.finished";
  String ABORTED = "rollout.aborted";
  String ROLLED_BACK = "rollout.rolled_back";

  /**
   * @param node the node concerned, or null
   * @param wave the wave concerned (0: canary), or null
   * @param detail what happened, scrubbed of secrets, or null
   */
  void event(String type, Rollout rollout, String node, Integer wave, String detail);

  /**
   * A node's step as recorded ({@link #NODE_HEALTHY}, {@link #NODE_FAILED}): its step says in the
   * same words as the rollout's state how it ended ({@code rolled-back}, {@code failed}). By
   * default told as {@link #event} with the step's detail.
   */
  default void node(String type, Rollout rollout, NodeStep step) {
    event(type, rollout, step.node(), step.wave(), step.detail());
  }

  RolloutListener NONE = (type, rollout, node, wave, detail) -> {};
}
