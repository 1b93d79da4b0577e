package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.Severity;
import dev.selvedge.contract.model.VariableUse;
import dev.selvedge.verify.EnvExample;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code env-undeclared}: a variable the contract interpolates without a default ({@code ${VAR}},
 * {@code ${VAR:?msg}}, {@code ${VAR:+alt}}) that {@code .env.example} does not declare. Uses with a
 * default ({@code ${VAR:-x}}, {@code ${VAR-x}}) work without the variable and are not flagged. One
 * finding per variable, at its first use.
 */
final class EnvUndeclared extends BaseRule {
  EnvUndeclared() {
    super(
        "env-undeclared",
        Severity.ERROR,
        "A ${VAR} used without a default is not declared in .env.example.",
        ".env.example is the list of what an operator must set. A variable missing there is found"
            + " only when a deploy renders it empty or fails. Declare it in .env.example (with a safe"
            + " example value or empty), or give the use a default: ${VAR:-value}.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    EnvExample env = ctx.envExample();
    Map<String, List<VariableUse>> undeclared = new LinkedHashMap<>();
    for (VariableUse use : ctx.project().variables()) {
      if (use.hasDefault() || env.declares(use.name())) {
        continue;
      }
      undeclared.computeIfAbsent(use.name(), k -> new ArrayList<>()).add(use);
    }
    String envFile = ctx.relative(env.file());
    List<Finding> out = new ArrayList<>();
    for (Map.Entry<String, List<VariableUse>> e : undeclared.entrySet()) {
      VariableUse first = e.getValue().get(0);
      int more = e.getValue().size() - 1;
      String message =
          "${"
              + e.getKey()
              + "} is used without a default"
              + (more > 0 ? " (" + (more + 1) + " uses)" : "")
              + (env.present()
                  ? " but not declared in " + envFile
                  : " and there is no " + envFile + " to declare it");
      String hint =
          (env.present() ? "Add " : "Create " + envFile + " with ")
              + e.getKey()
              + "= (a safe example value or empty), or write ${"
              + e.getKey()
              + ":-default}.";
      String path = first.path() == null ? "" : first.path();
      Finding f =
          first.mark() != null && first.mark().line() > 0
              ? ctx.findingAt(this, ctx.serviceOf(path), path, first.mark(), message, hint)
              : ctx.finding(this, ctx.serviceOf(path), path, message, hint);
      out.add(f);
    }
    return out;
  }
}
