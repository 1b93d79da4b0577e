package dev.selvedge.contract.compose;

import java.util.function.Function;

/**
 * The substitution engine shared by {@link Interpolator}, {@link DotEnv} and {@link Variables}: one
 * left-to-right pass with no regular expressions. Arguments of operators are substituted only when
 * their branch is taken, so an unused default neither warns nor fails.
 */
final class Template {

  /**
   * Told about every reference that is evaluated, with the value the lookup gave (null = unset).
   */
  @FunctionalInterface
  interface Listener {
    void reference(String name, Operator operator, String value);

    /**
     * The value of {@code name} now fills {@code [start, end)} of the result: where a secret went,
     * so it can be masked there and nowhere else.
     */
    default void inserted(String name, int start, int end) {}
  }

  static final Listener IGNORE = (name, operator, value) -> {};

  private final String text;
  private final Function<String, String> lookup;
  private final Listener listener;
  private final StringBuilder result;

  private Template(
      String text, Function<String, String> lookup, Listener listener, StringBuilder result) {
    this.text = text;
    this.lookup = lookup;
    this.listener = listener;
    this.result = result;
  }

  /**
   * Substitutes {@code text}. Returns the same instance when it holds no {@code $}.
   *
   * @throws InterpolationException for an invalid template or a missing required variable
   */
  static String substitute(String text, Function<String, String> lookup, Listener listener) {
    if (text.indexOf('$') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    new Template(text, lookup, listener, out).run(0, text.length(), out);
    return out.toString();
  }

  private void run(int from, int to, StringBuilder out) {
    int i = from;
    while (i < to) {
      int dollar = text.indexOf('$', i);
      if (dollar < 0 || dollar >= to) {
        out.append(text, i, to);
        return;
      }
      out.append(text, i, dollar);
      if (dollar + 1 >= to) {
        out.append('$');
        return;
      }
      char next = text.charAt(dollar + 1);
      if (next == '$') {
        out.append('$');
        i = dollar + 2;
      } else if (next == '{') {
        i = braced(dollar, to, out);
      } else if (isNameStart(next)) {
        int end = nameEnd(text, dollar + 1, to);
        String name = text.substring(dollar + 1, end);
        String value = lookup.apply(name);
        listener.reference(name, Operator.NONE, value);
        append(name, value, out);
        i = end;
      } else {
        // A lone $ before anything that cannot start a name is literal text.
        out.append('$');
        i = dollar + 1;
      }
    }
  }

  /** Substitutes the {@code ${...}} starting at {@code dollar}; returns the index after it. */
  private int braced(int dollar, int to, StringBuilder out) {
    int nameStart = dollar + 2;
    int nameEnd =
        nameStart < to && isNameStart(text.charAt(nameStart))
            ? nameEnd(text, nameStart, to)
            : nameStart;
    if (nameEnd == nameStart) {
      throw InterpolationException.invalidTemplate(text);
    }
    int close = closingBrace(text, nameEnd, to);
    if (close < 0) {
      throw InterpolationException.invalidTemplate(text);
    }
    String name = text.substring(nameStart, nameEnd);
    if (close == nameEnd) {
      String value = lookup.apply(name);
      listener.reference(name, Operator.NONE, value);
      append(name, value, out);
      return close + 1;
    }
    int opAt = Operator.earliest(text, nameStart, close);
    if (opAt != nameEnd) {
      // Something other than an operator follows the name: "${foo }", "${foo!}".
      throw InterpolationException.invalidTemplate(text);
    }
    Operator op = Operator.at(text, opAt);
    int argFrom = opAt + op.symbol().length();
    String value = lookup.apply(name);
    listener.reference(name, op, value);
    boolean set = value != null;
    boolean nonEmpty = set && !value.isEmpty();
    switch (op) {
      case DEFAULT_IF_EMPTY, DEFAULT_IF_UNSET -> {
        boolean useValue = op == Operator.DEFAULT_IF_EMPTY ? nonEmpty : set;
        if (useValue) {
          append(name, value, out);
        } else {
          run(argFrom, close, out);
        }
      }
      case PRESENT_IF_NONEMPTY, PRESENT_IF_SET -> {
        boolean present = op == Operator.PRESENT_IF_NONEMPTY ? nonEmpty : set;
        if (present) {
          run(argFrom, close, out);
        }
      }
      case REQUIRED_NONEMPTY, REQUIRED_SET -> {
        boolean ok = op == Operator.REQUIRED_NONEMPTY ? nonEmpty : set;
        if (!ok) {
          StringBuilder reason = new StringBuilder();
          run(argFrom, close, reason);
          throw InterpolationException.missingRequired(text, name, reason.toString());
        }
        append(name, value, out);
      }
      case NONE -> throw new IllegalStateException("operator expected");
    }
    return close + 1;
  }

  /** Appends a variable's value; only the result's spans are reported, not an error's text. */
  private void append(String name, String value, StringBuilder out) {
    if (value == null || value.isEmpty()) {
      return;
    }
    int start = out.length();
    out.append(value);
    if (out == result) {
      listener.inserted(name, start, out.length());
    }
  }

  static boolean isNameStart(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  static boolean isNamePart(char c) {
    return isNameStart(c) || (c >= '0' && c <= '9');
  }

  /** End (exclusive) of the variable name starting at {@code from}, which is a name start. */
  static int nameEnd(String s, int from, int to) {
    int i = from + 1;
    while (i < to && isNamePart(s.charAt(i))) {
      i++;
    }
    return i;
  }

  /**
   * Index of the {@code }} closing a {@code ${} whose body continues at {@code from}, counting
   * nested braces so defaults may hold templates and JSON; -1 when unclosed.
   */
  static int closingBrace(String s, int from, int to) {
    int depth = 1;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }
}
