package dev.selvedge.fleet;

import java.time.Duration;

/**
 * Sweeps one node: its engine's facts and each of its stacks. {@link EngineNodeReader} is the real
 * one; the poller's tests give their own.
 */
public interface NodeReader extends AutoCloseable {
  /**
   * Reads the node now. Never throws for what the node does (unreachable engine, unreadable stack):
   * that is the reading's content.
   *
   * @param timeout the bound on each engine call
   */
  NodeReading read(Fleet.Node node, Duration timeout);

  /** The node left the fleet: let go of what is kept for it (its engine connection). */
  default void forget(String node) {}

  /** Closes every kept connection. */
  @Override
  default void close() {}
}
