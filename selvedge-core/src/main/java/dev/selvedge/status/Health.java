package dev.selvedge.status;

import java.util.Locale;

/**
 * The health axis, ordered from best to worst: the worst of a service's signals is its health, the
 * worst of the services' is the stack's.
 */
public enum Health {
  /** Running; healthcheck healthy or absent; readback answered as expected. */
  HEALTHY,
  /** Getting there: healthcheck starting, container created or restarting. */
  PROGRESSING,
  /** The application's readback could not be reached (a transport failure, ours). */
  UNREACHABLE,
  /** Running badly or not at all: unhealthy, exited, dead, paused, readback not as expected. */
  DEGRADED,
  /** The contract names the service and no container of it exists. */
  MISSING;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The worse of two. */
  public Health worst(Health other) {
    return other.compareTo(this) > 0 ? other : this;
  }
}
