package dev.selvedge.store;

import dev.selvedge.port.FleetStateStore.Claim;
import dev.selvedge.port.ReplicaStore;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The replicas in {@code cluster_replica} (V12); claims and sweeps read from V6's tables. */
final class JdbcReplicaStore implements ReplicaStore {
  private final Db db;

  JdbcReplicaStore(Db db) {
    this.db = db;
  }

  @Override
  public void register(Replica r) {
    db.call(
        "register replica " + r.id(),
        h ->
            h.inTransaction(
                t -> {
                  t.createUpdate("DELETE FROM cluster_replica WHERE id = :id")
                      .bind("id", r.id())
                      .execute();
                  return t.createUpdate(
                          "INSERT INTO cluster_replica (id, host, pid, version, started_at,"
                              + " heartbeat_at) VALUES (:id, :host, :pid, :version, :started,"
                              + " :beat)")
                      .bind("id", r.id())
                      .bind("host", r.host())
                      .bind("pid", r.pid())
                      .bind("version", r.version())
                      .bind("started", Db.timestamp(r.startedAt()))
                      .bind("beat", Db.timestamp(r.heartbeatAt()))
                      .execute();
                }));
  }

  @Override
  public boolean heartbeat(String id, Instant at) {
    return db.call(
            "note the heartbeat of replica " + id,
            h ->
                h.createUpdate("UPDATE cluster_replica SET heartbeat_at = :at WHERE id = :id")
                    .bind("at", Db.timestamp(at))
                    .bind("id", id)
                    .execute())
        == 1;
  }

  @Override
  public boolean beat(String id) {
    return db.call(
            "note the heartbeat of replica " + id,
            h ->
                h.createUpdate(
                        "UPDATE cluster_replica SET heartbeat_at = CURRENT_TIMESTAMP WHERE id = :id")
                    .bind("id", id)
                    .execute())
        == 1;
  }

  @Override
  public List<String> alive(java.time.Duration within) {
    // Both times from the database: the heartbeats and its clock now.
    return db.call(
        "read the replicas alive",
        h ->
            h
                .createQuery(
                    "SELECT id, heartbeat_at, CURRENT_TIMESTAMP AS now FROM cluster_replica"
                        + " ORDER BY id")
                .map(
                    (rs, ctx) ->
                        Db.instant(rs, "heartbeat_at").plus(within).isAfter(Db.instant(rs, "now"))
                            ? rs.getString("id")
                            : null)
                .list()
                .stream()
                .filter(java.util.Objects::nonNull)
                .toList());
  }

  @Override
  public void remove(String id) {
    db.call(
        "remove replica " + id,
        h -> h.createUpdate("DELETE FROM cluster_replica WHERE id = :id").bind("id", id).execute());
  }

  @Override
  public int forget(Instant cutoff) {
    return db.call(
        "forget the replicas silent since " + cutoff,
        h ->
            h.createUpdate("DELETE FROM cluster_replica WHERE heartbeat_at < :cutoff")
                .bind("cutoff", Db.timestamp(cutoff))
                .execute());
  }

  @Override
  public List<Replica> replicas() {
    return db.call("read the replicas", JdbcReplicaStore::replicas);
  }

  @Override
  public Listing listing() {
    return db.call(
        "read the replicas", h -> h.inTransaction(t -> new Listing(Db.now(t), replicas(t))));
  }

  private static List<Replica> replicas(org.jdbi.v3.core.Handle h) {
    return h.createQuery(
            "SELECT id, host, pid, version, started_at, heartbeat_at FROM cluster_replica"
                + " ORDER BY started_at, id")
        .map(
            (rs, ctx) ->
                new Replica(
                    rs.getString("id"),
                    rs.getString("host"),
                    rs.getLong("pid"),
                    rs.getString("version"),
                    Db.instant(rs, "started_at"),
                    Db.instant(rs, "heartbeat_at")))
        .list();
  }

  @Override
  public List<Claim> claims(Instant now) {
    return db.call(
        "read the sweep claims",
        h ->
            h.createQuery(
                    "SELECT node, replica, token, expires_at FROM sweep_claim"
                        + " WHERE expires_at > :now ORDER BY replica, node")
                .bind("now", Db.timestamp(now))
                .map(
                    (rs, ctx) ->
                        new Claim(
                            rs.getString("node"),
                            rs.getString("replica"),
                            rs.getLong("token"),
                            Db.instant(rs, "expires_at")))
                .list());
  }

  @Override
  public Map<String, Integer> sweptNodes() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    db.call(
            "count the nodes each replica swept",
            h ->
                h.createQuery(
                        "SELECT swept_by, COUNT(*) AS n FROM fleet_node WHERE swept_by IS NOT NULL"
                            + " GROUP BY swept_by ORDER BY swept_by")
                    .map((rs, ctx) -> Map.entry(rs.getString("swept_by"), rs.getInt("n")))
                    .list())
        .forEach(e -> counts.put(e.getKey(), e.getValue()));
    return counts;
  }
}
