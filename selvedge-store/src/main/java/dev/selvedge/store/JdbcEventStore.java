package dev.selvedge.store;

import dev.selvedge.port.EventStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The live stream's events in the {@code server_event} table (V10).
 *
 * <p>On PostgreSQL several replicas append: each append's transaction first takes a transaction
 * advisory lock ({@link #ORDER_LOCK}) and only then draws its ids, so appends commit one after the
 * other in id order (the lock is let go after the commit is visible), and a replica tailing the
 * table by id never passes an id that commits later. Each append then notifies {@link
 * PgEventWatch#CHANNEL} (delivered on commit) to wake the replicas' tails. An H2 file has one
 * server: appends need neither.
 */
final class JdbcEventStore implements EventStore {
  private static final String COLUMNS = "id, type, at, node, stack, service, operation, data";

  /** The advisory lock key that orders appends (per database; an arbitrary constant). */
  static final long ORDER_LOCK = 0x5e1_7ed9_e000_0001L;

  private final Db db;
  private final Callable<Connection> listener;

  /**
   * @param listener opens a connection of its own for a {@link #watch} (PostgreSQL), else null
   */
  JdbcEventStore(Db db, Callable<Connection> listener) {
    this.db = db;
    this.listener = listener;
  }

  private boolean shared() {
    return db.vendor() == Vendor.POSTGRESQL;
  }

  /** Before the ids are drawn: appends of all replicas commit in id order. */
  private void ordered(Handle t) {
    if (shared()) {
      t.createQuery("SELECT pg_advisory_xact_lock(:key)")
          .bind("key", ORDER_LOCK)
          .mapTo(String.class)
          .one();
    }
  }

  /** After the rows: the replicas' tails are woken once the transaction commits. */
  private void notifyTails(Handle t) {
    if (shared()) {
      t.createQuery("SELECT pg_notify(:channel, '')")
          .bind("channel", PgEventWatch.CHANNEL)
          .mapTo(String.class)
          .one();
    }
  }

  @Override
  public Optional<Watch> watch() {
    return listener == null ? Optional.empty() : Optional.of(new PgEventWatch(listener));
  }

  @Override
  public long append(StoredEvent e) {
    return db.call(
        "keep an event",
        h ->
            h.inTransaction(
                t -> {
                  ordered(t);
                  long id =
                      t.createUpdate(
                              "INSERT INTO server_event (type, at, node, stack, service,"
                                  + " operation, data) VALUES (:type, :at, :node, :stack,"
                                  + " :service, :operation, :data)")
                          .bind("type", e.type())
                          .bind("at", Db.timestamp(e.at()))
                          .bind("node", e.node())
                          .bind("stack", e.stack())
                          .bind("service", e.service())
                          .bind("operation", e.operation())
                          .bind("data", e.data())
                          .executeAndReturnGeneratedKeys("id")
                          .mapTo(Long.class)
                          .one();
                  notifyTails(t);
                  return id;
                }));
  }

  @Override
  public List<Long> appendAll(List<StoredEvent> events) {
    if (events.isEmpty()) {
      return List.of();
    }
    return db.call(
        "keep " + events.size() + " events",
        h ->
            h.inTransaction(
                tx -> {
                  ordered(tx);
                  PreparedBatch batch =
                      tx.prepareBatch(
                          "INSERT INTO server_event (type, at, node, stack, service, operation,"
                              + " data) VALUES (:type, :at, :node, :stack, :service, :operation,"
                              + " :data)");
                  for (StoredEvent e : events) {
                    batch
                        .bind("type", e.type())
                        .bind("at", Db.timestamp(e.at()))
                        .bind("node", e.node())
                        .bind("stack", e.stack())
                        .bind("service", e.service())
                        .bind("operation", e.operation())
                        .bind("data", e.data())
                        .add();
                  }
                  List<Long> ids = batch.executePreparedBatch("id").mapTo(Long.class).list();
                  if (ids.size() != events.size()) {
                    throw new IllegalStateException(
                        "the database gave "
                            + ids.size()
                            + " ids for "
                            + events.size()
                            + " events");
                  }
                  notifyTails(tx);
                  return ids;
                }));
  }

  @Override
  public List<StoredEvent> after(long afterId, Filter filter, int limit) {
    StringBuilder sql =
        new StringBuilder("SELECT " + COLUMNS + " FROM server_event WHERE id > :after");
    List<Object> binds = new ArrayList<>();
    // The stream's own events (stream.gap) pass every filter, as in Filter.matches.
    sql.append(" AND (SUBSTRING(type, 1, ")
        .append(Filter.STREAM.length())
        .append(") = :b")
        .append(binds.size())
        .append(" OR (1 = 1");
    binds.add(Filter.STREAM);
    in(sql, binds, "node", filter.nodes());
    in(sql, binds, "stack", filter.stacks());
    if (!filter.types().isEmpty()) {
      sql.append(" AND (");
      for (int i = 0; i < filter.types().size(); i++) {
        String t = filter.types().get(i);
        sql.append(i == 0 ? "" : " OR ");
        if (t.endsWith(".")) {
          // A prefix: compared by its start, so no LIKE escaping of '_' or '%' is needed.
          sql.append("SUBSTRING(type, 1, ")
              .append(t.length())
              .append(") = :b")
              .append(binds.size());
        } else {
          sql.append("type = :b").append(binds.size());
        }
        binds.add(t);
      }
      sql.append(")");
    }
    sql.append("))");
    sql.append(" ORDER BY id FETCH FIRST ").append(Math.max(1, limit)).append(" ROWS ONLY");
    return db.call(
        "read the events after " + afterId,
        h -> {
          Query q = h.createQuery(sql.toString()).bind("after", afterId);
          for (int i = 0; i < binds.size(); i++) {
            q.bind("b" + i, binds.get(i));
          }
          return q.map(JdbcEventStore::row).list();
        });
  }

  private static void in(
      StringBuilder sql, List<Object> binds, String column, List<String> values) {
    if (values.isEmpty()) {
      return;
    }
    sql.append(" AND ").append(column).append(" IN (");
    for (int i = 0; i < values.size(); i++) {
      sql.append(i == 0 ? "" : ", ").append(":b").append(binds.size());
      binds.add(values.get(i));
    }
    sql.append(")");
  }

  @Override
  public OptionalLong oldestId() {
    return bound("MIN");
  }

  @Override
  public OptionalLong latestId() {
    return bound("MAX");
  }

  private OptionalLong bound(String aggregate) {
    Long id =
        db.call(
            "read the events kept",
            h ->
                h.createQuery("SELECT " + aggregate + "(id) FROM server_event")
                    .mapTo(Long.class)
                    .findOne()
                    .orElse(null));
    return id == null ? OptionalLong.empty() : OptionalLong.of(id);
  }

  @Override
  public int deleteBefore(Instant cutoff) {
    return db.call(
        "delete the events older than " + cutoff,
        h ->
            h.createUpdate(
                    "DELETE FROM server_event WHERE at < :cutoff"
                        + " AND id < (SELECT MAX(id) FROM server_event)")
                .bind("cutoff", Db.timestamp(cutoff))
                .execute());
  }

  private static StoredEvent row(ResultSet rs, StatementContext ctx) throws SQLException {
    return new StoredEvent(
        rs.getLong("id"),
        rs.getString("type"),
        Db.instant(rs, "at"),
        rs.getString("node"),
        rs.getString("stack"),
        rs.getString("service"),
        rs.getString("operation"),
        rs.getString("data"));
  }
}
