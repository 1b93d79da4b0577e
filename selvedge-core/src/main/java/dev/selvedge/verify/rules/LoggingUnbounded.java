package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.Logging;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code logging-unbounded}: container logs that grow on the host without limit — the default
 * driver or {@code json-file} without {@code max-size} (or with {@code max-size: -1}). The {@code
 * local} driver rotates by default (20 MB x 5 files) and drivers that ship logs off-host ({@code
 * syslog}, {@code journald}, {@code fluentd}, {@code gelf}, {@code awslogs}, ...) or drop them
 * ({@code none}) are bounded.
 */
final class LoggingUnbounded extends BaseRule {
  LoggingUnbounded() {
    super(
        "logging-unbounded",
        Severity.ERROR,
        "Container logs are written to the host without a size limit.",
        "Docker's default json-file driver keeps every line forever; one chatty container fills the"
            + " disk and takes the whole host down. Set logging: {driver: json-file, options:"
            + " {max-size: 10m, max-file: \"3\"}}, or use the local driver or a driver that ships"
            + " logs elsewhere.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    List<Finding> out = new ArrayList<>();
    for (Service s : ctx.project().services().values()) {
      Logging logging = s.logging();
      String driver = logging == null ? null : logging.driver();
      boolean jsonFile = driver == null || driver.isBlank() || driver.equals("json-file");
      if (!jsonFile) {
        continue;
      }
      String maxSize = logging == null ? null : logging.options().get("max-size");
      if (maxSize != null && !maxSize.isBlank() && !maxSize.strip().equals("-1")) {
        continue;
      }
      String what = driver == null || driver.isBlank() ? "the default log driver" : "json-file";
      String path = logging == null ? svc(s.name()) : svc(s.name()) + ".logging";
      out.add(
          ctx.finding(
              this,
              s.name(),
              path,
              "service '" + s.name() + "' logs with " + what + " without max-size",
              "Add logging.options.max-size (e.g. 10m) and max-file (e.g. \"3\")."));
    }
    return out;
  }
}
