package dev.selvedge.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.SelvedgeException;
import dev.selvedge.fleet.EngineFacts;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.PillChange;
import dev.selvedge.fleet.StackState;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.FleetStateStore;
import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;

/**
 * The fleet state in {@code fleet_node}, {@code fleet_stack}, {@code pill_change} and {@code
 * sweep_claim}. A node's state is replaced whole in one transaction (its row and its stacks'
 * deleted and written again, its pill changes appended), after the claim's fencing token was
 * checked under a row lock in the same transaction.
 *
 * <p>Claims expire on the database's clock ({@link Db#now}): a claim's expiry is written as the
 * database's time now plus its time to live and compared with the database's time now, so a replica
 * whose own clock is off neither takes a live claim nor keeps a dead one.
 */
final class JdbcFleetStateStore implements FleetStateStore {
  private final Db db;

  JdbcFleetStateStore(Db db) {
    this.db = db;
  }

  @Override
  public void record(NodeState state, List<PillChange> changes) {
    db.call(
        "record the state of node " + state.id(),
        h ->
            h.inTransaction(
                t -> {
                  write(t, state, changes);
                  return null;
                }));
  }

  @Override
  public boolean record(Claim claim, NodeState state, List<PillChange> changes) {
    return db.call(
        "record the state of node " + state.id(),
        h ->
            h.inTransaction(
                t -> {
                  Optional<Long> token =
                      t.createQuery("SELECT token FROM sweep_claim WHERE node = :node FOR UPDATE")
                          .bind("node", claim.node())
                          .mapTo(Long.class)
                          .findOne();
                  if (token.isEmpty() || token.get() != claim.token()) {
                    return false;
                  }
                  write(t, state.sweptBy(claim.replica()), changes);
                  return true;
                }));
  }

  @Override
  public boolean touch(Claim claim, String node, Instant at, EngineFacts facts, boolean release) {
    return db.call(
        "note the sweep of node " + node,
        h ->
            h.inTransaction(
                t -> {
                  // Fences (the row lock of the update) and lets go of the claim at once.
                  int held =
                      t.createUpdate(
                              "UPDATE sweep_claim SET expires_at = "
                                  + (release
                                      ? "LEAST(expires_at, CURRENT_TIMESTAMP)"
                                      : "expires_at")
                                  + " WHERE node = :node AND token = :token")
                          .bind("node", claim.node())
                          .bind("token", claim.token())
                          .execute();
                  if (held != 1) {
                    return false;
                  }
                  var update =
                      t.createUpdate(
                              "UPDATE fleet_node SET last_swept_at = :at, swept_by = :by"
                                  + (facts == null ? "" : ", facts = :facts")
                                  + " WHERE id = :id")
                          .bind("at", Db.timestamp(at))
                          .bind("by", claim.replica())
                          .bind("id", node);
                  if (facts != null) {
                    update.bind("facts", facts(facts));
                  }
                  if (update.execute() != 1) {
                    return false;
                  }
                  t.createUpdate("UPDATE fleet_stack SET swept_at = :at WHERE node = :id")
                      .bind("at", Db.timestamp(at))
                      .bind("id", node)
                      .execute();
                  return true;
                }));
  }

  private static void write(Handle t, NodeState state, List<PillChange> changes) {
    t.createUpdate("DELETE FROM fleet_stack WHERE node = :id").bind("id", state.id()).execute();
    t.createUpdate("DELETE FROM fleet_node WHERE id = :id").bind("id", state.id()).execute();
    t.createUpdate(
            "INSERT INTO fleet_node (id, pill, reasons, last_swept_at, failures, facts, swept_by)"
                + " VALUES (:id, :pill, :reasons, :at, :failures, :facts, :by)")
        .bind("id", state.id())
        .bind("pill", state.pill() == null ? null : state.pill().name())
        .bind("reasons", strings(state.reasons()))
        .bind("at", Db.timestamp(state.lastSweptAt()))
        .bind("failures", state.failures())
        .bind("facts", facts(state.facts()))
        .bind("by", state.sweptBy())
        .execute();
    int seq = 0;
    for (StackState s : state.stacks()) {
      t.createUpdate(
              "INSERT INTO fleet_stack (node, name, seq, project, sync, health, pill, reasons,"
                  + " report, swept_at) VALUES (:node, :name, :seq, :project, :sync, :health,"
                  + " :pill, :reasons, :report, :at)")
          .bind("node", state.id())
          .bind("name", s.name())
          .bind("seq", seq++)
          .bind("project", s.project())
          .bind("sync", s.sync() == null ? null : s.sync().name())
          .bind("health", s.health() == null ? null : s.health().name())
          .bind("pill", s.pill() == null ? null : s.pill().name())
          .bind("reasons", strings(s.reasons()))
          .bind("report", s.report())
          .bind("at", Db.timestamp(s.sweptAt()))
          .execute();
    }
    for (PillChange c : changes) {
      t.createUpdate(
              "INSERT INTO pill_change (node, stack, from_pill, to_pill, reasons, at)"
                  + " VALUES (:node, :stack, :from, :to, :reasons, :at)")
          .bind("node", c.node())
          .bind("stack", c.stack())
          .bind("from", c.from() == null ? null : c.from().name())
          .bind("to", c.to().name())
          .bind("reasons", strings(c.reasons()))
          .bind("at", Db.timestamp(c.at()))
          .execute();
    }
  }

  @Override
  public List<NodeState> nodes() {
    return db.call("read the fleet state", h -> read(h, null));
  }

  @Override
  public Optional<NodeState> node(String id) {
    return db.call("read the state of node " + id, h -> read(h, id)).stream().findFirst();
  }

  private List<NodeState> read(Handle h, String id) {
    String where = id == null ? "" : " WHERE node = :id";
    Map<String, List<StackState>> stacks = new HashMap<>();
    var stackQuery =
        h.createQuery(
            "SELECT node, name, project, sync, health, pill, reasons, report, swept_at"
                + " FROM fleet_stack"
                + where
                + " ORDER BY node, seq");
    if (id != null) {
      stackQuery.bind("id", id);
    }
    stackQuery
        .map((rs, ctx) -> stack(rs))
        .forEach(s -> stacks.computeIfAbsent(s.node(), k -> new ArrayList<>()).add(s));
    var nodeQuery =
        h.createQuery(
            "SELECT id, pill, reasons, last_swept_at, failures, facts, swept_by FROM fleet_node"
                + (id == null ? "" : " WHERE id = :id")
                + " ORDER BY id");
    if (id != null) {
      nodeQuery.bind("id", id);
    }
    return nodeQuery
        .map(
            (rs, ctx) ->
                new NodeState(
                    rs.getString("id"),
                    pill(rs.getString("pill")),
                    strings(rs.getString("reasons")),
                    Db.instant(rs, "last_swept_at"),
                    rs.getInt("failures"),
                    facts(rs.getString("facts")),
                    stacks.getOrDefault(rs.getString("id"), List.of()),
                    rs.getString("swept_by")))
        .list();
  }

  private static StackState stack(ResultSet rs) throws SQLException {
    String sync = rs.getString("sync");
    String health = rs.getString("health");
    return new StackState(
        rs.getString("node"),
        rs.getString("name"),
        rs.getString("project"),
        sync == null ? null : Sync.valueOf(sync),
        health == null ? null : Health.valueOf(health),
        pill(rs.getString("pill")),
        strings(rs.getString("reasons")),
        rs.getString("report"),
        Db.instant(rs, "swept_at"));
  }

  @Override
  public List<PillChange> history(String node, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    return db.call(
        "read the pill history of node " + node,
        h ->
            h.createQuery(
                    "SELECT node, stack, from_pill, to_pill, reasons, at FROM pill_change"
                        + " WHERE node = :node ORDER BY id DESC LIMIT :limit")
                .bind("node", node)
                .bind("limit", limit)
                .map(
                    (rs, ctx) ->
                        new PillChange(
                            rs.getString("node"),
                            rs.getString("stack"),
                            pill(rs.getString("from_pill")),
                            pill(rs.getString("to_pill")),
                            strings(rs.getString("reasons")),
                            Db.instant(rs, "at")))
                .list());
  }

  // ---- claims -------------------------------------------------------------------------------

  @Override
  public Optional<Claim> claim(String node, String replica, Duration ttl) {
    String what = "claim the sweep of node " + node;
    try (Handle h = db.open()) {
      for (int attempt = 0; attempt < 3; attempt++) {
        // Taken over when expired or ours already: the token grows with every grant.
        Optional<Claim> taken =
            h.inTransaction(
                t -> {
                  Instant now = Db.now(t);
                  Instant expires = Db.micros(now.plus(ttl));
                  int updated =
                      t.createUpdate(
                              "UPDATE sweep_claim SET replica = :replica, token = token + 1,"
                                  + " expires_at = :expires WHERE node = :node AND"
                                  + " (expires_at <= :now OR replica = :replica)")
                          .bind("replica", replica)
                          .bind("expires", Db.timestamp(expires))
                          .bind("node", node)
                          .bind("now", Db.timestamp(now))
                          .execute();
                  if (updated == 0) {
                    return Optional.<Claim>empty();
                  }
                  return t.createQuery("SELECT token FROM sweep_claim WHERE node = :node")
                      .bind("node", node)
                      .mapTo(Long.class)
                      .findOne()
                      .map(token -> new Claim(node, replica, token, expires));
                });
        if (taken.isPresent()) {
          return taken;
        }
        boolean exists =
            h.createQuery("SELECT COUNT(*) FROM sweep_claim WHERE node = :node")
                    .bind("node", node)
                    .mapTo(Integer.class)
                    .one()
                > 0;
        if (exists) {
          return Optional.empty(); // held by another replica, unexpired
        }
        Instant expires = Db.micros(Db.now(h).plus(ttl));
        try {
          h.createUpdate(
                  "INSERT INTO sweep_claim (node, replica, token, expires_at)"
                      + " VALUES (:node, :replica, 1, :expires)")
              .bind("node", node)
              .bind("replica", replica)
              .bind("expires", Db.timestamp(expires))
              .execute();
          return Optional.of(new Claim(node, replica, 1, expires));
        } catch (JdbiException e) {
          if (!Db.isUniqueViolation(e)) {
            throw e;
          }
          // another replica inserted it first: look again
        }
      }
      return Optional.empty();
    } catch (JdbiException e) {
      throw db.failure(what, e);
    }
  }

  /** Nodes known to have a {@code sweep_claim} row (rows are never deleted). */
  private final java.util.Set<String> claimRows =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Who holds a claim let go by {@link #hold}: nobody. */
  private static final String NOBODY = "";

  @Override
  public List<Claim> hold(
      String replica, List<String> nodes, int replicas, Duration ttl, Duration orphanAfter) {
    if (replica.isEmpty()) {
      throw new IllegalArgumentException("a replica needs a name");
    }
    int share =
        nodes.isEmpty() ? 0 : (nodes.size() + Math.max(1, replicas) - 1) / Math.max(1, replicas);
    boolean skipLocked = db.vendor() == Vendor.POSTGRESQL;
    return db.call(
        "hold the sweep claims of replica " + replica,
        h -> {
          addClaimRows(h, nodes);
          return h.inTransaction(
              t -> {
                Instant now = Db.now(t);
                Instant expires = Db.micros(now.plus(ttl));
                Instant orphaned = Db.micros(now.minus(orphanAfter));
                // Ours: renewed with their tokens; those on nodes no longer swept let go.
                t.createUpdate(
                        "UPDATE sweep_claim SET expires_at = :expires WHERE replica = :replica"
                            + " AND node = ANY(:nodes)")
                    .bind("expires", Db.timestamp(expires))
                    .bind("replica", replica)
                    .bind("nodes", Db.array(nodes))
                    .execute();
                List<String> ours =
                    t.createQuery(
                            "SELECT node FROM sweep_claim WHERE replica = :replica ORDER BY node")
                        .bind("replica", replica)
                        .mapTo(String.class)
                        .list();
                java.util.Set<String> wanted = new java.util.HashSet<>(nodes);
                List<String> letGo = new ArrayList<>();
                List<String> kept = new ArrayList<>();
                for (String n : ours) {
                  (wanted.contains(n) ? kept : letGo).add(n);
                }
                if (kept.size() > share) {
                  letGo.addAll(kept.subList(share, kept.size()));
                }
                if (!letGo.isEmpty()) {
                  t.createUpdate(
                          "UPDATE sweep_claim SET replica = :nobody, expires_at = :now"
                              + " WHERE replica = :replica AND node = ANY(:nodes)")
                      .bind("nobody", NOBODY)
                      .bind("now", Db.timestamp(now))
                      .bind("replica", replica)
                      .bind("nodes", Db.array(letGo))
                      .execute();
                }
                int need = share - Math.min(kept.size(), share);
                if (need > 0) {
                  take(t, replica, nodes, now, expires, need, skipLocked);
                }
                // Orphans: claimed once (token above 0), then left expired for orphanAfter.
                take(t, replica, nodes, orphaned, expires, Integer.MAX_VALUE, skipLocked);
                return t.createQuery(
                        "SELECT node, replica, token, expires_at FROM sweep_claim"
                            + " WHERE replica = :replica ORDER BY node")
                    .bind("replica", replica)
                    .map(
                        (rs, ctx) ->
                            new Claim(
                                rs.getString("node"),
                                rs.getString("replica"),
                                rs.getLong("token"),
                                Db.instant(rs, "expires_at")))
                    .list();
              });
        });
  }

  /** Takes up to {@code limit} of {@code nodes} whose claim expired at or before {@code cutoff}. */
  private static void take(
      Handle t,
      String replica,
      List<String> nodes,
      Instant cutoff,
      Instant expires,
      int limit,
      boolean skipLocked) {
    List<String> free =
        t.createQuery(
                "SELECT node FROM sweep_claim WHERE node = ANY(:nodes) AND expires_at <= :cutoff"
                    + (limit == Integer.MAX_VALUE ? " AND token > 0" : "")
                    + " ORDER BY expires_at, node"
                    + (limit == Integer.MAX_VALUE ? "" : " LIMIT " + limit)
                    + " FOR UPDATE"
                    + (skipLocked ? " SKIP LOCKED" : ""))
            .bind("nodes", Db.array(nodes))
            .bind("cutoff", Db.timestamp(cutoff))
            .mapTo(String.class)
            .list();
    if (!free.isEmpty()) {
      t.createUpdate(
              "UPDATE sweep_claim SET replica = :replica, token = token + 1,"
                  + " expires_at = :expires WHERE node = ANY(:nodes) AND expires_at <= :cutoff")
          .bind("replica", replica)
          .bind("expires", Db.timestamp(expires))
          .bind("nodes", Db.array(free))
          .bind("cutoff", Db.timestamp(cutoff))
          .execute();
    }
  }

  /**
   * Gives every node of {@code nodes} a claim row (nobody's, long expired) once: the rows {@link
   * #hold} takes from. Read once per node and process; rows are never deleted.
   */
  private void addClaimRows(Handle h, List<String> nodes) {
    List<String> unknown = nodes.stream().filter(n -> !claimRows.contains(n)).toList();
    if (unknown.isEmpty()) {
      return;
    }
    java.util.Set<String> missing = new java.util.LinkedHashSet<>(unknown);
    missing.removeAll(
        h.createQuery("SELECT node FROM sweep_claim WHERE node = ANY(:nodes)")
            .bind("nodes", Db.array(unknown))
            .mapTo(String.class)
            .list());
    if (!missing.isEmpty()) {
      if (db.vendor() == Vendor.POSTGRESQL) {
        h.createUpdate(
                "INSERT INTO sweep_claim (node, replica, token, expires_at)"
                    + " SELECT n, :nobody, 0, :epoch FROM UNNEST(CAST(:nodes AS VARCHAR[])) AS n"
                    + " ON CONFLICT (node) DO NOTHING")
            .bind("nobody", NOBODY)
            .bind("epoch", Db.timestamp(Instant.EPOCH))
            .bind("nodes", Db.array(missing))
            .execute();
      } else {
        for (String n : missing) {
          try {
            h.createUpdate(
                    "INSERT INTO sweep_claim (node, replica, token, expires_at)"
                        + " VALUES (:node, :nobody, 0, :epoch)")
                .bind("node", n)
                .bind("nobody", NOBODY)
                .bind("epoch", Db.timestamp(Instant.EPOCH))
                .execute();
          } catch (JdbiException e) {
            if (!Db.isUniqueViolation(e)) {
              throw e;
            }
          }
        }
      }
    }
    claimRows.addAll(unknown);
  }

  @Override
  public Optional<Claim> renew(Claim claim, Duration ttl) {
    return db.call(
        "renew the claim on node " + claim.node(),
        h ->
            h.inTransaction(
                t -> {
                  Instant expires = Db.micros(Db.now(t).plus(ttl));
                  int updated =
                      t.createUpdate(
                              "UPDATE sweep_claim SET expires_at = :expires"
                                  + " WHERE node = :node AND token = :token")
                          .bind("expires", Db.timestamp(expires))
                          .bind("node", claim.node())
                          .bind("token", claim.token())
                          .execute();
                  return updated == 1
                      ? Optional.of(
                          new Claim(claim.node(), claim.replica(), claim.token(), expires))
                      : Optional.<Claim>empty();
                }));
  }

  @Override
  public void release(Claim claim) {
    // The row stays (its token keeps growing); expiring it now frees the node for any replica.
    db.call(
        "release the claim on node " + claim.node(),
        h ->
            h.createUpdate(
                    "UPDATE sweep_claim SET expires_at = CURRENT_TIMESTAMP WHERE node = :node AND"
                        + " token = :token AND expires_at > CURRENT_TIMESTAMP")
                .bind("node", claim.node())
                .bind("token", claim.token())
                .execute());
  }

  // ---- columns ------------------------------------------------------------------------------

  private static Pill pill(String name) {
    return name == null ? null : Pill.valueOf(name);
  }

  private static String strings(List<String> values) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    values.forEach(a::add);
    return new String(TreeJson.compact(a), StandardCharsets.UTF_8);
  }

  private static List<String> strings(String json) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : parse(json)) {
      out.add(n.asText());
    }
    return out;
  }

  private static String facts(EngineFacts f) {
    if (f == null) {
      return null;
    }
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("id", f.daemonId());
    o.put("version", f.version());
    o.put("api_version", f.apiVersion());
    o.put("os", f.os());
    o.put("arch", f.arch());
    o.put("cpus", f.cpus());
    o.put("memory_bytes", f.memoryBytes());
    o.put("root_dir", f.rootDir());
    o.put("root_disk_bytes", f.rootDiskBytes());
    return new String(TreeJson.compact(o), StandardCharsets.UTF_8);
  }

  private static EngineFacts facts(String json) {
    if (json == null) {
      return null;
    }
    JsonNode o = parse(json);
    JsonNode disk = o.path("root_disk_bytes");
    return new EngineFacts(
        text(o, "id"),
        text(o, "version"),
        text(o, "api_version"),
        text(o, "os"),
        text(o, "arch"),
        o.path("cpus").asInt(0),
        o.path("memory_bytes").asLong(0L),
        text(o, "root_dir"),
        disk.isNumber() ? disk.asLong() : null);
  }

  private static String text(JsonNode o, String field) {
    JsonNode v = o.path(field);
    return v.isNull() || v.isMissingNode() ? null : v.asText();
  }

  private static JsonNode parse(String json) {
    try {
      return TreeJson.readFirst(json);
    } catch (IOException e) {
      throw new SelvedgeException("the fleet state holds JSON that does not parse: " + e, e);
    }
  }
}
