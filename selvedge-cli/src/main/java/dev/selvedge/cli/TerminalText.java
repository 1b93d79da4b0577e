package dev.selvedge.cli;

/**
 * Text from elsewhere (a container's output) made safe to print on a terminal: a control character
 * could change colours, set the window title, move the cursor over earlier lines, or on some
 * terminals answer back into the shell. Each one is shown instead as an escape a reader can see.
 */
final class TerminalText {
  private TerminalText() {}

  /**
   * {@code text} with every C0 control but tab and newline, DEL and every C1 control written as
   * {@code \x1b} (C0, DEL) or {@code \u009b} (C1, which UTF-8 output would otherwise pass as 8-bit
   * controls). Everything else, including backslashes, is left as it is: logs are read by people,
   * and most carry no controls at all.
   */
  static String escapeControls(String text) {
    int first = firstControl(text);
    if (first < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
    for (int i = first; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!isControl(c)) {
        out.append(c);
      } else if (c < 0x80) {
        out.append("\\x")
            .append(Character.forDigit(c >> 4, 16))
            .append(Character.forDigit(c & 15, 16));
      } else {
        out.append("\\u00")
            .append(Character.forDigit(c >> 4, 16))
            .append(Character.forDigit(c & 15, 16));
      }
    }
    return out.toString();
  }

  private static int firstControl(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (isControl(text.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isControl(char c) {
    return (c < 0x20 && c != '\t' && c != '\n') || (c >= 0x7f && c <= 0x9f);
  }
}
