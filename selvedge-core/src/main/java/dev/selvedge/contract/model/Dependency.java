package dev.selvedge.contract.model;

/**
 * One {@code depends_on} entry in long syntax: {@code condition} is {@code service_started}, {@code
 * service_healthy} or {@code service_completed_successfully}.
 */
public record Dependency(String condition, boolean restart, boolean required) {
  public static final String STARTED = "service_started";
  public static final String HEALTHY = "service_healthy";
  public static final String COMPLETED = "service_completed_successfully";

  public Dependency {
    if (condition == null) {
      condition = STARTED;
    }
    if (!condition.equals(STARTED) && !condition.equals(HEALTHY) && !condition.equals(COMPLETED)) {
      throw new IllegalArgumentException(
          "condition must be service_started, service_healthy or service_completed_successfully,"
              + " not '"
              + condition
              + "'");
    }
  }
}
