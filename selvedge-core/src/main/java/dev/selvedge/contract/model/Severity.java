package dev.selvedge.contract.model;

import java.util.Locale;

/** How much a finding matters; {@code OFF} disables a rule. Ordered from least to most. */
public enum Severity {
  OFF,
  NOTE,
  WARNING,
  ERROR;

  public static Severity parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "severity must be off, note, warning or error, not '" + s + "'", e);
    }
  }

  public boolean atLeast(Severity other) {
    return compareTo(other) >= 0;
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
