package dev.selvedge.port;

import dev.selvedge.contract.model.ContainerOptions;
import dev.selvedge.contract.model.Deploy;
import dev.selvedge.contract.model.Healthcheck;
import dev.selvedge.contract.model.Logging;
import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.ServiceNetwork;
import dev.selvedge.contract.model.ServiceVolume;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the engine needs to create one container, already resolved by the domain: names are
 * the engine's (project-scoped networks and volumes, absolute bind sources), the image is pinned,
 * labels are complete. The adapter only translates this to the Engine API's create body.
 *
 * <p>The environment holds secret values: never print it; {@link #toString()} leaves it out.
 *
 * @param image the reference or image id to create from (pinned by digest or id)
 * @param command null = the image's command; empty = explicitly none
 * @param entrypoint null = the image's entrypoint
 * @param env {@code KEY=VALUE} entries, sorted by key
 * @param ports published ports, long syntax
 * @param expose container ports exposed without publishing ({@code "80"}, {@code "53/udp"})
 * @param mounts binds, volumes and tmpfs mounts; {@code source} is the host path or the engine's
 *     volume name
 * @param healthcheck null = the image's own
 * @param restart Compose's spelling: {@code no}, {@code always}, {@code unless-stopped}, {@code
 *     on-failure[:N]}; null = no
 * @param limits resource limits from {@code deploy.resources.limits}; null = none
 * @param networkMode {@code host}, {@code none}, {@code container:<id>}; null when {@code networks}
 *     applies
 * @param networks engine network name → attachment, in the order to attach them (the first one is
 *     the container's primary network)
 */
public record ContainerCreate(
    String image,
    List<String> command,
    List<String> entrypoint,
    List<String> env,
    Map<String, String> labels,
    List<PortConfig> ports,
    List<String> expose,
    List<ServiceVolume> mounts,
    Healthcheck healthcheck,
    String restart,
    Logging logging,
    ContainerOptions options,
    Deploy.Resources limits,
    String networkMode,
    Map<String, ServiceNetwork> networks) {

  public ContainerCreate {
    if (image == null || image.isEmpty()) {
      throw new IllegalArgumentException("a container needs an image");
    }
    command = command == null ? null : List.copyOf(command);
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    env = env == null ? List.of() : List.copyOf(env);
    labels = labels == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    ports = ports == null ? List.of() : List.copyOf(ports);
    expose = expose == null ? List.of() : List.copyOf(expose);
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    options = options == null ? ContainerOptions.NONE : options;
    networks =
        networks == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(networks));
  }

  /** Never the environment: it holds secrets. */
  @Override
  public String toString() {
    return "ContainerCreate[" + image + ", networks=" + networks.keySet() + "]";
  }
}
