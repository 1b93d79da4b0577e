package dev.selvedge.store;

import dev.selvedge.port.AutoUpdateStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Auto-update's memory in {@code auto_update_seen} and {@code auto_update_attempt} (V17). The
 * unique (stack, service, digest) of an attempt is what makes "never the same digest twice" hold
 * across replicas: the second insert fails and its caller starts nothing.
 */
final class JdbcAutoUpdateStore implements AutoUpdateStore {
  private static final String ATTEMPT =
      "id, stack, service, digest, rollout_id, started_at, outcome";

  private final Db db;

  JdbcAutoUpdateStore(Db db) {
    this.db = db;
  }

  @Override
  public Optional<Attempt> add(Attempt a) {
    try {
      long id =
          db.call(
              "keep an auto-update attempt",
              h ->
                  h.createUpdate(
                          "INSERT INTO auto_update_attempt"
                              + " (stack, service, digest, rollout_id, started_at, outcome)"
                              + " VALUES (:stack, :service, :digest, :rollout, :at, :outcome)")
                      .bind("stack", a.stack())
                      .bind("service", a.service())
                      .bind("digest", a.digest())
                      .bind("rollout", a.rolloutId())
                      .bind("at", Db.timestamp(a.startedAt()))
                      .bind("outcome", a.outcome())
                      .executeAndReturnGeneratedKeys("id")
                      .mapTo(Long.class)
                      .one());
      return Optional.of(
          new Attempt(
              id,
              a.stack(),
              a.service(),
              a.digest(),
              a.rolloutId(),
              Db.micros(a.startedAt()),
              a.outcome()));
    } catch (RuntimeException e) {
      if (Db.isUniqueViolation(e)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public void rollout(long id, String rolloutId) {
    db.call(
        "record an auto-update's rollout",
        h ->
            h.createUpdate("UPDATE auto_update_attempt SET rollout_id = :rollout WHERE id = :id")
                .bind("rollout", rolloutId)
                .bind("id", id)
                .execute());
  }

  @Override
  public void release(long id) {
    db.call(
        "forget an auto-update claim",
        h ->
            h.createUpdate("DELETE FROM auto_update_attempt WHERE id = :id AND rollout_id = ''")
                .bind("id", id)
                .execute());
  }

  @Override
  public Optional<Attempt> find(String stack, String service, String digest) {
    return db.call(
        "read an auto-update attempt",
        h ->
            h.createQuery(
                    "SELECT "
                        + ATTEMPT
                        + " FROM auto_update_attempt"
                        + " WHERE stack = :stack AND service = :service AND digest = :digest")
                .bind("stack", stack)
                .bind("service", service)
                .bind("digest", digest)
                .map(JdbcAutoUpdateStore::attempt)
                .findOne());
  }

  @Override
  public int outcome(String rolloutId, String outcome) {
    return db.call(
        "record an auto-update's outcome",
        h ->
            h.createUpdate(
                    "UPDATE auto_update_attempt SET outcome = :outcome WHERE rollout_id = :id")
                .bind("outcome", outcome)
                .bind("id", rolloutId)
                .execute());
  }

  @Override
  public List<Attempt> attempts(String stack, int limit) {
    return db.call(
        "list auto-update attempts",
        h ->
            h.createQuery(
                    "SELECT "
                        + ATTEMPT
                        + " FROM auto_update_attempt WHERE stack = :stack"
                        + " ORDER BY id DESC LIMIT :limit")
                .bind("stack", stack)
                .bind("limit", Math.max(1, limit))
                .map(JdbcAutoUpdateStore::attempt)
                .list());
  }

  @Override
  public void see(Seen s) {
    // An upsert on both vendors: update; else insert; and when another store inserted the row in
    // between (two checks at once, `fleet updates` beside the server), update the row it made.
    if (updateSeen(s) > 0) {
      return;
    }
    try {
      db.call(
          "record an auto-update's digest",
          h ->
              h.createUpdate(
                      "INSERT INTO auto_update_seen (stack, service, reference, digest,"
                          + " seen_at) VALUES (:stack, :service, :ref, :digest, :at)")
                  .bind("ref", s.reference())
                  .bind("digest", s.digest())
                  .bind("at", Db.timestamp(s.at()))
                  .bind("stack", s.stack())
                  .bind("service", s.service())
                  .execute());
    } catch (RuntimeException e) {
      if (!Db.isUniqueViolation(e)) {
        throw e;
      }
      updateSeen(s);
    }
  }

  private int updateSeen(Seen s) {
    return db.call(
        "record an auto-update's digest",
        h ->
            h.createUpdate(
                    "UPDATE auto_update_seen SET reference = :ref, digest = :digest,"
                        + " seen_at = :at WHERE stack = :stack AND service = :service")
                .bind("ref", s.reference())
                .bind("digest", s.digest())
                .bind("at", Db.timestamp(s.at()))
                .bind("stack", s.stack())
                .bind("service", s.service())
                .execute());
  }

  @Override
  public Map<String, Seen> seen(String stack) {
    List<Seen> rows =
        db.call(
            "read auto-update digests",
            h ->
                h.createQuery(
                        "SELECT stack, service, reference, digest, seen_at FROM auto_update_seen"
                            + " WHERE stack = :stack ORDER BY service")
                    .bind("stack", stack)
                    .map(
                        (rs, ctx) ->
                            new Seen(
                                rs.getString("stack"),
                                rs.getString("service"),
                                rs.getString("reference"),
                                rs.getString("digest"),
                                Db.instant(rs, "seen_at")))
                    .list());
    Map<String, Seen> out = new LinkedHashMap<>();
    rows.forEach(r -> out.put(r.service(), r));
    return out;
  }

  private static Attempt attempt(ResultSet rs, StatementContext ctx) throws SQLException {
    return new Attempt(
        rs.getLong("id"),
        rs.getString("stack"),
        rs.getString("service"),
        rs.getString("digest"),
        rs.getString("rollout_id"),
        Db.instant(rs, "started_at"),
        rs.getString("outcome"));
  }
}
