package dev.selvedge.contract.model;

import java.time.Duration;
import java.util.Map;

/** The parts of {@code deploy:} that a single Docker engine honours. */
public record Deploy(
    String mode,
    Integer replicas,
    Map<String, String> labels,
    Resources limits,
    Resources reservations,
    RestartPolicy restartPolicy) {
  public Deploy {
    labels = Maps.copy(labels);
  }

  /** CPU count as written ({@code "0.5"}), memory in bytes, pids. Nulls when not set. */
  public record Resources(String cpus, Long memory, Long pids) {}

  /** Swarm-style restart policy. */
  public record RestartPolicy(
      String condition, Duration delay, Integer maxAttempts, Duration window) {}
}
