package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;

/** {@code privileged}: a container run with {@code privileged: true}. */
final class Privileged extends BaseRule {
  Privileged() {
    super(
        "privileged",
        Severity.ERROR,
        "A service runs privileged.",
        "A privileged container has every capability and every host device; escaping it is"
            + " trivial. Remove privileged: true and grant only what is needed with cap_add and"
            + " devices.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    List<Finding> out = new ArrayList<>();
    for (Service s : ctx.project().services().values()) {
      if (s.options().privileged()) {
        out.add(
            ctx.finding(
                this,
                s.name(),
                svc(s.name()) + ".privileged",
                "service '" + s.name() + "' runs privileged",
                "Remove privileged: true; add only the capabilities it needs with cap_add."));
      }
    }
    return out;
  }
}
