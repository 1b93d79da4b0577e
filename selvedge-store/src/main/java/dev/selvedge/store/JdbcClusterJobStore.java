package dev.selvedge.store;

import dev.selvedge.port.ClusterJobStore;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;

/**
 * The job leases in {@code cluster_job} (V16): the job's row is locked ({@code FOR UPDATE}) while
 * its lease and last run are judged against the database's {@code CURRENT_TIMESTAMP}, so two
 * replicas asking at once get one answer yes.
 */
final class JdbcClusterJobStore implements ClusterJobStore {
  private final Db db;

  JdbcClusterJobStore(Db db) {
    this.db = db;
  }

  private record Row(String holder, Instant leaseUntil, Instant lastRunAt, Instant now) {}

  @Override
  public boolean begin(String name, String holder, Duration every, Duration lease) {
    return db.call(
        "take the job " + name,
        h -> {
          addRow(h, name);
          return h.inTransaction(
              t -> {
                Optional<Row> row =
                    t.createQuery(
                            "SELECT holder, lease_until, last_run_at, CURRENT_TIMESTAMP AS now"
                                + " FROM cluster_job WHERE name = :name FOR UPDATE")
                        .bind("name", name)
                        .map(
                            (rs, ctx) ->
                                new Row(
                                    rs.getString("holder"),
                                    Db.instant(rs, "lease_until"),
                                    Db.instant(rs, "last_run_at"),
                                    rs.getObject("now", OffsetDateTime.class).toInstant()))
                        .findOne();
                if (row.isEmpty()) {
                  return false;
                }
                Row r = row.get();
                boolean leased =
                    r.holder() != null
                        && !r.holder().equals(holder)
                        && r.leaseUntil() != null
                        && r.leaseUntil().isAfter(r.now());
                boolean due = r.lastRunAt() == null || !r.lastRunAt().plus(every).isAfter(r.now());
                if (leased || !due) {
                  return false;
                }
                t.createUpdate(
                        "UPDATE cluster_job SET holder = :holder, lease_until = :until,"
                            + " last_run_at = :now WHERE name = :name")
                    .bind("now", Db.timestamp(r.now()))
                    .bind("holder", holder)
                    .bind("until", Db.timestamp(r.now().plus(lease)))
                    .bind("name", name)
                    .execute();
                return true;
              });
        });
  }

  @Override
  public void done(String name, String holder) {
    db.call(
        "note the run of job " + name,
        h ->
            h.createUpdate(
                    "UPDATE cluster_job SET holder = NULL, lease_until = NULL"
                        + " WHERE name = :name AND holder = :holder")
                .bind("name", name)
                .bind("holder", holder)
                .execute());
  }

  private static void addRow(Handle h, String name) {
    if (h.createQuery("SELECT COUNT(*) FROM cluster_job WHERE name = :name")
            .bind("name", name)
            .mapTo(Integer.class)
            .one()
        > 0) {
      return;
    }
    try {
      h.createUpdate("INSERT INTO cluster_job (name) VALUES (:name)").bind("name", name).execute();
    } catch (JdbiException e) {
      if (!Db.isUniqueViolation(e)) {
        throw e;
      }
    }
  }
}
