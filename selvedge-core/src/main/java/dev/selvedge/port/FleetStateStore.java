package dev.selvedge.port;

import dev.selvedge.fleet.EngineFacts;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.PillChange;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The latest state of every node and stack the control plane sweeps, the history of their pill
 * changes, and who is sweeping which node. Written by the poller, read by the API and {@code
 * selvedge fleet status}.
 *
 * <p>Sweeps go through claims so that several replicas on one database can later share the nodes: a
 * replica sweeps a node only while it holds the node's claim, and its result is written only when
 * the claim's fencing token is still the current one (a replica that lost its claim while it was
 * slow cannot overwrite a newer result).
 */
public interface FleetStateStore {

  /**
   * Replaces a node's state (and its stacks') and appends its pill changes, in one transaction,
   * without a claim (one process that sweeps alone, such as {@code selvedge fleet status}).
   */
  void record(NodeState state, List<PillChange> changes);

  /**
   * As {@link #record(NodeState, List)}, but only while {@code claim}'s fencing token is the node's
   * current one; checked and written in one transaction.
   *
   * @return false when another claim has been taken since (nothing was written)
   */
  boolean record(Claim claim, NodeState state, List<PillChange> changes);

  /**
   * After a sweep that found the node as it is recorded: moves its and its stacks' sweep time to
   * {@code at}, keeps {@code facts} (null: the ones recorded stay), and lets go of {@code claim},
   * in one transaction, while {@code claim}'s fencing token is the node's current one. Much less
   * than {@link #record(Claim, NodeState, List)} writes: what a server's sweeps do nearly every
   * time.
   *
   * @return false when another claim has been taken since, or the node has no recorded state
   *     (nothing of the node was written)
   */
  default boolean touch(Claim claim, String node, Instant at, EngineFacts facts) {
    return touch(claim, node, at, facts, true);
  }

  /**
   * As {@link #touch(Claim, String, Instant, EngineFacts)}; {@code release} false keeps the claim
   * (a claim held across sweeps, see {@link #hold}).
   */
  boolean touch(Claim claim, String node, Instant at, EngineFacts facts, boolean release);

  /**
   * One cycle of claims held across sweeps by {@code replica} (several replicas sharing the nodes),
   * in one transaction and a handful of statements whatever the number of nodes:
   *
   * <ol>
   *   <li>every claim {@code replica} holds on a node of {@code nodes} is renewed until {@code ttl}
   *       from now with its token (also an expired one nobody took since); its claims on other
   *       nodes are let go;
   *   <li>its share is {@code ceil(nodes / replicas)}: claims beyond it are let go (a new replica
   *       joined), and while it holds fewer, unclaimed or expired nodes are taken (each with a
   *       greater token), skipping rows another replica is taking at the same moment ({@code FOR
   *       UPDATE SKIP LOCKED} on PostgreSQL);
   *   <li>nodes claimed before whose claim has been expired or let go for longer than {@code
   *       orphanAfter} are taken whatever the share (a dead replica's, while it still counts as
   *       alive).
   * </ol>
   *
   * @param replicas how many replicas share the nodes (alive ones, this one included); at least 1
   * @return the claims {@code replica} holds afterwards, by node
   */
  List<Claim> hold(
      String replica, List<String> nodes, int replicas, Duration ttl, Duration orphanAfter);

  /** Every node known, in id order. */
  List<NodeState> nodes();

  Optional<NodeState> node(String id);

  /** The node's pill changes (its own and its stacks'), newest first, at most {@code limit}. */
  List<PillChange> history(String node, int limit);

  /**
   * Claims the sweep of {@code node} for {@code replica} until {@code ttl} from now: granted when
   * nobody holds it, when the holder's claim expired, or when {@code replica} holds it already.
   * Every grant has a fencing token greater than any before it for that node.
   *
   * @return empty when another replica holds an unexpired claim
   */
  Optional<Claim> claim(String node, String replica, Duration ttl);

  /**
   * Extends a claim whose token is still the node's current one, with that token: also one that
   * expired or was released, as long as no other claim was granted since (so nothing else can have
   * been written under another token meanwhile).
   *
   * @return empty when the claim was lost (taken by another after it expired)
   */
  Optional<Claim> renew(Claim claim, Duration ttl);

  /** Lets go of a claim still held; a lost one is left alone. */
  void release(Claim claim);

  /**
   * The right to sweep one node.
   *
   * @param token the fencing token: increases with every grant for the node
   */
  record Claim(String node, String replica, long token, Instant expiresAt) {
    public Claim {
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(replica, "replica");
      Objects.requireNonNull(expiresAt, "expiresAt");
    }
  }
}
