package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code healthcheck-missing}: a service without a healthcheck in the contract, or with one that is
 * disabled. A check the image itself defines does not count: the contract cannot see it, and the
 * health gate must not depend on what a tag happens to contain.
 */
final class HealthcheckMissing extends BaseRule {
  HealthcheckMissing() {
    super(
        "healthcheck-missing",
        Severity.ERROR,
        "A service has no healthcheck, or its healthcheck is disabled.",
        "Without a healthcheck the engine reports a container as running even when it serves"
            + " nothing, depends_on: service_healthy cannot work, and Selvedge cannot gate an apply"
            + " or roll back on health. Declare healthcheck.test (e.g. [\"CMD\", \"wget\", \"-qO-\","
            + " \"http://127.0.0.1:8080/healthz\"]) in the Compose file.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    List<Finding> out = new ArrayList<>();
    for (Service s : ctx.project().services().values()) {
      if (s.healthcheck() == null) {
        out.add(
            ctx.finding(
                this,
                s.name(),
                svc(s.name()),
                "service '" + s.name() + "' has no healthcheck",
                "Add a healthcheck with a test that proves the service answers."));
      } else if (s.healthcheck().disabled()) {
        out.add(
            ctx.finding(
                this,
                s.name(),
                svc(s.name()) + ".healthcheck",
                "service '" + s.name() + "' disables its healthcheck",
                "Replace disable: true / test: [\"NONE\"] with a real test."));
      }
    }
    return out;
  }
}
