package dev.selvedge.port;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Deployment snapshots, kept per (engine host, project). The host is the engine's identity ({@code
 * docker-daemon:<ID>}, see {@code HostIdentity}), so every endpoint of one daemon shares them.
 */
public interface DeploymentStore {

  /**
   * An engine seen through an endpoint.
   *
   * @param identity the engine's identity there
   * @param firstSeen when it was first seen there
   * @param lastSeen when last (to the minute: it is not written at every contact)
   */
  record Alias(String endpoint, String identity, Instant firstSeen, Instant lastSeen) {}

  /** How many rows recorded under an endpoint string were given an engine's identity. */
  record Adopted(int deployments, int auditEvents) {
    public static final Adopted NONE = new Adopted(0, 0);
  }

  /**
   * Records that the engine {@code identity} was reached through {@code endpoint}. The first time
   * any engine is seen through {@code endpoint}, the deployments and audit events that an earlier
   * Selvedge kept under that endpoint string are re-keyed to {@code identity}, in one transaction;
   * so it happens once per endpoint, whichever process gets there first. Later calls only note the
   * time (and another engine seen through the same endpoint takes nothing over). Returns what was
   * re-keyed ({@link Adopted#NONE} but the first time).
   */
  Adopted adopt(String endpoint, String identity);

  /** The engines seen through {@code endpoint}, the most recently seen first. */
  List<Alias> aliases(String endpoint);

  /**
   * Stores a new deployment from {@code draft} (its id is ignored) and returns it with its id. Ids
   * grow: a later deployment of the same project has a larger id.
   */
  Deployment begin(Deployment draft);

  /**
   * Records how a deployment ended. Only a deployment still {@link Deployment.Outcome#RUNNING}
   * changes: one already marked interrupted by a later lease holder keeps that outcome.
   */
  void finish(long id, Deployment.Outcome outcome, String summary, Instant finishedAt);

  /**
   * Records how a deployment ended when that could not be recorded at the time (the store was
   * unreachable, the ending was kept aside): a deployment {@link Deployment.Outcome#RUNNING}, or
   * {@link Deployment.Outcome#INTERRUPTED} because a later run found it so, takes it. Returns
   * whether it changed.
   */
  boolean settle(long id, Deployment.Outcome outcome, String summary, Instant finishedAt);

  /**
   * Records the images a deployment begun before they were resolved uses (its pins), once they are:
   * only while it is still {@link Deployment.Outcome#RUNNING}.
   */
  void pin(long id, List<Deployment.ServiceImage> images);

  /**
   * Removes a deployment still {@link Deployment.Outcome#RUNNING} that turned out to change nothing
   * (it was recorded before its first change to the engine, in case it crashed there). Returns
   * whether it was removed.
   */
  boolean discard(long id);

  Optional<Deployment> find(long id);

  /** The newest first, at most {@code limit}. */
  List<Deployment> history(String host, String project, int limit);

  /** The newest deployment whose outcome is {@link Deployment.Outcome#HEALTHY}. */
  Optional<Deployment> lastHealthy(String host, String project);

  /**
   * Marks the project's deployments still {@link Deployment.Outcome#RUNNING} as {@link
   * Deployment.Outcome#INTERRUPTED}: called by whoever holds the project's lease, so no live
   * operation can own them. Returns how many were marked.
   */
  int markInterrupted(String host, String project, Instant at);
}
