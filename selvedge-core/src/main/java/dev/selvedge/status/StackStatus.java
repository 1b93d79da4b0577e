package dev.selvedge.status;

import java.util.List;
import java.util.Objects;

/**
 * A whole stack: its services' statuses rolled up (worst wins) and the reasons behind the colour.
 *
 * @param projectReasons stack-level drift that belongs to no contract service (orphan containers,
 *     {@code .env} keys, networks); it makes the stack at least yellow
 * @param pillReasons why the stack has its colour, each prefixed with the service it comes from
 */
public record StackStatus(
    String project,
    Sync sync,
    Health health,
    Pill pill,
    List<String> pillReasons,
    List<String> projectReasons,
    List<ServiceStatus> services) {
  public StackStatus {
    Objects.requireNonNull(sync, "sync");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(pill, "pill");
    project = project == null ? "" : project;
    pillReasons = List.copyOf(pillReasons);
    projectReasons = List.copyOf(projectReasons);
    services = List.copyOf(services);
    if (pillReasons.isEmpty()) {
      throw new IllegalArgumentException("a pill always has its reasons");
    }
  }

  /** The status of one service, or null. */
  public ServiceStatus service(String name) {
    return services.stream().filter(s -> s.service().equals(name)).findFirst().orElse(null);
  }
}
