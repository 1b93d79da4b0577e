package dev.selvedge.contract.yaml;

import java.util.regex.Pattern;

/** YAML 1.2 core schema resolution of plain scalars. */
final class CoreSchema {
  private static final Pattern BOOL = Pattern.compile("true|True|TRUE|false|False|FALSE");
  private static final Pattern INT10 = Pattern.compile("[-+]?[0-9]+");
  private static final Pattern INT8 = Pattern.compile("0o[0-7]+");
  private static final Pattern INT16 = Pattern.compile("0x[0-9a-fA-F]+");
  private static final Pattern FLOAT =
      Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  private static final Pattern INF = Pattern.compile("[-+]?\\.(inf|Inf|INF)");
  private static final Pattern NAN = Pattern.compile("\\.(nan|NaN|NAN)");

  private CoreSchema() {}

  static boolean isNull(String s) {
    return switch (s) {
      case "", "~", "null", "Null", "NULL" -> true;
      default -> false;
    };
  }

  static Object resolve(String s) {
    if (isNull(s)) {
      return null;
    }
    char c = s.charAt(0);
    // Only these can start a non-string core-schema scalar; everything else is a string.
    if (!(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.' && "tTfF".indexOf(c) < 0) {
      return s;
    }
    if (BOOL.matcher(s).matches()) {
      return Boolean.valueOf(s.equalsIgnoreCase("true"));
    }
    try {
      if (INT10.matcher(s).matches()) {
        return Long.parseLong(s);
      }
      if (INT8.matcher(s).matches()) {
        return Long.parseLong(s.substring(2), 8);
      }
      if (INT16.matcher(s).matches()) {
        return Long.parseLong(s.substring(2), 16);
      }
    } catch (NumberFormatException tooBig) {
      return s;
    }
    if (FLOAT.matcher(s).matches()) {
      return Double.parseDouble(s);
    }
    if (INF.matcher(s).matches()) {
      return s.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (NAN.matcher(s).matches()) {
      return Double.NaN;
    }
    return s;
  }
}
