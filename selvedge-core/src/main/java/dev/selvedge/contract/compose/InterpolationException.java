package dev.selvedge.contract.compose;

import dev.selvedge.SelvedgeException;

/**
 * A template could not be substituted: it is malformed ({@link Kind#INVALID_TEMPLATE}) or a
 * variable marked required with {@code :?} or {@code ?} has no value ({@link
 * Kind#MISSING_REQUIRED}). Has no location; the callers that know the file and key wrap it in a
 * {@link dev.selvedge.contract.ContractException}.
 */
public final class InterpolationException extends SelvedgeException {
  private static final long serialVersionUID = 1L;

  /** Why substitution failed. */
  public enum Kind {
    INVALID_TEMPLATE,
    MISSING_REQUIRED
  }

  private final Kind kind;
  private final String template;
  private final String variable;
  private final String reason;

  private InterpolationException(
      Kind kind, String template, String variable, String reason, String message) {
    super(message);
    this.kind = kind;
    this.template = template;
    this.variable = variable;
    this.reason = reason;
  }

  static InterpolationException invalidTemplate(String template) {
    return new InterpolationException(
        Kind.INVALID_TEMPLATE,
        template,
        null,
        null,
        "Invalid template: \"" + template + "\" (write $$ for a literal $)");
  }

  static InterpolationException missingRequired(String template, String variable, String reason) {
    String message = "required variable " + variable + " is missing a value";
    if (!reason.isEmpty()) {
      message += ": " + reason;
    }
    return new InterpolationException(Kind.MISSING_REQUIRED, template, variable, reason, message);
  }

  public Kind kind() {
    return kind;
  }

  /** The whole template that was being substituted. */
  public String template() {
    return template;
  }

  /** The required variable that is missing; null for an invalid template. */
  public String variable() {
    return variable;
  }

  /**
   * The substituted message written after {@code :?} or {@code ?} (may be empty); null otherwise.
   */
  public String reason() {
    return reason;
  }
}
