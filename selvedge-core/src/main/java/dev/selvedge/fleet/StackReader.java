package dev.selvedge.fleet;

import dev.selvedge.drift.DriftReport;
import dev.selvedge.port.DockerEngine;

/**
 * Reads one stack of a node the way {@code selvedge status} and {@code selvedge drift} do (the four
 * layers, compared). The poller's seam to that use case, so its scheduling is tested without an
 * engine.
 */
@FunctionalInterface
public interface StackReader {
  /**
   * @throws dev.selvedge.port.EngineUnreachableException when the engine cannot be reached
   * @throws dev.selvedge.SelvedgeException when the stack cannot be read (its contract, its deploy
   *     directory)
   */
  DriftReport read(Fleet.Node node, Fleet.Stack stack, DockerEngine engine);
}
