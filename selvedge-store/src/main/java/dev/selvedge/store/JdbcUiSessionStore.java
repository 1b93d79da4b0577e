package dev.selvedge.store;

import dev.selvedge.port.UiSessionStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.statement.StatementContext;

/** The web UI's sessions in the {@code ui_session} table: only hashes of tokens. */
final class JdbcUiSessionStore implements UiSessionStore {
  private final Db db;

  JdbcUiSessionStore(Db db) {
    this.db = db;
  }

  @Override
  public void create(UiSession s) {
    db.call(
        "start a web UI session",
        h ->
            h.createUpdate(
                    "INSERT INTO ui_session (token_hash, key_hash, created_at, last_seen_at)"
                        + " VALUES (:token, :key, :created, :seen)")
                .bind("token", s.tokenHash())
                .bind("key", s.keyHash())
                .bind("created", Db.timestamp(s.createdAt()))
                .bind("seen", Db.timestamp(s.lastSeenAt()))
                .execute());
  }

  @Override
  public Optional<UiSession> find(String tokenHash) {
    return db.call(
        "look up a web UI session",
        h ->
            h.createQuery(
                    "SELECT token_hash, key_hash, created_at, last_seen_at FROM ui_session"
                        + " WHERE token_hash = :token")
                .bind("token", tokenHash)
                .map(JdbcUiSessionStore::row)
                .findOne());
  }

  @Override
  public void touch(String tokenHash, Instant at) {
    db.call(
        "note the use of a web UI session",
        h ->
            h.createUpdate("UPDATE ui_session SET last_seen_at = :at WHERE token_hash = :token")
                .bind("token", tokenHash)
                .bind("at", Db.timestamp(at))
                .execute());
  }

  @Override
  public boolean delete(String tokenHash) {
    return db.call(
            "end a web UI session",
            h ->
                h.createUpdate("DELETE FROM ui_session WHERE token_hash = :token")
                    .bind("token", tokenHash)
                    .execute())
        > 0;
  }

  @Override
  public int deleteExpired(Instant idleBefore, Instant createdBefore) {
    return db.call(
        "remove ended web UI sessions",
        h ->
            h.createUpdate(
                    "DELETE FROM ui_session WHERE last_seen_at < :idle OR created_at < :created")
                .bind("idle", Db.timestamp(idleBefore))
                .bind("created", Db.timestamp(createdBefore))
                .execute());
  }

  private static UiSession row(ResultSet rs, StatementContext ctx) throws SQLException {
    return new UiSession(
        rs.getString("token_hash"),
        rs.getString("key_hash"),
        Db.instant(rs, "created_at"),
        Db.instant(rs, "last_seen_at"));
  }
}
