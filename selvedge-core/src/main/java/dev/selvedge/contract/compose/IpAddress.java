package dev.selvedge.contract.compose;

/**
 * Textual IPv4/IPv6 address check. {@code InetAddress.getByName} would resolve host names over DNS,
 * so a literal is checked by hand.
 */
final class IpAddress {
  private IpAddress() {}

  static boolean isValid(String text) {
    return text.indexOf(':') >= 0 ? isV6(text) : isV4(text);
  }

  static boolean isV4(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
        return false;
      }
      for (int i = 0; i < part.length(); i++) {
        if (part.charAt(i) < '0' || part.charAt(i) > '9') {
          return false;
        }
      }
      if (Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  static boolean isV6(String text) {
    String rest = text;
    int lastColon = text.lastIndexOf(':');
    if (text.indexOf('.', lastColon) >= 0) {
      // An embedded IPv4 tail (::ffff:1.2.3.4) stands for two hex groups.
      if (!isV4(text.substring(lastColon + 1))) {
        return false;
      }
      rest = text.substring(0, lastColon + 1) + "0:0";
    }
    int gap = rest.indexOf("::");
    if (gap >= 0) {
      if (rest.indexOf("::", gap + 1) >= 0) {
        return false;
      }
      int left = countGroups(rest.substring(0, gap));
      int right = countGroups(rest.substring(gap + 2));
      return left >= 0 && right >= 0 && left + right <= 7;
    }
    return countGroups(rest) == 8;
  }

  /** Number of hex groups in a colon-separated run without "::", or -1 if malformed. */
  private static int countGroups(String run) {
    if (run.isEmpty()) {
      return 0;
    }
    String[] parts = run.split(":", -1);
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 4) {
        return -1;
      }
      for (int i = 0; i < part.length(); i++) {
        if (Character.digit(part.charAt(i), 16) < 0) {
          return -1;
        }
      }
    }
    return parts.length;
  }
}
