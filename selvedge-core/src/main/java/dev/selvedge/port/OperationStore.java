package dev.selvedge.port;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The operations the control plane runs for API clients (apply, rollback, restart, stop, start):
 * recorded before they start, so a client can follow one by its id, a retried request with the same
 * {@code Idempotency-Key} finds the first one, and a server stopped mid-operation finds it at
 * start-up and marks it {@link State#INTERRUPTED}.
 */
public interface OperationStore {

  /** Where an operation is in its life. */
  enum State {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    /** The server stopped while it was queued or running. */
    INTERRUPTED;

    /** As answered: {@code queued}, {@code running}, ... */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean terminal() {
      return this != QUEUED && this != RUNNING;
    }
  }

  /**
   * One operation.
   *
   * @param id the server's random id (hex)
   * @param node the fleet node's id
   * @param service null for a whole-stack operation
   * @param action {@code apply}, {@code rollback}, {@code restart}, {@code stop}, {@code start}
   * @param actor who asked ({@code key:NAME})
   * @param idempotencyKey the client's {@code Idempotency-Key}, or null
   * @param bodyHash the hex SHA-256 of what was asked (method, path, body): a retry with the same
   *     key must ask the same
   * @param steps a JSON array of the steps so far (already scrubbed of secrets)
   * @param result the result's JSON once finished (the CLI's), or null
   * @param replica the replica that runs it (its name in the replica registry), or null (before
   *     replicas were recorded)
   */
  record Operation(
      String id,
      String node,
      String stack,
      String service,
      String action,
      State state,
      String actor,
      String requestId,
      String idempotencyKey,
      String bodyHash,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt,
      String steps,
      String result,
      String replica) {
    public Operation {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(stack, "stack");
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(actor, "actor");
      Objects.requireNonNull(createdAt, "createdAt");
      steps = steps == null ? "[]" : steps;
    }
  }

  /**
   * Records a new operation ({@link State#QUEUED}, no steps), or, when {@code draft} carries an
   * idempotency key that {@code draft.actor()} used already, returns that earlier operation and
   * records nothing.
   *
   * @throws StoreException when the store cannot be reached (then nothing was recorded)
   */
  Operation create(Operation draft);

  Optional<Operation> find(String id);

  /** The operation {@code actor} asked for with this idempotency key, if any. */
  Optional<Operation> findByKey(String actor, String idempotencyKey);

  /** Marks it running from {@code at}. */
  void started(String id, Instant at);

  /** Replaces the steps so far with {@code stepsJson} (a JSON array). */
  void steps(String id, String stepsJson);

  /**
   * Ends it: {@code state} is terminal; {@code resultJson} the result, or null when there is none
   * (an error before any result). Only a queued or running operation is ended: one already ended
   * (say marked {@link State#INTERRUPTED}) keeps its state, so a late or retried end changes
   * nothing.
   *
   * @return true when this call ended it, false when it had ended already (or does not exist)
   */
  boolean finish(String id, State state, String stepsJson, String resultJson, Instant at);

  /** The unfinished (queued or running) operations on a node's stack, oldest first. */
  List<Operation> unfinished(String node, String stack);

  /**
   * Marks {@link State#INTERRUPTED} at {@code at} every queued or running operation whose replica
   * is not in {@code alive}: what a server starting up, and every server periodically, does, since
   * a dead replica runs none of them any more; a live one's are left to it.
   *
   * @param alive the replicas alive now (judged on the database's clock), this one included
   * @param unrecorded whether operations with no replica recorded (from before replicas were) are
   *     marked too: at start-up
   * @return how many were marked
   */
  int interruptUnfinished(Instant at, java.util.Collection<String> alive, boolean unrecorded);
}
