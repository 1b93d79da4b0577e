package dev.selvedge.fleet;

import dev.selvedge.port.DockerEngine;
import java.time.Duration;

/**
 * Opens a node's engine from its fleet entry (engine URL, TLS files, SSH identity and known hosts).
 * Implemented in {@code selvedge-docker}; opening must not touch the network.
 */
@FunctionalInterface
public interface EngineOpener {
  /**
   * @param timeout the bound on each call to the engine
   */
  DockerEngine open(Fleet.Node node, Duration timeout);
}
