package dev.selvedge.store;

import dev.selvedge.SelvedgeException;
import dev.selvedge.port.ApiKeyStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.statement.StatementContext;

/** API keys in the {@code api_key} table: only hashes of tokens. */
final class JdbcApiKeyStore implements ApiKeyStore {
  private static final String COLUMNS =
      "id, name, scope, token_hash, created_at, last_used_at, revoked_at";

  private final Db db;

  JdbcApiKeyStore(Db db) {
    this.db = db;
  }

  @Override
  public ApiKey create(String name, Scope scope, String tokenHash, Instant at) {
    try {
      long id =
          db.call(
              "create the API key '" + name + "'",
              h ->
                  h.createUpdate(
                          "INSERT INTO api_key (name, scope, token_hash, created_at)"
                              + " VALUES (:name, :scope, :hash, :at)")
                      .bind("name", name)
                      .bind("scope", scope.name())
                      .bind("hash", tokenHash)
                      .bind("at", Db.timestamp(at))
                      .executeAndReturnGeneratedKeys("id")
                      .mapTo(Long.class)
                      .one());
      return new ApiKey(id, name, scope, tokenHash, Db.micros(at), null, null);
    } catch (SelvedgeException e) {
      if (Db.isUniqueViolation(e)) {
        throw new SelvedgeException(
            "an API key named '"
                + name
                + "' exists already (revoked keys keep their names): choose another name");
      }
      throw e;
    }
  }

  @Override
  public List<ApiKey> list() {
    return db.call(
        "list the API keys",
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM api_key ORDER BY id")
                .map(JdbcApiKeyStore::row)
                .list());
  }

  @Override
  public Optional<ApiKey> findByHash(String tokenHash) {
    return db.call(
        "look up an API key",
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM api_key WHERE token_hash = :hash")
                .bind("hash", tokenHash)
                .map(JdbcApiKeyStore::row)
                .findOne());
  }

  @Override
  public boolean revoke(String name, Instant at) {
    return db.call(
            "revoke the API key '" + name + "'",
            h ->
                h.createUpdate(
                        "UPDATE api_key SET revoked_at = :at"
                            + " WHERE name = :name AND revoked_at IS NULL")
                    .bind("name", name)
                    .bind("at", Db.timestamp(at))
                    .execute())
        > 0;
  }

  @Override
  public void touch(long id, Instant at) {
    db.call(
        "note the use of an API key",
        h ->
            h.createUpdate("UPDATE api_key SET last_used_at = :at WHERE id = :id")
                .bind("id", id)
                .bind("at", Db.timestamp(at))
                .execute());
  }

  @Override
  public long count() {
    return db.call(
        "count the API keys",
        h -> h.createQuery("SELECT COUNT(*) FROM api_key").mapTo(Long.class).one());
  }

  private static ApiKey row(ResultSet rs, StatementContext ctx) throws SQLException {
    return new ApiKey(
        rs.getLong("id"),
        rs.getString("name"),
        Scope.valueOf(rs.getString("scope")),
        rs.getString("token_hash"),
        Db.instant(rs, "created_at"),
        Db.instant(rs, "last_used_at"),
        Db.instant(rs, "revoked_at"));
  }
}
