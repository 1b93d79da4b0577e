package dev.selvedge.store;

import dev.selvedge.port.RolloutStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Rollouts in {@code rollout} and {@code rollout_node} (V14). One active rollout per stack is the
 * unique index on {@code active_stack}; a claim of expired rollouts locks its rows with {@code FOR
 * UPDATE SKIP LOCKED} on PostgreSQL, so replicas claiming at once take different ones. Every write
 * of an owner is fenced: it lands only while the owner holds the rollout. The owner's lease is
 * written and judged on the database's clock ({@link Db#now}), never on the caller's.
 */
final class JdbcRolloutStore implements RolloutStore {
  private static final String COLUMNS =
      "id, stack, selector, waves, images, gate_ms, parallel_n, forced, state, actor, created_at,"
          + " updated_at, owner, lease_until, reason, failed_node";
  private static final String NODE_COLUMNS =
      "node, wave, position, step, host, previous, deployment, detail, updated_at";

  private final Db db;

  JdbcRolloutStore(Db db) {
    this.db = db;
  }

  @Override
  public void create(Rollout r, List<NodeStep> steps, Duration lease) {
    try {
      db.call(
          "record rollout " + r.id(),
          h ->
              h.inTransaction(
                  t -> {
                    Instant until = r.owner() == null ? null : Db.now(t).plus(lease);
                    t.createUpdate(
                            "INSERT INTO rollout ("
                                + COLUMNS
                                + ", active_stack) VALUES (:id, :stack, :selector, :waves,"
                                + " :images, :gate, :parallel, :forced, :state, :actor, :created,"
                                + " :updated, :owner, :until, :reason, :failed, :active)")
                        .bind("id", r.id())
                        .bind("stack", r.stack())
                        .bind("selector", r.selector())
                        .bind("waves", r.waves())
                        .bind("images", images(r.images()))
                        .bind("gate", r.gateTimeout().toMillis())
                        .bind("parallel", r.parallel())
                        .bind("forced", r.force())
                        .bind("state", r.state().label())
                        .bind("actor", r.actor())
                        .bind("created", Db.timestamp(r.createdAt()))
                        .bind("updated", Db.timestamp(r.updatedAt()))
                        .bind("owner", r.owner())
                        .bind("until", Db.timestamp(until))
                        .bind("reason", r.reason())
                        .bind("failed", r.failedNode())
                        .bind("active", r.state().active() ? r.stack() : null)
                        .execute();
                    for (NodeStep s : steps) {
                      t.createUpdate(
                              "INSERT INTO rollout_node (rollout_id, "
                                  + NODE_COLUMNS
                                  + ") VALUES (:id, :node, :wave, :position, :step, :host,"
                                  + " :previous, :deployment, :detail, :at)")
                          .bind("id", r.id())
                          .bind("node", s.node())
                          .bind("wave", s.wave())
                          .bind("position", s.position())
                          .bind("step", s.step().label())
                          .bind("host", s.host())
                          .bindBySqlType("previous", s.previous(), Types.BIGINT)
                          .bindBySqlType("deployment", s.deployment(), Types.BIGINT)
                          .bind("detail", s.detail())
                          .bind("at", Db.timestamp(s.updatedAt()))
                          .execute();
                    }
                    return null;
                  }));
    } catch (RuntimeException e) {
      if (Db.isUniqueViolation(e)) {
        throw busy(r.stack());
      }
      throw e;
    }
  }

  private Busy busy(String stack) {
    return new Busy(stack, active(stack).map(Rollout::id).orElse("(ended meanwhile)"));
  }

  @Override
  public Optional<Rollout> find(String id) {
    return db.call("read rollout " + id, h -> find(h, id));
  }

  private static Optional<Rollout> find(Handle h, String id) {
    return h.createQuery("SELECT " + COLUMNS + " FROM rollout WHERE id = :id")
        .bind("id", id)
        .map(JdbcRolloutStore::row)
        .findOne();
  }

  @Override
  public List<NodeStep> steps(String id) {
    return db.call(
        "read the nodes of rollout " + id,
        h ->
            h.createQuery(
                    "SELECT "
                        + NODE_COLUMNS
                        + " FROM rollout_node WHERE rollout_id = :id ORDER BY position")
                .bind("id", id)
                .map(JdbcRolloutStore::nodeRow)
                .list());
  }

  @Override
  public List<Rollout> list(int limit) {
    return db.call(
        "list rollouts",
        h ->
            h.createQuery(
                    "SELECT " + COLUMNS + " FROM rollout ORDER BY created_at DESC, id LIMIT :limit")
                .bind("limit", Math.max(1, limit))
                .map(JdbcRolloutStore::row)
                .list());
  }

  @Override
  public Optional<Rollout> active(String stack) {
    return db.call(
        "read the active rollout of " + stack,
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM rollout WHERE active_stack = :stack")
                .bind("stack", stack)
                .map(JdbcRolloutStore::row)
                .findOne());
  }

  @Override
  public Optional<Rollout> claim(String id, String owner, Duration lease) {
    return db.call(
        "claim rollout " + id,
        h ->
            h.inTransaction(
                t -> {
                  Instant now = Db.now(t);
                  Instant until = now.plus(lease);
                  int n =
                      t.createUpdate(
                              "UPDATE rollout SET owner = :owner, lease_until = :until WHERE id ="
                                  + " :id AND active_stack IS NOT NULL AND (owner IS NULL OR owner"
                                  + " = :owner OR lease_until IS NULL OR lease_until < :now)")
                          .bind("owner", owner)
                          .bind("until", Db.timestamp(until))
                          .bind("id", id)
                          .bind("now", Db.timestamp(now))
                          .execute();
                  return n == 1 ? find(t, id) : Optional.<Rollout>empty();
                }));
  }

  @Override
  public List<Rollout> claimExpired(String owner, Duration lease, int limit) {
    return db.call(
        "claim rollouts whose owner is gone",
        h ->
            h.inTransaction(
                t -> {
                  Instant now = Db.now(t);
                  Instant until = now.plus(lease);
                  String lock = db.vendor() == Vendor.POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "";
                  List<String> ids =
                      t.createQuery(
                              "SELECT id FROM rollout WHERE active_stack IS NOT NULL AND (owner IS"
                                  + " NULL OR lease_until IS NULL OR lease_until < :now) ORDER BY"
                                  + " created_at LIMIT :limit"
                                  + lock)
                          .bind("now", Db.timestamp(now))
                          .bind("limit", Math.max(1, limit))
                          .mapTo(String.class)
                          .list();
                  List<Rollout> taken = new ArrayList<>();
                  for (String id : ids) {
                    int n =
                        t.createUpdate(
                                "UPDATE rollout SET owner = :owner, lease_until = :until WHERE"
                                    + " id = :id AND active_stack IS NOT NULL AND (owner IS NULL"
                                    + " OR lease_until IS NULL OR lease_until < :now)")
                            .bind("owner", owner)
                            .bind("until", Db.timestamp(until))
                            .bind("id", id)
                            .bind("now", Db.timestamp(now))
                            .execute();
                    if (n == 1) {
                      find(t, id).ifPresent(taken::add);
                    }
                  }
                  return taken;
                }));
  }

  @Override
  public List<String> abandonedAborts(int limit) {
    return db.call(
        "find aborted rollouts whose owner is gone",
        h ->
            h.inTransaction(
                t ->
                    t.createQuery(
                            "SELECT id FROM rollout WHERE state = :aborted AND owner IS NOT NULL"
                                + " AND (lease_until IS NULL OR lease_until < :now)"
                                + " ORDER BY created_at LIMIT :limit")
                        .bind("aborted", State.ABORTED.label())
                        .bind("now", Db.timestamp(Db.now(t)))
                        .bind("limit", Math.max(1, limit))
                        .mapTo(String.class)
                        .list()));
  }

  @Override
  public Optional<Rollout> renew(String id, String owner, Duration lease) {
    return db.call(
        "renew the lease of rollout " + id,
        h ->
            h.inTransaction(
                t -> {
                  Instant until = Db.now(t).plus(lease);
                  int n =
                      t.createUpdate(
                              "UPDATE rollout SET lease_until = :until WHERE id = :id AND owner ="
                                  + " :owner")
                          .bind("until", Db.timestamp(until))
                          .bind("id", id)
                          .bind("owner", owner)
                          .execute();
                  return n == 1 ? find(t, id) : Optional.<Rollout>empty();
                }));
  }

  @Override
  public boolean step(String id, String owner, NodeStep s) {
    return db.call(
        "record node " + s.node() + " of rollout " + id,
        h ->
            h.inTransaction(
                t -> {
                  Optional<String> holder =
                      t.createQuery("SELECT owner FROM rollout WHERE id = :id FOR UPDATE")
                          .bind("id", id)
                          .mapTo(String.class)
                          .findOne();
                  if (holder.isEmpty() || !owner.equals(holder.get())) {
                    return false;
                  }
                  return t.createUpdate(
                              "UPDATE rollout_node SET step = :step, host = COALESCE(host,"
                                  + " :host), previous = COALESCE(previous, :previous),"
                                  + " deployment = :deployment, detail = :detail, updated_at ="
                                  + " :at WHERE rollout_id = :id AND node = :node")
                          .bind("step", s.step().label())
                          .bind("host", s.host())
                          .bindBySqlType("previous", s.previous(), Types.BIGINT)
                          .bindBySqlType("deployment", s.deployment(), Types.BIGINT)
                          .bind("detail", s.detail())
                          .bind("at", Db.timestamp(s.updatedAt()))
                          .bind("id", id)
                          .bind("node", s.node())
                          .execute()
                      == 1;
                }));
  }

  @Override
  public int skipPending(String id, String owner, String detail, Instant at) {
    return db.call(
        "skip the pending nodes of rollout " + id,
        h ->
            h.createUpdate(
                    "UPDATE rollout_node SET step = :skipped, detail = :detail, updated_at = :at"
                        + " WHERE rollout_id = :id AND step = :pending AND EXISTS (SELECT 1 FROM"
                        + " rollout WHERE id = :id AND owner = :owner)")
                .bind("skipped", Step.SKIPPED.label())
                .bind("pending", Step.PENDING.label())
                .bind("detail", detail)
                .bind("at", Db.timestamp(at))
                .bind("id", id)
                .bind("owner", owner)
                .execute());
  }

  /** Skips the rollout's pending nodes, in the caller's transaction (which holds its row). */
  private static int skipPending(Handle t, String id, String detail, Instant at) {
    return t.createUpdate(
            "UPDATE rollout_node SET step = :skipped, detail = :detail, updated_at = :at"
                + " WHERE rollout_id = :id AND step = :pending")
        .bind("skipped", Step.SKIPPED.label())
        .bind("pending", Step.PENDING.label())
        .bind("detail", detail)
        .bind("at", Db.timestamp(at))
        .bind("id", id)
        .execute();
  }

  @Override
  public boolean transition(
      String id,
      String owner,
      State next,
      String reason,
      String failedNode,
      Instant at,
      Duration lease) {
    String stack;
    try {
      return db.call(
          "change the state of rollout " + id,
          h ->
              h.inTransaction(
                  t -> {
                    Optional<Rollout> now =
                        t.createQuery(
                                "SELECT " + COLUMNS + " FROM rollout WHERE id = :id FOR UPDATE")
                            .bind("id", id)
                            .map(JdbcRolloutStore::row)
                            .findOne();
                    if (now.isEmpty() || !now.get().state().canGo(next)) {
                      return false;
                    }
                    Rollout r = now.get();
                    Instant dbNow = Db.now(t);
                    boolean leased =
                        r.owner() != null
                            && r.leaseUntil() != null
                            && !r.leaseUntil().isBefore(dbNow);
                    if (owner != null && leased && !owner.equals(r.owner())) {
                      return false;
                    }
                    boolean active = next.active();
                    // Ended by someone else (an abort) while its owner's lease is live: the owner
                    // keeps it until it stops, so the node it is applying is still recorded.
                    boolean keep = !active && owner == null && leased;
                    if (r.state() == State.ABORTED
                        && next == State.ABORTED
                        && (keep || r.owner() == null)) {
                      // Aborted again: only an owner whose lease ran out is left to clear;
                      // otherwise nothing changes (and nothing is written or told again).
                      return false;
                    }
                    if (!active && owner == null && !keep) {
                      // Nobody runs it any more (no owner, or its lease ran out): the nodes it
                      // never started are skipped here, as a live owner does when it stops.
                      skipPending(t, id, "not reached: the rollout was " + next.label(), at);
                    }
                    return t.createUpdate(
                                "UPDATE rollout SET state = :state, reason = :reason,"
                                    + " failed_node = :failed, updated_at = :at, owner = :owner,"
                                    + " lease_until = :until, active_stack = :active WHERE id = :id")
                            .bind("state", next.label())
                            .bind("reason", reason)
                            .bind("failed", failedNode)
                            .bind("at", Db.timestamp(at))
                            .bind("owner", active ? owner : keep ? r.owner() : null)
                            .bind(
                                "until",
                                Db.timestamp(
                                    active
                                        ? (lease == null ? null : dbNow.plus(lease))
                                        : keep ? r.leaseUntil() : null))
                            .bind("active", active ? r.stack() : null)
                            .bind("id", id)
                            .execute()
                        == 1;
                  }));
    } catch (JdbiException | dev.selvedge.port.StoreException e) {
      if (Db.isUniqueViolation(e)) {
        stack = find(id).map(Rollout::stack).orElse("?");
        throw busy(stack);
      }
      throw e;
    }
  }

  private static String images(Map<String, String> images) {
    StringBuilder b = new StringBuilder();
    new TreeMap<>(images).forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    return b.toString();
  }

  private static Map<String, String> images(String text) {
    Map<String, String> out = new TreeMap<>();
    if (text != null) {
      for (String line : text.split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          out.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    }
    return out;
  }

  private static Rollout row(ResultSet rs, StatementContext ctx) throws SQLException {
    return new Rollout(
        rs.getString("id"),
        rs.getString("stack"),
        rs.getString("selector"),
        rs.getString("waves"),
        images(rs.getString("images")),
        Duration.ofMillis(rs.getLong("gate_ms")),
        rs.getInt("parallel_n"),
        rs.getBoolean("forced"),
        State.parse(rs.getString("state")),
        rs.getString("actor"),
        Db.instant(rs, "created_at"),
        Db.instant(rs, "updated_at"),
        rs.getString("owner"),
        Db.instant(rs, "lease_until"),
        rs.getString("reason"),
        rs.getString("failed_node"));
  }

  private static NodeStep nodeRow(ResultSet rs, StatementContext ctx) throws SQLException {
    long previous = rs.getLong("previous");
    boolean noPrevious = rs.wasNull();
    long deployment = rs.getLong("deployment");
    boolean noDeployment = rs.wasNull();
    return new NodeStep(
        rs.getString("node"),
        rs.getInt("wave"),
        rs.getInt("position"),
        Step.parse(rs.getString("step")),
        rs.getString("host"),
        noPrevious ? null : previous,
        noDeployment ? null : deployment,
        rs.getString("detail"),
        Db.instant(rs, "updated_at"));
  }
}
