package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code restart-policy-missing}: neither {@code restart} nor {@code deploy.restart_policy} is set.
 * An explicit {@code restart: "no"} is a decision (one-shot jobs) and passes.
 */
final class RestartPolicyMissing extends BaseRule {
  RestartPolicyMissing() {
    super(
        "restart-policy-missing",
        Severity.WARNING,
        "A service sets no restart policy.",
        "Without a restart policy a crashed container, or every container after a host reboot,"
            + " stays down until someone notices. Set restart: unless-stopped (or always); write"
            + " restart: \"no\" for one-shot jobs to say it is intended.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    List<Finding> out = new ArrayList<>();
    for (Service s : ctx.project().services().values()) {
      boolean restart = s.restart() != null && !s.restart().isBlank();
      boolean deploy = s.deploy() != null && s.deploy().restartPolicy() != null;
      if (!restart && !deploy) {
        out.add(
            ctx.finding(
                this,
                s.name(),
                svc(s.name()),
                "service '" + s.name() + "' sets no restart policy",
                "Add restart: unless-stopped."));
      }
    }
    return out;
  }
}
