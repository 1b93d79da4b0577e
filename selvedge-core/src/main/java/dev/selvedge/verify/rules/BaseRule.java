package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Rule;

/** The fixed descriptive part every rule has. */
abstract class BaseRule implements Rule {
  private final String id;
  private final Severity defaultSeverity;
  private final String description;
  private final String help;

  BaseRule(String id, Severity defaultSeverity, String description, String help) {
    this.id = id;
    this.defaultSeverity = defaultSeverity;
    this.description = description;
    this.help = help;
  }

  @Override
  public final String id() {
    return id;
  }

  @Override
  public final Severity defaultSeverity() {
    return defaultSeverity;
  }

  @Override
  public final String description() {
    return description;
  }

  @Override
  public final String help() {
    return help;
  }

  @Override
  public String toString() {
    return id;
  }

  static String svc(String service) {
    return "services." + service;
  }
}
