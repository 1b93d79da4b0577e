package dev.selvedge.store;

import dev.selvedge.SelvedgeException;
import dev.selvedge.port.StoreException;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.argument.Argument;

/**
 * The store's database: runs callbacks on a handle and turns JDBI/SQL failures into {@link
 * SelvedgeException}s that name the store, without JDBI's dump of the statement's arguments.
 */
final class Db {
  private final Jdbi jdbi;
  private final String location;
  private final Vendor vendor;

  Db(Jdbi jdbi, String location, Vendor vendor) {
    this.jdbi = jdbi;
    this.location = location;
    this.vendor = vendor;
  }

  Vendor vendor() {
    return vendor;
  }

  String location() {
    return location;
  }

  <R> R call(String what, HandleCallback<R, RuntimeException> callback) {
    long deadline = System.nanoTime() + H2Source.PATIENCE.toNanos();
    while (true) {
      try {
        return jdbi.withHandle(callback);
      } catch (JdbiException e) {
        // An H2 file whose serving process just exited: the session reconnects once another
        // process serves it (see H2Source); what failed to reach the file is tried again.
        if (!H2Source.contended(e) || System.nanoTime() > deadline) {
          throw failure(what, e);
        }
        H2Files.sleep(java.time.Duration.ofMillis(50));
      }
    }
  }

  StoreException failure(String what, Exception e) {
    return new StoreException("store " + location + ": cannot " + what + ": " + sqlMessage(e), e);
  }

  /** The database's own words: the innermost SQLException's message, else the exception's. */
  static String sqlMessage(Throwable e) {
    String message = e.getMessage();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException && t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return message;
  }

  /** Unique or primary key violation: SQLSTATE 23505 on both H2 and PostgreSQL. */
  static boolean isUniqueViolation(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && "23505".equals(s.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Instants are kept to the microsecond: what a {@code TIMESTAMP(6) WITH TIME ZONE} holds on both
   * databases, so a stored value reads back equal.
   */
  static Instant micros(Instant at) {
    return at == null ? null : at.truncatedTo(ChronoUnit.MICROS);
  }

  /**
   * Binds an instant as a UTC {@code TIMESTAMP WITH TIME ZONE}, which both drivers take exactly.
   */
  static Argument timestamp(Instant at) {
    if (at == null) {
      return (position, statement, ctx) ->
          statement.setNull(position, Types.TIMESTAMP_WITH_TIMEZONE);
    }
    OffsetDateTime utc = micros(at).atOffset(ZoneOffset.UTC);
    return (position, statement, ctx) -> statement.setObject(position, utc);
  }

  /** Binds a list of strings as one SQL array, for {@code column = ANY(:list)}. */
  static Argument array(java.util.Collection<String> values) {
    String[] items = values.toArray(String[]::new);
    return (position, statement, ctx) ->
        statement.setArray(position, statement.getConnection().createArrayOf("VARCHAR", items));
  }

  static Instant instant(java.sql.ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  /**
   * The database's time now ({@code CURRENT_TIMESTAMP}: on PostgreSQL the start of the current
   * transaction, on H2 of the current one or statement), to the microsecond. Expiries that several
   * replicas judge (sweep claims, rollout and operation leases) are written and compared on it, as
   * heartbeats are, never on one replica's clock against another's.
   */
  static Instant now(Handle h) {
    return micros(
        h.createQuery("SELECT CURRENT_TIMESTAMP AS now")
            .map((rs, ctx) -> rs.getObject("now", OffsetDateTime.class).toInstant())
            .one());
  }

  /** A handle for callers that need several statements on one connection. */
  Handle open() {
    try {
      return jdbi.open();
    } catch (JdbiException e) {
      throw failure("connect", e);
    }
  }
}
