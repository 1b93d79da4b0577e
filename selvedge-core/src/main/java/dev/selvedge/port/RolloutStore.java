package dev.selvedge.port;

import dev.selvedge.SelvedgeException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Rollouts of one stack across the fleet in waves: each rollout, every node's step and the
 * deployment it replaced, kept so that whichever process owns a rollout (under an expiring lease)
 * can die and another continue it where it was, and so that {@code rollback} knows what to put
 * back. At most one rollout per stack is active (running or rolling back): the store refuses a
 * second one with {@link Busy}.
 *
 * <p>The owner's lease is given as a duration and runs on the store's clock (the database's): its
 * end is written as the store's time now plus the duration and judged against the store's time now,
 * so processes whose clocks differ never take a live lease nor keep a dead one.
 */
public interface RolloutStore {

  /** Where a rollout is in its life. */
  enum State {
    RUNNING,
    /** A node failed its gate (rolled back): nothing further was touched. */
    HALTED,
    FINISHED,
    ABORTED,
    ROLLING_BACK,
    ROLLED_BACK;

    /** As answered: {@code running}, {@code rolling-back}, ... */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether a process is (or should be) working on it: it holds its stack. */
    public boolean active() {
      return this == RUNNING || this == ROLLING_BACK;
    }

    /** The state machine: whether a rollout in this state may go to {@code next}. */
    public boolean canGo(State next) {
      return switch (this) {
        case RUNNING -> next == HALTED || next == FINISHED || next == ABORTED;
        case HALTED, ABORTED -> next == RUNNING || next == ROLLING_BACK || next == ABORTED;
        case FINISHED -> next == ROLLING_BACK;
        case ROLLING_BACK -> next == ROLLED_BACK || next == HALTED;
        case ROLLED_BACK -> false;
      };
    }

    public static State parse(String label) {
      return valueOf(label.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
  }

  /** Where one node is in a rollout. */
  enum Step {
    PENDING,
    APPLYING,
    HEALTHY,
    FAILED,
    ROLLED_BACK,
    SKIPPED;

    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether the node's apply is over (a taken-over rollout never runs it again). */
    public boolean done() {
      return this == HEALTHY || this == FAILED || this == ROLLED_BACK;
    }

    public static Step parse(String label) {
      return valueOf(label.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
  }

  /**
   * One rollout.
   *
   * @param id random hex
   * @param selector {@code tag:T}, {@code environment:E} or {@code all}
   * @param waves the waves as asked ({@code 1,25%,100%})
   * @param images service → image reference overrides
   * @param parallel at most this many nodes of a wave at once
   * @param force applied despite verify errors
   * @param actor who started it
   * @param owner the process working on it now (null: nobody)
   * @param leaseUntil the owner's lease ends then unless renewed (on the store's clock)
   * @param reason why it halted or what it is doing ({@code node a: gate failed: ...}), or null
   * @param failedNode the node whose gate failed, or null
   */
  record Rollout(
      String id,
      String stack,
      String selector,
      String waves,
      Map<String, String> images,
      Duration gateTimeout,
      int parallel,
      boolean force,
      State state,
      String actor,
      Instant createdAt,
      Instant updatedAt,
      String owner,
      Instant leaseUntil,
      String reason,
      String failedNode) {
    public Rollout {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(stack, "stack");
      Objects.requireNonNull(state, "state");
      images = Map.copyOf(images == null ? Map.of() : images);
    }
  }

  /**
   * One node's step in a rollout.
   *
   * @param wave 0 for the canary wave
   * @param position the node's place in the rollout's order
   * @param host the engine's identity its deployments are kept under, once known
   * @param previous the node's newest deployment before the rollout touched it (null: none or not
   *     read yet); written once, never replaced
   * @param deployment the deployment the rollout made (null: none yet, or nothing changed)
   * @param detail the gate's verdict or what went wrong (scrubbed of secrets)
   */
  record NodeStep(
      String node,
      int wave,
      int position,
      Step step,
      String host,
      Long previous,
      Long deployment,
      String detail,
      Instant updatedAt) {
    public NodeStep {
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(step, "step");
    }

    public NodeStep with(Step s, String d, Instant at) {
      return new NodeStep(node, wave, position, s, host, previous, deployment, d, at);
    }
  }

  /** A second active rollout of a stack was refused. */
  final class Busy extends SelvedgeException {
    private static final long serialVersionUID = 1L;
    private final String running;

    public Busy(String stack, String running) {
      super(
          "stack '"
              + stack
              + "' already has a rollout under way: "
              + running
              + " (abort it, or wait for it to end)");
      this.running = running;
    }

    /** The id of the rollout in the way. */
    public String running() {
      return running;
    }
  }

  /**
   * Records a new rollout (its state {@link State#RUNNING}, owned by its owner for {@code lease}
   * from the store's time now: the record's {@code leaseUntil} is not kept) and its nodes' steps,
   * in one transaction. A negative {@code lease} records one whose owner's lease already ran out.
   *
   * @throws Busy when the stack has an active rollout
   */
  void create(Rollout rollout, List<NodeStep> steps, Duration lease);

  Optional<Rollout> find(String id);

  /** The node steps of a rollout, in its order. */
  List<NodeStep> steps(String id);

  /** Rollouts newest first, at most {@code limit}. */
  List<Rollout> list(int limit);

  /** The active rollout of a stack, if any. */
  Optional<Rollout> active(String stack);

  /**
   * Takes rollout {@code id} for {@code owner} for {@code lease} when it is active and nobody holds
   * it (no owner, {@code owner} itself, or a lease that ended before the store's time now).
   */
  Optional<Rollout> claim(String id, String owner, Duration lease);

  /**
   * Takes up to {@code limit} active rollouts whose owner's lease ended before the store's time now
   * for {@code owner}, for {@code lease} (on PostgreSQL rows another claimer is taking are
   * skipped).
   */
  List<Rollout> claimExpired(String owner, Duration lease, int limit);

  /**
   * Up to {@code limit} ids of aborted rollouts whose owner's lease ended before the store's time
   * now while it still held them (it died before it stopped): nobody is left to skip their nodes
   * never started, so an abort of each finishes it.
   */
  List<String> abandonedAborts(int limit);

  /**
   * Extends {@code owner}'s lease to {@code lease} from the store's time now ({@link
   * Duration#ZERO}: ends it now, so another process may take the rollout over); the rollout as it
   * is now (its state may have been changed by an abort), or empty when {@code owner} no longer
   * holds it.
   */
  Optional<Rollout> renew(String id, String owner, Duration lease);

  /**
   * Writes a node's step, only while {@code owner} holds the rollout ({@code previous} and {@code
   * host} are kept once set). Returns false when it does not.
   */
  boolean step(String id, String owner, NodeStep step);

  /**
   * Marks every node of the rollout still {@link Step#PENDING} as {@link Step#SKIPPED} with {@code
   * detail}, in one statement, only while {@code owner} holds it; how many.
   */
  int skipPending(String id, String owner, String detail, Instant at);

  /**
   * Moves the rollout to {@code next} with {@code reason} and {@code failedNode} ({@code at}: its
   * {@code updatedAt}): with {@code owner} non-null only while that owner holds it (or its lease
   * ended); a terminal state gives up the ownership, an active one (a resume, a rollback) takes it
   * for {@code owner} for {@code lease}. A terminal state asked with a null {@code owner} (an
   * abort, by anyone) while the owner's lease is live keeps that owner and lease: its writes (the
   * node it is applying, the nodes it skips) still land until it gives the rollout up by a
   * transition of its own. Asked with a null {@code owner} when nobody holds the rollout (no owner,
   * or its lease ended), the nodes still {@link Step#PENDING} are marked {@link Step#SKIPPED}
   * ({@code not reached: the rollout was aborted}) in the same transaction: nobody is left to do
   * it. Leases are judged on the store's clock. Refused (false) when the state machine does not
   * allow it.
   *
   * @throws Busy when going active while another rollout of its stack is
   */
  boolean transition(
      String id,
      String owner,
      State next,
      String reason,
      String failedNode,
      Instant at,
      Duration lease);
}
