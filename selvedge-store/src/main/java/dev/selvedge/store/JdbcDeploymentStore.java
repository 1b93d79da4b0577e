package dev.selvedge.store;

import dev.selvedge.SelvedgeException;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.DeploymentStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/** Deployments in the {@code deployment} table; the JSON columns through {@link DeploymentJson}. */
final class JdbcDeploymentStore implements DeploymentStore {
  private static final String COLUMNS =
      "id, host, project, kind, revision, actor, started_at, finished_at, outcome, forced,"
          + " rendered_config, images, env_fingerprints, rollback_of, summary";

  /** How stale an alias's last-seen time may grow before a contact writes it again. */
  static final Duration SEEN_GRANULARITY = Duration.ofMinutes(1);

  private final Db db;
  private final Clock clock;

  /** (endpoint, identity) pairs known recorded, and when last written or read: no query then. */
  private final Map<String, Instant> noted = new ConcurrentHashMap<>();

  JdbcDeploymentStore(Db db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  @Override
  public Adopted adopt(String endpoint, String identity) {
    if (endpoint == null || identity == null) {
      throw new IllegalArgumentException("adopting needs an endpoint and an identity");
    }
    if (endpoint.equals(identity)) {
      return Adopted.NONE; // an engine without an ID: its rows are keyed by endpoint already
    }
    Instant now = Db.micros(clock.instant());
    String pair = endpoint + '\u0000' + identity;
    Instant last = noted.get(pair);
    if (last != null && last.isAfter(now.minus(SEEN_GRANULARITY))) {
      return Adopted.NONE;
    }
    String what = "record that " + endpoint + " reaches " + identity;
    for (int attempt = 1; ; attempt++) {
      try {
        Adopted adopted = db.call(what, h -> adopt(h, db.vendor(), endpoint, identity, now));
        noted.put(pair, now);
        return adopted;
      } catch (SelvedgeException e) {
        // Another process recorded the same pair at the same moment: it did the adopting, if
        // there was any; the next round only notes the time.
        if (attempt > 1 || !Db.isUniqueViolation(e)) {
          throw e;
        }
      }
    }
  }

  private static Adopted adopt(
      Handle h, Vendor vendor, String endpoint, String identity, Instant now) {
    Optional<Instant> seen =
        h.createQuery(
                "SELECT last_seen FROM engine_alias WHERE endpoint = :endpoint"
                    + " AND identity = :identity")
            .bind("endpoint", endpoint)
            .bind("identity", identity)
            .map((rs, ctx) -> Db.instant(rs, "last_seen"))
            .findOne();
    if (seen.isPresent()) {
      if (seen.get().isBefore(now.minus(SEEN_GRANULARITY))) {
        h.createUpdate(
                "UPDATE engine_alias SET last_seen = :now WHERE endpoint = :endpoint"
                    + " AND identity = :identity AND last_seen < :now")
            .bind("now", Db.timestamp(now))
            .bind("endpoint", endpoint)
            .bind("identity", identity)
            .execute();
      }
      return Adopted.NONE;
    }
    return h.inTransaction(
        tx -> {
          boolean first =
              tx.createQuery("SELECT COUNT(*) FROM engine_alias WHERE endpoint = :endpoint")
                      .bind("endpoint", endpoint)
                      .mapTo(Integer.class)
                      .one()
                  == 0;
          int deployments = 0;
          int audit = 0;
          if (first) {
            deployments = rekey(tx, "deployment", endpoint, identity);
            // The one change the audit log's append-only guard lets through: host alone.
            AuditPass.open(tx, vendor, AuditPass.REKEY);
            audit = rekey(tx, "audit_event", endpoint, identity);
            AuditPass.close(tx, vendor, AuditPass.REKEY);
          }
          tx.createUpdate(
                  "INSERT INTO engine_alias (endpoint, identity, first_seen, last_seen,"
                      + " adopted_deployments, adopted_audit) VALUES (:endpoint, :identity, :now,"
                      + " :now, :deployments, :audit)")
              .bind("endpoint", endpoint)
              .bind("identity", identity)
              .bind("now", Db.timestamp(now))
              .bind("deployments", deployments)
              .bind("audit", audit)
              .execute();
          return new Adopted(deployments, audit);
        });
  }

  private static int rekey(Handle tx, String table, String endpoint, String identity) {
    return tx.createUpdate("UPDATE " + table + " SET host = :identity WHERE host = :endpoint")
        .bind("identity", identity)
        .bind("endpoint", endpoint)
        .execute();
  }

  @Override
  public List<Alias> aliases(String endpoint) {
    return db.call(
        "read which engines were seen through " + endpoint,
        h ->
            h.createQuery(
                    "SELECT endpoint, identity, first_seen, last_seen FROM engine_alias"
                        + " WHERE endpoint = :endpoint ORDER BY last_seen DESC, first_seen DESC")
                .bind("endpoint", endpoint)
                .map(
                    (rs, ctx) ->
                        new Alias(
                            rs.getString("endpoint"),
                            rs.getString("identity"),
                            Db.instant(rs, "first_seen"),
                            Db.instant(rs, "last_seen")))
                .list());
  }

  @Override
  public Deployment begin(Deployment draft) {
    Deployment d = withId(draft, 0);
    long id =
        db.call(
            "record a deployment of '" + d.project() + "' on " + d.host(),
            h ->
                h.createUpdate(
                        "INSERT INTO deployment (host, project, kind, revision, actor, started_at,"
                            + " finished_at, outcome, forced, rendered_config, images,"
                            + " env_fingerprints, rollback_of, summary) VALUES (:host, :project,"
                            + " :kind, :revision, :actor, :startedAt, :finishedAt, :outcome,"
                            + " :forced, :renderedConfig, :images, :envFingerprints, :rollbackOf,"
                            + " :summary)")
                    .bind("host", d.host())
                    .bind("project", d.project())
                    .bind("kind", d.kind().name())
                    .bind("revision", d.revision())
                    .bind("actor", d.actor())
                    .bind("startedAt", Db.timestamp(d.startedAt()))
                    .bind("finishedAt", Db.timestamp(d.finishedAt()))
                    .bind("outcome", d.outcome().name())
                    .bind("forced", d.forced())
                    .bind("renderedConfig", d.renderedConfig())
                    .bind("images", DeploymentJson.images(d.images()))
                    .bind("envFingerprints", DeploymentJson.fingerprints(d.envFingerprints()))
                    .bind("rollbackOf", d.rollbackOf())
                    .bind("summary", d.summary())
                    .executeAndReturnGeneratedKeys("id")
                    .mapTo(Long.class)
                    .one());
    return withId(d, id);
  }

  @Override
  public void finish(long id, Deployment.Outcome outcome, String summary, Instant finishedAt) {
    if (outcome == null) {
      throw new IllegalArgumentException("finishing a deployment needs an outcome");
    }
    int updated =
        db.call(
            "record how deployment " + id + " ended",
            h ->
                h.createUpdate(
                        "UPDATE deployment SET outcome = :outcome, summary = :summary,"
                            + " finished_at = :finishedAt WHERE id = :id AND outcome = :running")
                    .bind("running", Deployment.Outcome.RUNNING.name())
                    .bind("outcome", outcome.name())
                    .bind("summary", summary == null ? "" : summary)
                    .bind("finishedAt", Db.timestamp(finishedAt))
                    .bind("id", id)
                    .execute());
    // Not running any more: whoever took the project's lease over marked it interrupted, and that
    // verdict stands (a run that lost its lease must not become a rollback target).
    if (updated == 0 && find(id).isEmpty()) {
      throw new SelvedgeException(
          "store " + db.location() + " has no deployment " + id + " to finish");
    }
  }

  @Override
  public boolean settle(long id, Deployment.Outcome outcome, String summary, Instant finishedAt) {
    if (outcome == null || outcome == Deployment.Outcome.RUNNING) {
      throw new IllegalArgumentException("settling a deployment needs how it ended");
    }
    return db.call(
            "record how deployment " + id + " ended",
            h ->
                h.createUpdate(
                        "UPDATE deployment SET outcome = :outcome, summary = :summary,"
                            + " finished_at = :finishedAt"
                            + " WHERE id = :id AND outcome IN (:running, :interrupted)")
                    .bind("running", Deployment.Outcome.RUNNING.name())
                    .bind("interrupted", Deployment.Outcome.INTERRUPTED.name())
                    .bind("outcome", outcome.name())
                    .bind("summary", summary == null ? "" : summary)
                    .bind("finishedAt", Db.timestamp(finishedAt))
                    .bind("id", id)
                    .execute())
        == 1;
  }

  @Override
  public void pin(long id, List<Deployment.ServiceImage> images) {
    db.call(
        "record the images of deployment " + id,
        h ->
            h.createUpdate(
                    "UPDATE deployment SET images = :images WHERE id = :id AND outcome = :running")
                .bind("images", DeploymentJson.images(images))
                .bind("id", id)
                .bind("running", Deployment.Outcome.RUNNING.name())
                .execute());
  }

  @Override
  public boolean discard(long id) {
    return db.call(
            "remove deployment " + id + ", which changed nothing",
            h ->
                h.createUpdate("DELETE FROM deployment WHERE id = :id AND outcome = :running")
                    .bind("id", id)
                    .bind("running", Deployment.Outcome.RUNNING.name())
                    .execute())
        == 1;
  }

  @Override
  public Optional<Deployment> find(long id) {
    return db.call(
        "read deployment " + id,
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM deployment WHERE id = :id")
                .bind("id", id)
                .map(JdbcDeploymentStore::row)
                .findOne());
  }

  @Override
  public List<Deployment> history(String host, String project, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    return db.call(
        "read the history of '" + project + "' on " + host,
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM deployment WHERE host = :host AND project = :project"
                        + " ORDER BY id DESC LIMIT :limit")
                .bind("host", host)
                .bind("project", project)
                .bind("limit", limit)
                .map(JdbcDeploymentStore::row)
                .list());
  }

  @Override
  public Optional<Deployment> lastHealthy(String host, String project) {
    return db.call(
        "read the last healthy deployment of '" + project + "' on " + host,
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM deployment WHERE host = :host AND project = :project"
                        + " AND outcome = :healthy ORDER BY id DESC LIMIT 1")
                .bind("host", host)
                .bind("project", project)
                .bind("healthy", Deployment.Outcome.HEALTHY.name())
                .map(JdbcDeploymentStore::row)
                .findOne());
  }

  @Override
  public int markInterrupted(String host, String project, Instant at) {
    return db.call(
        "mark the interrupted deployments of '" + project + "' on " + host,
        h ->
            h.createUpdate(
                    "UPDATE deployment SET outcome = :interrupted, finished_at = :at"
                        + " WHERE host = :host AND project = :project AND outcome = :running")
                .bind("interrupted", Deployment.Outcome.INTERRUPTED.name())
                .bind("at", Db.timestamp(at))
                .bind("host", host)
                .bind("project", project)
                .bind("running", Deployment.Outcome.RUNNING.name())
                .execute());
  }

  private static Deployment row(ResultSet rs, StatementContext ctx) throws SQLException {
    long id = rs.getLong("id");
    return new Deployment(
        id,
        rs.getString("host"),
        rs.getString("project"),
        Deployment.Kind.valueOf(rs.getString("kind")),
        rs.getString("revision"),
        rs.getString("actor"),
        Db.instant(rs, "started_at"),
        Db.instant(rs, "finished_at"),
        Deployment.Outcome.valueOf(rs.getString("outcome")),
        rs.getBoolean("forced"),
        rs.getString("rendered_config"),
        DeploymentJson.readImages(rs.getString("images"), id),
        DeploymentJson.readFingerprints(rs.getString("env_fingerprints"), id),
        rs.getObject("rollback_of", Long.class),
        rs.getString("summary"));
  }

  /** {@code d} with {@code id} and its instants as the store keeps them. */
  private static Deployment withId(Deployment d, long id) {
    return new Deployment(
        id,
        d.host(),
        d.project(),
        d.kind(),
        d.revision(),
        d.actor(),
        Db.micros(d.startedAt()),
        Db.micros(d.finishedAt()),
        d.outcome(),
        d.forced(),
        d.renderedConfig(),
        d.images(),
        d.envFingerprints(),
        d.rollbackOf(),
        d.summary());
  }
}
