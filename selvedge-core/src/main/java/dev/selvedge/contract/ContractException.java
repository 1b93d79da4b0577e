package dev.selvedge.contract;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.yaml.Mark;

/**
 * The contract could not be read: a file is missing or malformed, a key is unknown or has the wrong
 * type, an interpolation failed. Carries where it happened so the CLI can exit 2 with a message
 * naming the file, line and path.
 */
public final class ContractException extends SelvedgeException {
  private static final long serialVersionUID = 1L;

  private final transient Mark mark;
  private final String path;
  private final String detail;

  public ContractException(Mark mark, String path, String message) {
    super(format(mark, path, message));
    this.mark = mark;
    this.path = path;
    this.detail = message;
  }

  public ContractException(Mark mark, String path, String message, Throwable cause) {
    super(format(mark, path, message), cause);
    this.mark = mark;
    this.path = path;
    this.detail = message;
  }

  /** The message without the location prefix. */
  public String detail() {
    return detail;
  }

  /**
   * The same error with its message scrubbed as any text about its path is ({@link
   * SecretValues#scrub(String, String)}). The cause is dropped when anything was masked: its
   * message could repeat it.
   */
  public ContractException redacted(SecretValues secrets) {
    String scrubbed = secrets.scrub(path(), detail);
    return scrubbed.equals(detail) ? this : new ContractException(mark, path, scrubbed);
  }

  /** Where the problem is, or {@link Mark#NONE}. */
  public Mark mark() {
    return mark == null ? Mark.NONE : mark;
  }

  /** Dotted path of the offending key ({@code services.api.ports[0]}), or empty. */
  public String path() {
    return path == null ? "" : path;
  }

  private static String format(Mark mark, String path, String message) {
    StringBuilder sb = new StringBuilder();
    if (mark != null && mark != Mark.NONE) {
      sb.append(mark).append(": ");
    }
    // Messages that already name their path (interpolation errors do) are not prefixed twice.
    if (path != null && !path.isEmpty() && !names(message, path)) {
      sb.append(path).append(": ");
    }
    return sb.append(message).toString();
  }

  /**
   * Whether {@code message} names {@code path} as a whole word: a short path such as {@code a} is
   * inside almost any message, and taking that for a mention dropped the key from the error.
   */
  private static boolean names(String message, String path) {
    if (message == null) {
      return false;
    }
    for (int at = message.indexOf(path); at >= 0; at = message.indexOf(path, at + 1)) {
      int end = at + path.length();
      if ((at == 0 || !partOfPath(message.charAt(at - 1))) && endsWord(message, end)) {
        return true;
      }
    }
    return false;
  }

  /** The end of a word, a full stop ending a sentence included. */
  private static boolean endsWord(String message, int end) {
    if (end == message.length()) {
      return true;
    }
    char c = message.charAt(end);
    if (c == '.') {
      return end + 1 == message.length() || Character.isWhitespace(message.charAt(end + 1));
    }
    return !partOfPath(c);
  }

  private static boolean partOfPath(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.' || c == '[';
  }
}
