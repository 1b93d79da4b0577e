package dev.selvedge.contract.compose;

import java.util.Objects;

/**
 * What a contract says about one variable, found without substituting anything: {@code
 * ${NAME:-default}} gives {@code defaultValue}, {@code ${NAME:+value}} gives {@code presenceValue}
 * (both as written, templates inside them unexpanded; null when the form is absent) and {@code
 * ${NAME:?message}} makes it {@code required}.
 */
public record VariableRef(
    String name, String defaultValue, String presenceValue, boolean required) {
  public VariableRef {
    Objects.requireNonNull(name, "name");
  }

  /** This reference combined with another use of the same variable; earlier values win. */
  VariableRef merge(VariableRef other) {
    return new VariableRef(
        name,
        defaultValue != null ? defaultValue : other.defaultValue,
        presenceValue != null ? presenceValue : other.presenceValue,
        required || other.required);
  }
}
