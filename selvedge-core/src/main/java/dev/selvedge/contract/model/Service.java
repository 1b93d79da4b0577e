package dev.selvedge.contract.model;

import dev.selvedge.contract.yaml.Node;
import java.util.List;
import java.util.Map;

/**
 * One service of the rendered contract, every short syntax already normalized to long syntax.
 * Collections are never null; {@code command} and {@code entrypoint} are null when not set (the
 * image's own applies), empty when set to {@code []}.
 */
public record Service(
    String name,
    String image,
    Build build,
    List<String> command,
    List<String> entrypoint,
    Map<String, String> environment,
    List<PortConfig> ports,
    List<String> expose,
    List<ServiceVolume> volumes,
    Map<String, Dependency> dependsOn,
    Map<String, ServiceNetwork> networks,
    String networkMode,
    Healthcheck healthcheck,
    String restart,
    Map<String, String> labels,
    Logging logging,
    Deploy deploy,
    List<FileReference> secrets,
    List<FileReference> configs,
    List<String> profiles,
    ContainerOptions options,
    SelvedgeService selvedge,
    Map<String, Node> extensions) {

  public Service {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a service needs a name");
    }
    command = command == null ? null : List.copyOf(command);
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    environment = Maps.copy(environment);
    ports = ports == null ? List.of() : List.copyOf(ports);
    expose = expose == null ? List.of() : List.copyOf(expose);
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    dependsOn = Maps.copy(dependsOn);
    networks = Maps.copy(networks);
    labels = Maps.copy(labels);
    secrets = secrets == null ? List.of() : List.copyOf(secrets);
    configs = configs == null ? List.of() : List.copyOf(configs);
    profiles = profiles == null ? List.of() : List.copyOf(profiles);
    options = options == null ? ContainerOptions.NONE : options;
    selvedge = selvedge == null ? SelvedgeService.NONE : selvedge;
    extensions = Maps.copy(extensions);
  }

  /** This service with other dependencies. */
  public Service withDependsOn(Map<String, Dependency> newDependsOn) {
    return new Service(
        name,
        image,
        build,
        command,
        entrypoint,
        environment,
        ports,
        expose,
        volumes,
        newDependsOn,
        networks,
        networkMode,
        healthcheck,
        restart,
        labels,
        logging,
        deploy,
        secrets,
        configs,
        profiles,
        options,
        selvedge,
        extensions);
  }

  /** This service on another image (a rollout's {@code --image SERVICE=REF}). */
  public Service withImage(String newImage) {
    return new Service(
        name,
        newImage,
        build,
        command,
        entrypoint,
        environment,
        ports,
        expose,
        volumes,
        dependsOn,
        networks,
        networkMode,
        healthcheck,
        restart,
        labels,
        logging,
        deploy,
        secrets,
        configs,
        profiles,
        options,
        selvedge,
        extensions);
  }

  /** This service attached to other networks. */
  public Service withNetworks(Map<String, ServiceNetwork> newNetworks) {
    return new Service(
        name,
        image,
        build,
        command,
        entrypoint,
        environment,
        ports,
        expose,
        volumes,
        dependsOn,
        newNetworks,
        networkMode,
        healthcheck,
        restart,
        labels,
        logging,
        deploy,
        secrets,
        configs,
        profiles,
        options,
        selvedge,
        extensions);
  }

  /** Names the service, never its environment (values may be secrets). */
  @Override
  public String toString() {
    return "Service[" + name + ", image=" + image + "]";
  }
}
