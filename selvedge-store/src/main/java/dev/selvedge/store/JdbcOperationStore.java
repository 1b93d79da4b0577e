package dev.selvedge.store;

import dev.selvedge.SelvedgeException;
import dev.selvedge.port.OperationStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.statement.StatementContext;

/** The API's operations in the {@code operation} table (V9). */
final class JdbcOperationStore implements OperationStore {
  private static final String COLUMNS =
      "id, node, stack, service, action, state, actor, request_id, idempotency_key, body_hash,"
          + " created_at, started_at, finished_at, steps, result, replica";

  private final Db db;

  JdbcOperationStore(Db db) {
    this.db = db;
  }

  @Override
  public Operation create(Operation draft) {
    if (draft.idempotencyKey() != null) {
      Optional<Operation> earlier = findByKey(draft.actor(), draft.idempotencyKey());
      if (earlier.isPresent()) {
        return earlier.get();
      }
    }
    try {
      db.call(
          "record the operation " + draft.id(),
          h ->
              h.createUpdate(
                      "INSERT INTO operation ("
                          + COLUMNS
                          + ") VALUES (:id, :node, :stack, :service, :action, :state, :actor,"
                          + " :request, :key, :hash, :created, NULL, NULL, '[]', NULL, :replica)")
                  .bind("replica", draft.replica())
                  .bind("id", draft.id())
                  .bind("node", draft.node())
                  .bind("stack", draft.stack())
                  .bind("service", draft.service())
                  .bind("action", draft.action())
                  .bind("state", State.QUEUED.name())
                  .bind("actor", draft.actor())
                  .bind("request", draft.requestId())
                  .bind("key", draft.idempotencyKey())
                  .bind("hash", draft.bodyHash())
                  .bind("created", Db.timestamp(draft.createdAt()))
                  .execute());
    } catch (SelvedgeException e) {
      if (draft.idempotencyKey() != null && Db.isUniqueViolation(e)) {
        // The same retry raced this one: the first recorded wins, both answer with it.
        Optional<Operation> first = findByKey(draft.actor(), draft.idempotencyKey());
        if (first.isPresent()) {
          return first.get();
        }
      }
      throw e;
    }
    return new Operation(
        draft.id(),
        draft.node(),
        draft.stack(),
        draft.service(),
        draft.action(),
        State.QUEUED,
        draft.actor(),
        draft.requestId(),
        draft.idempotencyKey(),
        draft.bodyHash(),
        Db.micros(draft.createdAt()),
        null,
        null,
        "[]",
        null,
        draft.replica());
  }

  @Override
  public Optional<Operation> find(String id) {
    return db.call(
        "read the operation " + id,
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM operation WHERE id = :id")
                .bind("id", id)
                .map(JdbcOperationStore::row)
                .findOne());
  }

  @Override
  public Optional<Operation> findByKey(String actor, String idempotencyKey) {
    return db.call(
        "look up an operation by its idempotency key",
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM operation WHERE actor = :actor AND idempotency_key = :key")
                .bind("actor", actor)
                .bind("key", idempotencyKey)
                .map(JdbcOperationStore::row)
                .findOne());
  }

  @Override
  public void started(String id, Instant at) {
    db.call(
        "mark the operation " + id + " running",
        h ->
            h.createUpdate(
                    "UPDATE operation SET state = :state, started_at = :at"
                        + " WHERE id = :id AND state = :queued")
                .bind("id", id)
                .bind("state", State.RUNNING.name())
                .bind("queued", State.QUEUED.name())
                .bind("at", Db.timestamp(at))
                .execute());
  }

  @Override
  public void steps(String id, String stepsJson) {
    db.call(
        "record the steps of the operation " + id,
        h ->
            h.createUpdate("UPDATE operation SET steps = :steps WHERE id = :id")
                .bind("id", id)
                .bind("steps", stepsJson)
                .execute());
  }

  @Override
  public boolean finish(String id, State state, String stepsJson, String resultJson, Instant at) {
    if (!state.terminal()) {
      throw new IllegalArgumentException("an operation finishes in a terminal state: " + state);
    }
    return db.call(
        "record the end of the operation " + id,
        h ->
            h.createUpdate(
                        "UPDATE operation SET state = :state, steps = :steps, result = :result,"
                            + " finished_at = :at WHERE id = :id AND state IN ('QUEUED', 'RUNNING')")
                    .bind("id", id)
                    .bind("state", state.name())
                    .bind("steps", stepsJson == null ? "[]" : stepsJson)
                    .bind("result", resultJson)
                    .bind("at", Db.timestamp(at))
                    .execute()
                > 0);
  }

  @Override
  public List<Operation> unfinished(String node, String stack) {
    return db.call(
        "list the unfinished operations",
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM operation WHERE state IN ('QUEUED', 'RUNNING')"
                        + " AND node = :node AND stack = :stack ORDER BY created_at, id")
                .bind("node", node)
                .bind("stack", stack)
                .map(JdbcOperationStore::row)
                .list());
  }

  @Override
  public int interruptUnfinished(
      Instant at, java.util.Collection<String> alive, boolean unrecorded) {
    return db.call(
        "mark unfinished operations interrupted",
        h ->
            h.createUpdate(
                    "UPDATE operation SET state = 'INTERRUPTED', finished_at = :at"
                        + " WHERE state IN ('QUEUED', 'RUNNING')"
                        + (unrecorded
                            ? " AND (replica IS NULL OR NOT (replica = ANY(:alive)))"
                            : " AND replica IS NOT NULL AND NOT (replica = ANY(:alive))"))
                .bind("at", Db.timestamp(at))
                .bind("alive", Db.array(alive))
                .execute());
  }

  private static Operation row(ResultSet rs, StatementContext ctx) throws SQLException {
    return new Operation(
        rs.getString("id"),
        rs.getString("node"),
        rs.getString("stack"),
        rs.getString("service"),
        rs.getString("action"),
        State.valueOf(rs.getString("state")),
        rs.getString("actor"),
        rs.getString("request_id"),
        rs.getString("idempotency_key"),
        rs.getString("body_hash"),
        Db.instant(rs, "created_at"),
        Db.instant(rs, "started_at"),
        Db.instant(rs, "finished_at"),
        rs.getString("steps"),
        rs.getString("result"),
        rs.getString("replica"));
  }
}
