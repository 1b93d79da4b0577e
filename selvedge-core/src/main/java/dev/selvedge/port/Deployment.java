package dev.selvedge.port;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One deployment snapshot: what was applied to a project on an engine host, by whom, when, and how
 * it ended. Holds no secret values: the rendered config is the redacted one and environments are
 * kept as keyed fingerprints.
 *
 * @param id assigned by the store; 0 in a draft not yet stored
 * @param host the engine's identity ({@code docker-daemon:<ID>}; its endpoint when it has no ID),
 *     the same through every endpoint of one daemon
 * @param revision the contract's source revision (a git commit) when known, else null
 * @param actor who ran it ({@code user@machine}, or an API key's name)
 * @param finishedAt null while it runs
 * @param forced applied with {@code --force} despite verify errors
 * @param renderedConfig the rendered contract, Compose JSON with secrets masked
 * @param images the image each service was pinned to
 * @param envFingerprints service → environment key → keyed fingerprint of its value
 * @param rollbackOf for a rollback, the deployment it went back to; else null
 * @param summary what happened, in a sentence or a few lines (what failed, what was restored)
 */
public record Deployment(
    long id,
    String host,
    String project,
    Kind kind,
    String revision,
    String actor,
    Instant startedAt,
    Instant finishedAt,
    Outcome outcome,
    boolean forced,
    String renderedConfig,
    List<ServiceImage> images,
    Map<String, Map<String, String>> envFingerprints,
    Long rollbackOf,
    String summary) {

  /** What started the deployment. */
  public enum Kind {
    APPLY,
    ROLLBACK
  }

  /** How it ended. Only {@link #HEALTHY} deployments are rollback targets. */
  public enum Outcome {
    /** Still running, or its process died: see {@link #INTERRUPTED}. */
    RUNNING,
    /** Every service passed its health gate. */
    HEALTHY,
    /** A gate failed and the services it touched were put back as they were. */
    ROLLED_BACK,
    /** It failed and could not put everything back; the summary says what is left. */
    FAILED,
    /** Its process ended while it ran (crash, kill); the next operation found it so. */
    INTERRUPTED;

    /** As shown and written everywhere (text, JSON, docs): {@code rolled-back}. */
    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * The image a service ran in this deployment.
   *
   * @param reference as the contract wrote it ({@code registry/app:1.4})
   * @param imageId the engine's image id ({@code sha256:...})
   * @param repoDigest {@code name@sha256:...} when the image came from a registry, else null
   */
  public record ServiceImage(String service, String reference, String imageId, String repoDigest) {}

  public Deployment {
    if (host == null || project == null || kind == null || outcome == null) {
      throw new IllegalArgumentException("a deployment needs a host, project, kind and outcome");
    }
    images = images == null ? List.of() : List.copyOf(images);
    TreeMap<String, Map<String, String>> fps = new TreeMap<>();
    if (envFingerprints != null) {
      envFingerprints.forEach((service, keys) -> fps.put(service, new TreeMap<>(keys)));
    }
    envFingerprints = java.util.Collections.unmodifiableMap(fps);
    summary = summary == null ? "" : summary;
  }
}
