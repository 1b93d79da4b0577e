package dev.selvedge.store;

import dev.selvedge.SelvedgeException;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.DeploymentStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.statement.StatementContext;

/** Deployments in the {@code deployment} table; the JSON columns through {@link DeploymentJson}. */
final class JdbcDeploymentStore implements DeploymentStore {
  private static final String COLUMNS =
      "id, host, project, kind, revision, actor, started_at, finished_at, outcome, forced,"
          + " rendered_config, images, env_fingerprints, rollback_of, summary";

  private final Db db;

  JdbcDeploymentStore(Db db) {
    this.db = db;
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
