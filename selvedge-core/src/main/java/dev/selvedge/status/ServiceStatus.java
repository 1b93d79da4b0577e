package dev.selvedge.status;

import java.util.List;
import java.util.Objects;

/**
 * One service on both axes, with the reasons behind each, and its pill with the reasons behind the
 * colour (a subset of the axis reasons, or "in sync and healthy").
 *
 * @param external reasons a dependency owned by someone else is blocked (they make the pill yellow)
 */
public record ServiceStatus(
    String service,
    Sync sync,
    List<String> syncReasons,
    Health health,
    List<String> healthReasons,
    List<String> external,
    Pill pill,
    List<String> pillReasons) {
  public ServiceStatus {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(sync, "sync");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(pill, "pill");
    syncReasons = List.copyOf(syncReasons);
    healthReasons = List.copyOf(healthReasons);
    external = List.copyOf(external);
    pillReasons = List.copyOf(pillReasons);
    if (pillReasons.isEmpty()) {
      throw new IllegalArgumentException("a pill always has its reasons");
    }
  }
}
