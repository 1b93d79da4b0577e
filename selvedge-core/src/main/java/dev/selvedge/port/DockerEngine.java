package dev.selvedge.port;

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

  /** Engine version and API version; also a cheap reachability check. */
  EngineInfo info();

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

  @Override
  void close();
}
