package dev.selvedge.port;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A container as inspected: what it was created with and what state it is in. Environment values
 * are held here as read from the engine; callers must never print them (secrets).
 *
 * @param image the image reference the container was created from ({@code Config.Image})
 * @param imageId the resolved image id ({@code sha256:...})
 * @param env {@code KEY=VALUE} entries in engine order
 * @param ports published ports (container port/protocol → host bindings)
 * @param mounts mounts as the engine reports them
 * @param networks network name → aliases
 */
public record ContainerDetails(
    String id,
    String name,
    String image,
    String imageId,
    Map<String, String> labels,
    List<String> env,
    List<String> cmd,
    List<String> entrypoint,
    List<PortBinding> ports,
    List<Mount> mounts,
    Health healthcheck,
    String restartPolicy,
    Map<String, List<String>> networks,
    State state) {

  public ContainerDetails {
    labels = Map.copyOf(labels);
    env = List.copyOf(env);
    cmd = cmd == null ? null : List.copyOf(cmd);
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    ports = List.copyOf(ports);
    mounts = List.copyOf(mounts);
    networks = Map.copyOf(networks);
  }

  /**
   * One published port: container port and protocol, host ip and host port (null if unpublished).
   */
  public record PortBinding(int containerPort, String protocol, String hostIp, String hostPort) {}

  /** One mount: type (bind, volume, tmpfs), source (host path or volume name), target, rw. */
  public record Mount(String type, String source, String target, boolean readWrite) {}

  /** The healthcheck the container runs; null when the container has none. */
  public record Health(
      List<String> test,
      Duration interval,
      Duration timeout,
      Integer retries,
      Duration startPeriod) {
    public Health {
      test = List.copyOf(test);
    }
  }

  /**
   * Runtime state: {@code status} is created, running, paused, restarting, removing, exited or
   * dead; {@code health} is starting, healthy, unhealthy, or null when there is no healthcheck.
   */
  public record State(
      String status,
      boolean running,
      int exitCode,
      String health,
      String startedAt,
      String finishedAt) {}
}
