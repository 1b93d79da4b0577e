package dev.selvedge.contract.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Project-wide policy, read from the top-level {@code x-selvedge.policy}.
 *
 * <pre>
 * x-selvedge:
 *   policy:
 *     rules: {image-not-pinned: error, privileged: off}
 *     healthcheck-interval-floor: 60s
 *     fail-on: error                   # error | warning
 *     waivers:
 *       - {rule: docker-socket-mount, service: agent, reason: "reads container state"}
 * </pre>
 */
public record Policy(
    Map<String, Severity> rules, Duration intervalFloor, Severity failOn, List<Waiver> waivers) {
  public static final Duration DEFAULT_INTERVAL_FLOOR = Duration.ofSeconds(60);
  public static final Policy DEFAULT =
      new Policy(Map.of(), DEFAULT_INTERVAL_FLOOR, Severity.ERROR, List.of());

  public Policy {
    rules = Maps.copy(rules);
    intervalFloor = intervalFloor == null ? DEFAULT_INTERVAL_FLOOR : intervalFloor;
    failOn = failOn == null ? Severity.ERROR : failOn;
    waivers = waivers == null ? List.of() : List.copyOf(waivers);
  }

  /** A reasoned exception to a rule, for one service or ({@code service == null}) all. */
  public record Waiver(String rule, String service, String reason) {
    public Waiver {
      if (rule == null || rule.isBlank()) {
        throw new IllegalArgumentException("a waiver needs a rule");
      }
      if (reason == null || reason.isBlank()) {
        throw new IllegalArgumentException("a waiver of '" + rule + "' needs a reason");
      }
    }

    public boolean covers(String ruleId, String serviceName) {
      return rule.equals(ruleId) && (service == null || service.equals(serviceName));
    }
  }
}
