package dev.selvedge.operations;

import dev.selvedge.contract.model.ImageReference;
import dev.selvedge.contract.model.Project;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.DeploymentStore;
import dev.selvedge.port.DockerEngine;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The deployment a rollback goes back to, and the steps from it to an apply request: the project
 * rebuilt from its snapshot, its images pinned to the digests it ran. One sequence for every front
 * end; each step is its own call so a caller can show what a step said (the snapshot's warnings)
 * before the next one (pulls) starts.
 *
 * <pre>{@code
 * RollbackTarget target = RollbackTarget.choose(engine, store.deployments(), host, project, to, progress);
 * Rollbacks.Restored restored = target.restore(project, fingerprints);
 * Map<String, ResolvedImage> pins = target.pins(new ImageResolver(engine, progress));
 * Applier.Request request = target.request(restored, pins, actor, gateTimeout, leaseTtl);
 * }</pre>
 *
 * @param deployment the healthy deployment to apply again
 */
public record RollbackTarget(Deployment deployment) {
  public RollbackTarget {
    Objects.requireNonNull(deployment, "deployment");
  }

  /**
   * Chooses the target with {@link Rollbacks#target} (the containers of the project running on
   * {@code engine} say which deployment runs now), and says which on {@code progress}.
   *
   * @param host the key deployments of this engine are recorded under
   * @param to the deployment the operator named, or null for the newest healthy one before the
   *     current
   * @throws OperationException when there is no such target
   */
  public static RollbackTarget choose(
      DockerEngine engine,
      DeploymentStore deployments,
      String host,
      Project project,
      Long to,
      Progress progress) {
    Deployment target =
        Rollbacks.target(
            deployments,
            host,
            project.name(),
            to,
            Rollbacks.running(
                engine.listContainers(Map.of(ComposeLabels.PROJECT, project.name()), true)));
    progress.step(
        null,
        "rolling back to deployment "
            + target.id()
            + " ("
            + target.startedAt()
            + ", by "
            + target.actor()
            + ")");
    return new RollbackTarget(target);
  }

  /**
   * The target's project from its snapshot, secrets from {@code current}: see {@link Rollbacks}.
   */
  public Rollbacks.Restored restore(Project current, Fingerprints fingerprints) {
    return Rollbacks.restore(deployment, current, fingerprints);
  }

  /** Each service's image pinned to what the target ran (pulled by digest when gone). */
  public Map<String, ResolvedImage> pins(ImageResolver images) {
    Map<String, ResolvedImage> pinned = new TreeMap<>();
    for (Deployment.ServiceImage i : deployment.images()) {
      String digest = i.repoDigest() == null ? null : ImageReference.digestOf(i.repoDigest());
      pinned.put(i.service(), images.pinned(i.service(), i.reference(), i.imageId(), digest));
    }
    return pinned;
  }

  /** The apply of the restored project on the pinned images, recorded as a rollback. */
  public Applier.Request request(
      Rollbacks.Restored restored,
      Map<String, ResolvedImage> pinned,
      String actor,
      Duration gateTimeout,
      Duration leaseTtl) {
    return new Applier.Request(
        restored.project(),
        Deployment.Kind.ROLLBACK,
        deployment.id(),
        pinned,
        false,
        actor,
        deployment.revision(),
        gateTimeout,
        leaseTtl);
  }
}
