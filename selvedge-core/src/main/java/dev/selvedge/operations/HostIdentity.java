package dev.selvedge.operations;

import dev.selvedge.port.DeploymentStore;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.EngineUnreachableException;
import java.util.List;

/**
 * Which engine a deployment, an audit event or a lease belongs to: the daemon itself, not the
 * address used to reach it. The local socket, a {@code tcp://} listener and an {@code ssh://} host
 * of one daemon are one engine, so an apply through one and a rollback through another see the same
 * history and exclude each other. Messages keep naming the endpoint the user gave.
 */
public final class HostIdentity {
  private HostIdentity() {}

  /** What an identity taken from the daemon's own ID starts with. */
  public static final String DAEMON = "docker-daemon:";

  /**
   * The identity of the daemon whose {@code /info} answered {@code daemonId} at {@code endpoint}:
   * {@code docker-daemon:<ID>}, or the endpoint when the daemon answers without an ID. For callers
   * that already hold the ID (a fleet sweep's engine facts).
   */
  public static String of(String daemonId, String endpoint) {
    return daemonId == null || daemonId.isBlank() ? endpoint : DAEMON + daemonId;
  }

  /**
   * The identity of {@code engine}. Costs one {@code GET /info} the first time an engine is asked
   * (the adapter keeps the answer), which the lease needs anyway.
   *
   * @throws OperationException when the engine refuses to say (a proxy filtering {@code /info})
   * @throws EngineUnreachableException when it cannot be reached
   */
  public static String of(DockerEngine engine) {
    String id;
    try {
      id = engine.daemonId();
    } catch (EngineException e) {
      throw new OperationException(
          e.getMessage()
              + " when asked for its ID (GET /info), by which deployments, their history, the audit"
              + " trail and leases are kept per engine. If a proxy filters the Engine API, allow"
              + " GET /info");
    }
    return of(id, engine.endpoint());
  }

  /**
   * The identity of {@code engine}, with what an earlier Selvedge recorded under its endpoint
   * string taken over ({@link DeploymentStore#adopt}): call it before reading the history.
   */
  public static String of(DockerEngine engine, DeploymentStore store) {
    String identity = of(engine);
    if (!identity.equals(engine.endpoint())) {
      store.adopt(engine.endpoint(), identity);
    }
    return identity;
  }

  /**
   * Whose history to show for {@code engine}.
   *
   * @param identity the key the history is read under
   * @param warning why it may not be the engine's own (it could not be asked), or null
   */
  public record Reading(String identity, String warning) {}

  /**
   * Whose history to show for {@code engine}: its identity ({@link #of(DockerEngine,
   * DeploymentStore)}); when it cannot be reached or refuses to say, the engine last seen through
   * its endpoint, said in a warning, so the record of a host that is down can still be read; the
   * endpoint itself when no engine was ever seen through it (what an earlier Selvedge recorded).
   */
  public static Reading forReading(DockerEngine engine, DeploymentStore store) {
    try {
      return new Reading(of(engine, store), null);
    } catch (EngineUnreachableException | OperationException e) {
      List<DeploymentStore.Alias> seen = store.aliases(engine.endpoint());
      if (seen.isEmpty()) {
        return new Reading(engine.endpoint(), null);
      }
      DeploymentStore.Alias last = seen.get(0);
      return new Reading(
          last.identity(),
          Applier.message(e)
              + "; showing the history of "
              + last.identity()
              + ", the engine last seen through "
              + engine.endpoint()
              + " (at "
              + last.lastSeen()
              + ")");
    }
  }
}
