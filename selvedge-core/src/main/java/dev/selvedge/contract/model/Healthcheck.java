package dev.selvedge.contract.model;

import java.time.Duration;
import java.util.List;

/**
 * A service healthcheck. {@code test} is the exec form ({@code ["CMD-SHELL", "wget ..."]}); a
 * {@code disable: true} or {@code test: ["NONE"]} check is {@link #disabled()}. Durations are null
 * when not set (Docker's defaults apply).
 */
public record Healthcheck(
    List<String> test,
    Duration interval,
    Duration timeout,
    Integer retries,
    Duration startPeriod,
    Duration startInterval,
    boolean disable) {
  public Healthcheck {
    test = test == null ? List.of() : List.copyOf(test);
  }

  public boolean disabled() {
    return disable || (!test.isEmpty() && test.get(0).equals("NONE"));
  }
}
