package dev.selvedge.verify;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.model.Policy;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.contract.model.SourceFile;
import dev.selvedge.evidence.EvidenceReport;
import dev.selvedge.verify.rules.Rules;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Runs the policy rules over a rendered project. Severity of a rule: the caller's override, else
 * the project's {@code x-selvedge.policy.rules}, else the rule's default; {@code off} skips it. A
 * finding covered by a policy waiver stays in the report, marked with the waiver, and never fails
 * the run.
 */
public final class Verifier {
  private final List<Rule> rules;

  /** A verifier over {@code rules}; ids must be unique. */
  public Verifier(List<Rule> rules) {
    this.rules = List.copyOf(rules);
    Set<String> ids = new HashSet<>();
    for (Rule r : this.rules) {
      if (!ids.add(r.id())) {
        throw new IllegalArgumentException("rule id '" + r.id() + "' is registered twice");
      }
    }
  }

  /** Verifies {@code project} with every registered rule. */
  public static VerifyReport verify(Project project, EnvExample envExample, VerifyOptions options) {
    return new Verifier(Rules.all()).run(project, envExample, options);
  }

  /**
   * Verifies {@code project}.
   *
   * @throws ContractException when the policy names an unknown rule or service, or fail-on is off
   * @throws SelvedgeException when {@code options} override an unknown rule
   */
  public VerifyReport run(Project project, EnvExample envExample, VerifyOptions options) {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(envExample, "envExample");
    VerifyOptions opts = options == null ? VerifyOptions.DEFAULTS : options;
    Policy policy = project.policy();
    checkPolicy(project, policy);
    Map<String, Rule> byId = new LinkedHashMap<>();
    rules.forEach(r -> byId.put(r.id(), r));
    for (String id : opts.overrides().keySet()) {
      if (!byId.containsKey(id)) {
        throw new SelvedgeException(
            "unknown rule '" + id + "' in a severity override; known rules: " + byId.keySet());
      }
    }

    Map<String, Severity> severities = new LinkedHashMap<>();
    for (Rule r : rules) {
      Severity s = opts.overrides().get(r.id());
      if (s == null) {
        s = policy.rules().getOrDefault(r.id(), r.defaultSeverity());
      }
      severities.put(r.id(), s);
    }
    Severity failOn = opts.failOn() != null ? opts.failOn() : policy.failOn();

    VerifyContext ctx = new VerifyContext(project, envExample, policy.intervalFloor());
    List<Finding> findings = new ArrayList<>();
    for (Rule r : rules) {
      Severity s = severities.get(r.id());
      if (s == Severity.OFF) {
        continue;
      }
      for (Finding f : r.check(ctx)) {
        Finding resolved = f.withSeverity(s);
        for (Policy.Waiver w : policy.waivers()) {
          if (w.covers(f.rule(), f.service())) {
            resolved = resolved.withWaiver(w);
            break;
          }
        }
        findings.add(r.quotesValues() ? resolved.scrubbed(project.secretValues()) : resolved);
      }
    }
    List<String> services = List.copyOf(project.services().keySet());
    findings.sort(order(services, List.copyOf(byId.keySet())));
    return new VerifyReport(
        project.name(),
        project.workingDir(),
        services,
        inputs(ctx, project, envExample),
        rules,
        severities,
        failOn,
        ctx.intervalFloor(),
        policy.waivers(),
        findings);
  }

  private void checkPolicy(Project project, Policy policy) {
    Set<String> known = new HashSet<>();
    rules.forEach(r -> known.add(r.id()));
    for (String id : policy.rules().keySet()) {
      if (!known.contains(id)) {
        String path = "x-selvedge.policy.rules." + id;
        throw new ContractException(
            project.locate(path), path, "unknown rule '" + id + "'; known rules: " + ids());
      }
    }
    if (policy.failOn() == Severity.OFF) {
      String path = "x-selvedge.policy.fail-on";
      throw new ContractException(
          project.locate(path), path, "fail-on must be note, warning or error, not off");
    }
    for (int i = 0; i < policy.waivers().size(); i++) {
      Policy.Waiver w = policy.waivers().get(i);
      String path = "x-selvedge.policy.waivers[" + i + "]";
      if (!known.contains(w.rule())) {
        throw new ContractException(
            project.locate(path + ".rule"),
            path + ".rule",
            "the waiver names unknown rule '" + w.rule() + "'; known rules: " + ids());
      }
      if (w.service() != null
          && !project.services().containsKey(w.service())
          && !project.disabledServices().contains(w.service())) {
        throw new ContractException(
            project.locate(path + ".service"),
            path + ".service",
            "the waiver names service '"
                + w.service()
                + "', which the project does not define; services: "
                + project.services().keySet());
      }
    }
  }

  private List<String> ids() {
    return rules.stream().map(Rule::id).toList();
  }

  private static List<EvidenceReport.Input> inputs(
      VerifyContext ctx, Project project, EnvExample env) {
    List<EvidenceReport.Input> inputs = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (SourceFile s : project.sources()) {
      String path = ctx.relative(s.path());
      seen.add(path);
      inputs.add(new EvidenceReport.Input(path, s.role(), s.sha256()));
    }
    String envPath = ctx.relative(env.file());
    if (env.present() && !seen.contains(envPath)) {
      inputs.add(new EvidenceReport.Input(envPath, "env-example", env.sha256()));
    }
    return inputs;
  }

  private static Comparator<Finding> order(List<String> services, List<String> ruleIds) {
    Map<String, Integer> serviceIndex = new HashMap<>();
    for (int i = 0; i < services.size(); i++) {
      serviceIndex.put(services.get(i), i);
    }
    // Project-wide findings (no service) come first, then services in contract order. One lambda
    // rather than a Comparator.comparing chain, whose lambdas inside Comparator are spun at run
    // time on every CLI start (the AOT cache does not keep them).
    ToIntFunction<Finding> rank =
        f -> f.service() == null ? -1 : serviceIndex.getOrDefault(f.service(), services.size());
    return (a, b) -> {
      int c = Integer.compare(rank.applyAsInt(a), rank.applyAsInt(b));
      if (c == 0) {
        c = nullToEmpty(a.service()).compareTo(nullToEmpty(b.service()));
      }
      if (c == 0) {
        c = a.file().compareTo(b.file());
      }
      if (c == 0) {
        c = Integer.compare(a.line(), b.line());
      }
      if (c == 0) {
        c = Integer.compare(ruleIds.indexOf(a.rule()), ruleIds.indexOf(b.rule()));
      }
      return c != 0 ? c : a.path().compareTo(b.path());
    };
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
