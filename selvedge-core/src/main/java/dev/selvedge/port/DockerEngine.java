package dev.selvedge.port;

import dev.selvedge.contract.model.NetworkDef;
import dev.selvedge.contract.model.VolumeDef;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Docker engine, reached over whatever transport (local socket, TCP+TLS, SSH). The domain reads
 * and operates containers only through this port; adapters live in {@code selvedge-docker}.
 *
 * <p>Every call is bounded in time. Failures to reach the engine are {@link
 * EngineUnreachableException}s naming the endpoint and what to do; errors the engine answers are
 * {@link EngineException}s.
 */
public interface DockerEngine extends AutoCloseable {

  /** Where this engine is, for messages: {@code unix:///var/run/docker.sock}, {@code ssh://...}. */
  String endpoint();

  /**
   * The files of the machine this engine runs on, over the same connection: the local filesystem
   * ({@link LocalHost}) for a local socket or a loopback {@code tcp://} engine, the engine's SSH
   * session for {@code ssh://}; empty when the engine's host has no files this process can reach (a
   * remote {@code tcp://} engine) or the adapter offers none. The deploy directory is read through
   * it, where the engine runs.
   */
  default Optional<RemoteHost> remoteHost() {
    return Optional.empty();
  }

  /** Engine version and API version; also a cheap reachability check. */
  EngineInfo info();

  /**
   * The daemon's own identity ({@code ID} of {@code /info}): the same whichever endpoint reaches it
   * (the local socket, TCP, an SSH host), so what must be one-at-a-time per engine is keyed by it.
   * Empty when the engine answers without one; an {@link EngineException} when it refuses to say.
   */
  String daemonId();

  /**
   * What the engine says about itself for the fleet view: version, API version, OS, architecture,
   * CPUs, memory, the Docker root directory and the daemon's ID. The default asks {@link #info} and
   * {@link #daemonId}; adapters read {@code /info} for the rest.
   */
  default dev.selvedge.fleet.EngineFacts facts() {
    EngineInfo info = info();
    return new dev.selvedge.fleet.EngineFacts(
        daemonId(), info.version(), info.apiVersion(), info.os(), info.arch(), 0, 0L, null, null);
  }

  /**
   * Containers whose labels match every entry of {@code labels} (a null value matches any value of
   * that label). One round trip.
   *
   * @param all include stopped containers
   */
  List<ContainerSummary> listContainers(Map<String, String> labels, boolean all);

  /** Full configuration and state of one container. One round trip. */
  ContainerDetails inspectContainer(String idOrName);

  /** An image by id or reference; empty when the engine does not have it. */
  Optional<ImageDetails> inspectImage(String idOrReference);

  /**
   * The last lines of a container's log: never an unbounded follow.
   *
   * @param since only lines after this instant (null = no lower bound)
   * @param tail at most this many lines
   * @param timeout give up after this long and return what was read
   */
  LogLines logs(String containerId, Instant since, int tail, Duration timeout);

  // ---- operating: used by plan/apply and the guarded operations ----

  /** Networks whose labels match every entry (null value = any value). One round trip. */
  List<NetworkSummary> listNetworks(Map<String, String> labels);

  /**
   * Creates a network; {@code network.name()} is the engine name (already project-scoped) and its
   * labels are set as given. A network of that name existing already is an {@link EngineException}
   * with status 409.
   */
  NetworkSummary createNetwork(NetworkDef network);

  /** Removes a network; absent is not an error. */
  void removeNetwork(String idOrName);

  /** Named volumes whose labels match every entry (null value = any value). One round trip. */
  List<VolumeSummary> listVolumes(Map<String, String> labels);

  /** Creates a named volume; {@code volume.name()} is the engine name. Existing = no change. */
  VolumeSummary createVolume(VolumeDef volume);

  /** Removes a named volume; absent is not an error, in use is an {@link EngineException}. */
  void removeVolume(String name);

  /**
   * The manifest digest ({@code sha256:...}) the image's registry currently serves for {@code
   * reference}, asked through the engine without pulling ({@code GET /distribution/.../json}), with
   * the credentials the adapter holds for that registry. Empty when the registry says it has no
   * such image; an unreachable registry is an {@link EngineException}.
   */
  Optional<String> registryDigest(String reference);

  /**
   * Pulls {@code reference} (a tag or a {@code name@sha256:...} digest reference) with the
   * credentials the adapter holds for its registry (the docker CLI's {@code config.json}), and
   * returns the pulled image. Credentials never appear in messages or exceptions.
   */
  ImageDetails pullImage(String reference, PullListener listener);

  /**
   * Creates a container named {@code name} and attaches it to all of {@code spec.networks()}.
   * Returns its id. The name being taken is an {@link EngineException} with status 409.
   */
  String createContainer(String name, ContainerCreate spec);

  /** Starts a container; already running is not an error. */
  void startContainer(String id);

  /** Stops a container, killing it after {@code timeout}; already stopped is not an error. */
  void stopContainer(String id, Duration timeout);

  /** Restarts a container, killing it after {@code timeout} if it does not stop. */
  void restartContainer(String id, Duration timeout);

  /**
   * Removes a container, stopping it first if it runs; absent is not an error.
   *
   * @param anonymousVolumes also remove its anonymous volumes
   */
  void removeContainer(String id, boolean anonymousVolumes);

  /** Gives a container another name. */
  void renameContainer(String id, String newName);

  @Override
  void close();
}
