package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.Healthcheck;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Durations;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code healthcheck-interval-too-short}: a healthcheck interval below the floor ({@code
 * x-selvedge.policy.healthcheck-interval-floor}, default 60s). An unset interval is Docker's
 * default of 30s and is judged as such.
 */
final class HealthcheckIntervalTooShort extends BaseRule {
  static final Duration DOCKER_DEFAULT = Duration.ofSeconds(30);

  HealthcheckIntervalTooShort() {
    super(
        "healthcheck-interval-too-short",
        Severity.ERROR,
        "A healthcheck runs more often than the interval floor (default 60s).",
        "Every healthcheck run starts a process in the container. On a small shared host dozens of"
            + " services checking every few seconds cost real CPU. Set healthcheck.interval to at"
            + " least the floor, use start_interval for a fast start-up phase, or change the floor"
            + " with x-selvedge.policy.healthcheck-interval-floor.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    Duration floor = ctx.intervalFloor();
    List<Finding> out = new ArrayList<>();
    for (Service s : ctx.project().services().values()) {
      Healthcheck hc = s.healthcheck();
      if (hc == null || hc.disabled()) {
        continue;
      }
      String path = svc(s.name()) + ".healthcheck.interval";
      String hint =
          "Set healthcheck.interval: "
              + Durations.format(floor)
              + " or longer (start_interval can keep start-up fast).";
      if (hc.interval() == null) {
        if (DOCKER_DEFAULT.compareTo(floor) < 0) {
          out.add(
              ctx.finding(
                  this,
                  s.name(),
                  path,
                  "healthcheck of '"
                      + s.name()
                      + "' sets no interval, so Docker's default of 30s applies, below the floor"
                      + " of "
                      + Durations.format(floor),
                  hint));
        }
      } else if (hc.interval().compareTo(floor) < 0) {
        out.add(
            ctx.finding(
                this,
                s.name(),
                path,
                "healthcheck interval of '"
                    + s.name()
                    + "' is "
                    + Durations.format(hc.interval())
                    + ", below the floor of "
                    + Durations.format(floor),
                hint));
      }
    }
    return out;
  }
}
