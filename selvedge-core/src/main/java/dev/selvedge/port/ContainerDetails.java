package dev.selvedge.port;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A container as inspected: what it was created with and what state it is in. Environment values
 * are held here as read from the engine; callers must never print them (secrets).
 *
 * @param name the container name without the leading slash
 * @param image the image reference the container was created from ({@code Config.Image})
 * @param imageId the resolved image id ({@code sha256:...})
 * @param env {@code KEY=VALUE} entries in engine order
 * @param cmd the effective command (the image's when not overridden); null when there is none
 * @param entrypoint the effective entrypoint; null when there is none
 * @param ports configured ports ({@code HostConfig.PortBindings}, so also known for a stopped
 *     container), then exposed ports that are not published (host ip and port null); sorted by
 *     container port and protocol
 * @param mounts mounts as the engine reports them, sorted by target
 * @param healthcheck the healthcheck the container runs; null when it has none of its own or its
 *     image's
 * @param restartPolicy {@code no}, {@code always}, {@code unless-stopped}, {@code on-failure} or
 *     {@code on-failure:N} when a maximum retry count is set (Compose's spelling)
 * @param networks network name → aliases
 * @param created when the container was created
 * @param settings the other creation-time options drift compares
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
    State state,
    Instant created,
    Settings settings) {

  public ContainerDetails {
    labels = Map.copyOf(labels);
    env = List.copyOf(env);
    cmd = cmd == null ? null : List.copyOf(cmd);
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    ports = List.copyOf(ports);
    mounts = List.copyOf(mounts);
    networks = Map.copyOf(networks);
    settings = settings == null ? Settings.DEFAULTS : settings;
  }

  /** Never the environment: it holds the container's secrets. */
  @Override
  public String toString() {
    return "ContainerDetails[" + name + ", " + image + ", " + id + "]";
  }

  /**
   * One port: container port and protocol, host ip and host port. For a published port the host
   * values are the engine's strings ({@code ""} host ip = all interfaces, {@code ""} host port =
   * ephemeral); both are null when the port is only exposed.
   */
  public record PortBinding(int containerPort, String protocol, String hostIp, String hostPort) {}

  /**
   * One mount: type (bind, volume, tmpfs, ...), source (host path for a bind, volume name for a
   * volume), target path in the container, and whether it is writable.
   */
  public record Mount(String type, String source, String target, boolean readWrite) {}

  /**
   * The healthcheck the container runs. A zero duration or retry count in the engine (meaning "the
   * default") is null here.
   *
   * @param test {@code ["CMD", ...]}, {@code ["CMD-SHELL", "..."]} or {@code ["NONE"]}
   */
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
   * Times are RFC 3339 strings as the engine gives them ({@code 0001-01-01T00:00:00Z} = never).
   *
   * @param restartCount how often the engine restarted the container under its restart policy
   */
  public record State(
      String status,
      boolean running,
      int exitCode,
      String health,
      String startedAt,
      String finishedAt,
      int restartCount) {

    /** The first shape of this record, for fakes: no restarts. */
    public State(
        String status,
        boolean running,
        int exitCode,
        String health,
        String startedAt,
        String finishedAt) {
      this(status, running, exitCode, health, startedAt, finishedAt, 0);
    }
  }

  /**
   * Creation-time options beyond the ones above, with the engine's defaults when unset ({@code ""}
   * for strings, false, empty lists).
   *
   * @param networkMode {@code bridge}, {@code host}, {@code none}, a network name or {@code
   *     container:<id>}
   * @param capAdd capabilities added, as the engine lists them
   * @param capDrop capabilities dropped
   * @param extraHosts {@code host:ip} entries
   */
  public record Settings(
      String hostname,
      String user,
      String workingDir,
      boolean privileged,
      boolean readOnlyRootfs,
      boolean tty,
      boolean init,
      String networkMode,
      String stopSignal,
      List<String> capAdd,
      List<String> capDrop,
      List<String> extraHosts) {

    /** Nothing set. */
    public static final Settings DEFAULTS =
        new Settings(
            "", "", "", false, false, false, false, "", "", List.of(), List.of(), List.of());

    public Settings {
      capAdd = List.copyOf(capAdd);
      capDrop = List.copyOf(capDrop);
      extraHosts = List.copyOf(extraHosts);
    }
  }
}
