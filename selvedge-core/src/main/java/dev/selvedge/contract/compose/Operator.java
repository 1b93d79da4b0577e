package dev.selvedge.contract.compose;

/**
 * The operator inside {@code ${NAME<op>arg}}. Which one applies is decided by {@link
 * #choose(String)}: the operator whose first occurrence in the braced text comes earliest.
 */
enum Operator {
  NONE(""),
  DEFAULT_IF_EMPTY(":-"),
  DEFAULT_IF_UNSET("-"),
  PRESENT_IF_NONEMPTY(":+"),
  PRESENT_IF_SET("+"),
  REQUIRED_NONEMPTY(":?"),
  REQUIRED_SET("?");

  private final String symbol;

  Operator(String symbol) {
    this.symbol = symbol;
  }

  String symbol() {
    return symbol;
  }

  boolean hasDefault() {
    return this == DEFAULT_IF_EMPTY || this == DEFAULT_IF_UNSET;
  }

  boolean isPresence() {
    return this == PRESENT_IF_NONEMPTY || this == PRESENT_IF_SET;
  }

  boolean isRequired() {
    return this == REQUIRED_NONEMPTY || this == REQUIRED_SET;
  }

  /**
   * The operator applying to the text between {@code ${} and its {@code }}; NONE if there is none.
   */
  static Operator choose(String bracedContent) {
    int at = earliest(bracedContent, 0, bracedContent.length());
    return at < 0 ? NONE : at(bracedContent, at);
  }

  /**
   * Index where the earliest operator in {@code s[from, to)} starts, or -1. The first of {@code - +
   * ?} decides; a {@code :} right before it makes it the colon form, which then starts one
   * character earlier and so cannot be preceded by any other operator.
   */
  static int earliest(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '-' || c == '+' || c == '?') {
        return i > from && s.charAt(i - 1) == ':' ? i - 1 : i;
      }
    }
    return -1;
  }

  /** The operator starting at {@code s[i]}, which {@link #earliest} found. */
  static Operator at(String s, int i) {
    boolean colon = s.charAt(i) == ':';
    char c = s.charAt(colon ? i + 1 : i);
    return switch (c) {
      case '-' -> colon ? DEFAULT_IF_EMPTY : DEFAULT_IF_UNSET;
      case '+' -> colon ? PRESENT_IF_NONEMPTY : PRESENT_IF_SET;
      case '?' -> colon ? REQUIRED_NONEMPTY : REQUIRED_SET;
      default -> throw new IllegalArgumentException("no operator at " + i + " in " + s);
    };
  }
}
