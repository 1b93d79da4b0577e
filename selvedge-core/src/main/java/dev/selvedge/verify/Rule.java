package dev.selvedge.verify;

import dev.selvedge.contract.model.Severity;
import java.util.List;

/**
 * A policy rule over the rendered contract. Its {@link #id()} is stable: users name it in {@code
 * x-selvedge.policy.rules}, waivers and CI configs. A rule reports at its default severity; the
 * {@link Verifier} applies the configured severity and waivers.
 */
public interface Rule {
  /** Stable kebab-case id, such as {@code image-floating-tag}. */
  String id();

  /** The severity when neither the policy nor the caller overrides it. */
  Severity defaultSeverity();

  /** One sentence: what the rule checks. */
  String description();

  /** Why it matters and how to fix it, a short paragraph (SARIF help text). */
  String help();

  /**
   * Whether the messages of this rule may quote contract values, so the {@link Verifier} masks the
   * secrets substituted into them. A rule whose messages name only keys and paths says false:
   * masking a weak secret that is also a name (the service's) would give the secret away.
   */
  default boolean quotesValues() {
    return true;
  }

  /** The findings of this rule for {@code context}, in contract order; empty when it passes. */
  List<Finding> check(VerifyContext context);
}
