package dev.selvedge.drift;

import dev.selvedge.contract.model.Project;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ImageDetails;
import dev.selvedge.verify.EnvExample;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The layers a drift check compares.
 *
 * <p>For a repo/host comparison that shows file differences only, load the repo contract with the
 * host's {@code .env} as its env file, like the host project: both renders then interpolate the
 * same values, and {@code .env} itself is compared key by key against {@code .env.example}.
 *
 * @param repo the contract as the repository declares it
 * @param envExample the repository's {@code .env.example}
 * @param host the project as materialized in the deploy directory, or null when that layer was not
 *     read (containers are then compared with {@code repo}, layer {@code repo/container})
 * @param hostEnv the variables of the host's {@code .env}, or null when not read
 * @param containers every container carrying the project's {@code com.docker.compose.project}
 *     label, inspected (others are ignored)
 * @param images inspected images by id ({@code ContainerDetails.imageId}), for digests; may lack
 *     some, which leaves pinned digests unverified
 * @param readbacks application readback results, or null when that layer was not read
 */
public record DriftInput(
    Project repo,
    EnvExample envExample,
    Project host,
    Map<String, String> hostEnv,
    List<ContainerDetails> containers,
    Map<String, ImageDetails> images,
    List<ReadbackResult> readbacks) {

  public DriftInput {
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(envExample, "envExample");
    hostEnv = hostEnv == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(hostEnv));
    containers = List.copyOf(containers);
    images = images == null ? Map.of() : Map.copyOf(images);
    readbacks = readbacks == null ? null : List.copyOf(readbacks);
  }

  /** The repo layer and the containers: no host layer, no image details, no readback. */
  public static DriftInput of(
      Project repo, EnvExample envExample, List<ContainerDetails> containers) {
    return new DriftInput(repo, envExample, null, null, containers, Map.of(), null);
  }

  /** With the host layer: its project and its {@code .env} variables (null = not read). */
  public DriftInput withHost(Project hostProject, Map<String, String> hostDotEnv) {
    return new DriftInput(repo, envExample, hostProject, hostDotEnv, containers, images, readbacks);
  }

  /** With inspected images by id. */
  public DriftInput withImages(Map<String, ImageDetails> byId) {
    return new DriftInput(repo, envExample, host, hostEnv, containers, byId, readbacks);
  }

  /** With the application layer. */
  public DriftInput withReadbacks(List<ReadbackResult> results) {
    return new DriftInput(repo, envExample, host, hostEnv, containers, images, results);
  }

  /** The project containers are compared against: the host's when read, else the repo's. */
  public Project deployed() {
    return host != null ? host : repo;
  }

  /** Never shows values: the layers hold secrets. */
  @Override
  public String toString() {
    return "DriftInput[project="
        + repo.name()
        + ", host="
        + (host != null)
        + ", hostEnv="
        + (hostEnv == null ? "not read" : hostEnv.size() + " keys")
        + ", containers="
        + containers.size()
        + ", images="
        + images.size()
        + ", readbacks="
        + (readbacks == null ? "not read" : readbacks.size())
        + "]";
  }
}
