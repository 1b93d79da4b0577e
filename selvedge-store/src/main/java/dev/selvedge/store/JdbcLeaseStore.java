package dev.selvedge.store;

import dev.selvedge.SelvedgeException;
import dev.selvedge.port.Lease;
import dev.selvedge.port.LeaseHeldException;
import dev.selvedge.port.LeaseStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.Update;

/**
 * Leases as rows of {@code lease}, one per (host, project). Every change is a single conditional
 * statement in its own transaction, so it is atomic across processes without locks held between
 * statements: a takeover is {@code UPDATE ... WHERE expires_at <= now} (a concurrent updater waits
 * for the row and then finds it unexpired), a first holding is an {@code INSERT} whose primary-key
 * violation means someone else got there first, and renew and release only touch the caller's
 * token.
 *
 * <p>Times are the database's ({@link Db#now}, read on the same connection just before the
 * statement): an expiry is written as the database's now plus the time to live and judged against
 * the database's now, never against a caller's clock. A CLI on a laptop whose clock is off and a
 * server replica therefore agree on whether a lease is live. Reading now just before the statement
 * errs on the safe side both ways: the expiry written is the time to live after a moment between
 * the caller's asking and the statement (so at least that long after the caller asked, which is
 * what a holder counts from), and an expiry judged passed was already past before the statement
 * ran.
 */
final class JdbcLeaseStore implements LeaseStore {
  /** Rounds of take-over/insert before giving up when the row keeps changing under us. */
  private static final int ATTEMPTS = 5;

  private static final String COLUMNS =
      "host, project, owner, operation, token, acquired_at, expires_at, holder_boot_id,"
          + " holder_pid_ns, holder_pid, holder_start, restoring";

  private final Db db;

  JdbcLeaseStore(Db db) {
    this.db = db;
  }

  @Override
  public Lease acquire(
      String host,
      String project,
      String owner,
      String operation,
      Duration ttl,
      Lease.Holder holder) {
    requirePositive(ttl);
    String what = "take the lease on '" + project + "' on " + host;
    // Through Db.call: an H2 file changing serving process mid-statement is waited out (nothing
    // was written then), as every other store call does.
    return db.call(
        what,
        h -> {
          for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Instant now = Db.now(h);
            Lease lease = fresh(now, host, project, owner, operation, ttl, holder, Map.of());
            if (takeOverExpired(h, lease)) {
              // The expired holder's restores under way stay with the row for this holder to
              // finish.
              return lease.restoring(row(h, host, project).map(Lease::restoring).orElse(Map.of()));
            }
            if (insert(h, lease)) {
              return lease;
            }
            Optional<Lease> held = row(h, host, project);
            if (held.isPresent() && held.get().expiresAt().isAfter(now)) {
              throw new LeaseHeldException(host, project, held.get());
            }
            // Released or expired between our statements: go round again.
          }
          throw new SelvedgeException(
              "store "
                  + db.location()
                  + ": cannot "
                  + what
                  + ": it changed hands "
                  + ATTEMPTS
                  + " times while we tried; try again");
        });
  }

  /** A new holding from the database's {@code now} for {@code ttl}, to the microsecond. */
  private static Lease fresh(
      Instant now,
      String host,
      String project,
      String owner,
      String operation,
      Duration ttl,
      Lease.Holder holder,
      Map<String, Lease.Restore> restoring) {
    return new Lease(
        host,
        project,
        owner,
        operation,
        UUID.randomUUID().toString(),
        now,
        Db.micros(now.plus(ttl)),
        holder,
        restoring);
  }

  /**
   * Replaces the holding when it expired, keeping what it was restoring: the new holder finishes
   * that first.
   */
  private static boolean takeOverExpired(Handle h, Lease lease) {
    return bind(h.createUpdate(REPLACE + WHERE + " AND expires_at <= :acquiredAt"), lease).execute()
        == 1;
  }

  private static final String REPLACE =
      "UPDATE lease SET owner = :owner, operation = :operation, token = :token,"
          + " acquired_at = :acquiredAt, expires_at = :expiresAt, holder_boot_id = :bootId,"
          + " holder_pid_ns = :pidNs, holder_pid = :pid, holder_start = :start";

  private static final String WHERE = " WHERE host = :host AND project = :project";

  @Override
  public Lease takeOver(
      Lease dead, String owner, String operation, Duration ttl, Lease.Holder holder) {
    requirePositive(ttl);
    String what = "take over the lease on '" + dead.project() + "' on " + dead.host();
    return db.call(
        what,
        h -> {
          // What the dead holder was restoring stays recorded until the new holder has finished it.
          Lease lease =
              fresh(
                  Db.now(h),
                  dead.host(),
                  dead.project(),
                  owner,
                  operation,
                  ttl,
                  holder,
                  dead.restoring());
          int updated =
              bind(h.createUpdate(REPLACE + WHERE + " AND token = :deadToken"), lease)
                  .bind("deadToken", dead.token())
                  .execute();
          if (updated == 1) {
            return lease;
          }
          throw new LeaseHeldException(
              dead.host(), dead.project(), row(h, dead.host(), dead.project()).orElse(null));
        });
  }

  @Override
  public Lease restoring(Lease lease, Map<String, Lease.Restore> restoring) {
    updateMine(
        "record the restores under the lease on '" + lease.project() + "' on " + lease.host(),
        lease,
        "restoring = :restoring",
        (h, u) -> u.bind("restoring", restoring.isEmpty() ? null : restoresJson(restoring)));
    return lease.restoring(restoring);
  }

  /**
   * Sets {@code assignments} on the row while it is still {@code lease}'s holding.
   *
   * @throws LeaseHeldException naming whoever is there now when it is not (null: nobody)
   */
  private <R> R updateMine(
      String what,
      Lease lease,
      String assignments,
      java.util.function.BiFunction<Handle, Update, R> binds) {
    return db.call(
        what,
        h -> {
          Update update =
              h.createUpdate("UPDATE lease SET " + assignments + WHERE + " AND token = :token")
                  .bind("host", lease.host())
                  .bind("project", lease.project())
                  .bind("token", lease.token());
          R bound = binds.apply(h, update);
          if (update.execute() != 1) {
            // Taken over after it expired, or released: whoever is there now (if anyone) is in
            // the way.
            throw new LeaseHeldException(
                lease.host(), lease.project(), row(h, lease.host(), lease.project()).orElse(null));
          }
          return bound;
        });
  }

  /** As {@code {"service":{"parked":..,"name":..,"replacement":..,"start":"true"}}}. */
  private static String restoresJson(Map<String, Lease.Restore> restoring) {
    Map<String, Map<String, String>> out = new TreeMap<>();
    restoring.forEach(
        (service, r) -> {
          Map<String, String> fields = new TreeMap<>();
          fields.put("parked", r.parked());
          fields.put("name", r.name());
          if (r.replacement() != null) {
            fields.put("replacement", r.replacement());
          }
          fields.put("start", Boolean.toString(r.start()));
          out.put(service, fields);
        });
    return DeploymentJson.fingerprints(out);
  }

  private static Map<String, Lease.Restore> restores(String json, String project) {
    if (json == null || json.isEmpty()) {
      return Map.of();
    }
    Map<String, Map<String, String>> read;
    try {
      read = DeploymentJson.readFingerprints(json, 0);
    } catch (SelvedgeException e) {
      // Its message names a deployment; this is the lease's column.
      throw new SelvedgeException(
          "the lease on '" + project + "' in the store has unreadable restoring JSON", e);
    }
    Map<String, Lease.Restore> out = new TreeMap<>();
    read.forEach(
        (service, f) ->
            out.put(
                service,
                new Lease.Restore(
                    f.get("parked"),
                    f.get("name"),
                    f.get("replacement"),
                    Boolean.parseBoolean(f.get("start")))));
    return out;
  }

  /** False when the row exists: someone else inserted it (SQLSTATE 23505 on both databases). */
  private static boolean insert(Handle h, Lease lease) {
    try {
      bind(
              h.createUpdate(
                  "INSERT INTO lease ("
                      + COLUMNS
                      + ") VALUES (:host, :project, :owner, :operation, :token, :acquiredAt,"
                      + " :expiresAt, :bootId, :pidNs, :pid, :start, NULL)"),
              lease)
          .execute();
      return true;
    } catch (JdbiException e) {
      if (Db.isUniqueViolation(e)) {
        return false;
      }
      throw e;
    }
  }

  private static Update bind(Update update, Lease lease) {
    Lease.Holder holder = lease.holder();
    return update
        .bind("host", lease.host())
        .bind("project", lease.project())
        .bind("owner", lease.owner())
        .bind("operation", lease.operation())
        .bind("token", lease.token())
        .bind("acquiredAt", Db.timestamp(lease.acquiredAt()))
        .bind("expiresAt", Db.timestamp(lease.expiresAt()))
        .bind("bootId", holder == null ? null : holder.bootId())
        .bind("pidNs", holder == null ? null : holder.pidNamespace())
        .bind("pid", holder == null ? null : holder.pid())
        .bind("start", holder == null ? null : holder.startTicks());
  }

  @Override
  public Lease renew(Lease lease, Duration ttl) {
    requirePositive(ttl);
    Instant expires =
        updateMine(
            "renew the lease on '" + lease.project() + "' on " + lease.host(),
            lease,
            "expires_at = :expiresAt",
            (h, u) -> {
              Instant until = Db.micros(Db.now(h).plus(ttl));
              u.bind("expiresAt", Db.timestamp(until));
              return until;
            });
    return lease.expiring(expires);
  }

  @Override
  public void release(Lease lease) {
    release(lease.host(), lease.project(), lease.token());
  }

  @Override
  public void release(String host, String project, String token) {
    db.call(
        "release the lease on '" + project + "' on " + host,
        h ->
            h.createUpdate(
                    "DELETE FROM lease WHERE host = :host AND project = :project AND token = :token")
                .bind("host", host)
                .bind("project", project)
                .bind("token", token)
                .execute());
  }

  @Override
  public Optional<Lease> current(String host, String project) {
    return db.call(
        "read the lease on '" + project + "' on " + host,
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM lease"
                        + " WHERE host = :host AND project = :project AND expires_at > :now")
                .bind("host", host)
                .bind("project", project)
                .bind("now", Db.timestamp(Db.now(h)))
                .map(JdbcLeaseStore::lease)
                .findOne());
  }

  private static Optional<Lease> row(Handle h, String host, String project) {
    return h.createQuery(
            "SELECT " + COLUMNS + " FROM lease WHERE host = :host AND project = :project")
        .bind("host", host)
        .bind("project", project)
        .map(JdbcLeaseStore::lease)
        .findOne();
  }

  private static Lease lease(ResultSet rs, StatementContext ctx) throws SQLException {
    String bootId = rs.getString("holder_boot_id");
    long pid = rs.getLong("holder_pid");
    long start = rs.getLong("holder_start");
    Lease.Holder holder =
        bootId == null ? null : new Lease.Holder(bootId, rs.getString("holder_pid_ns"), pid, start);
    return new Lease(
        rs.getString("host"),
        rs.getString("project"),
        rs.getString("owner"),
        rs.getString("operation"),
        rs.getString("token"),
        Db.instant(rs, "acquired_at"),
        Db.instant(rs, "expires_at"),
        holder,
        restores(rs.getString("restoring"), rs.getString("project")));
  }

  private static void requirePositive(Duration ttl) {
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("a lease needs a positive time to live, not " + ttl);
    }
  }
}
