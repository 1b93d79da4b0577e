package dev.selvedge.contract.compose;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a string {@code command:} or {@code entrypoint:} into words the way Compose does: {@code
 * echo "a b"} becomes {@code ["echo", "a b"]}.
 *
 * <p>Rules, which follow Compose rather than POSIX where the two differ:
 *
 * <ul>
 *   <li>Space, tab, CR and LF separate words outside quotes.
 *   <li>Single quotes keep everything literally, backslashes included.
 *   <li>A backslash outside single quotes takes the next character literally and is itself dropped,
 *       inside double quotes too ({@code "a\nb"} is {@code anb}; POSIX would keep the backslash).
 *   <li>{@code ""} and {@code ''} make an empty word.
 *   <li>{@code $(...)} and back-quoted text are kept literally as part of one word, spaces
 *       included; nothing is executed or expanded, neither are {@code $VAR}s.
 *   <li>An unquoted {@code (} that does not follow {@code $}, or an unmatched {@code )}, is an
 *       error.
 *   <li>At an unquoted {@code ; & | < >} Compose stops reading and silently drops the rest; so does
 *       {@link #split}. When the operator is {@code >} and the current word starts with a digit
 *       ({@code 2>/dev/null}), that word is dropped as well. {@link #splitDetailed} reports where
 *       reading stopped so a caller can warn.
 *   <li>An unterminated quote, {@code $(}, back quote or a trailing backslash is an error.
 * </ul>
 */
public final class ShellWords {
  private ShellWords() {}

  /** The words of {@code line} and where reading stopped: -1 when the whole line was read. */
  public record Result(List<String> words, int stoppedAt) {
    public Result {
      words = List.copyOf(words);
    }
  }

  /** Splits {@code line} into words; throws {@link IllegalArgumentException} when malformed. */
  public static List<String> split(String line) {
    return splitDetailed(line).words();
  }

  /** Like {@link #split}, also telling at which character an unquoted operator stopped reading. */
  public static Result splitDetailed(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    boolean escaped = false;
    boolean single = false;
    boolean dbl = false;
    boolean backQuote = false;
    boolean dollarParen = false;
    int stoppedAt = -1;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (escaped) {
        word.append(c);
        inWord = true;
        escaped = false;
        continue;
      }
      if (c == '\\' && !single) {
        escaped = true;
        continue;
      }
      boolean literal = single || dbl || backQuote || dollarParen;
      if (isSpace(c)) {
        if (literal) {
          word.append(c);
        } else if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
        continue;
      }
      if (c == '\'' && !dbl && !dollarParen) {
        if (single && word.isEmpty()) {
          inWord = true;
        }
        single = !single;
        continue;
      }
      if (c == '"' && !single && !dollarParen) {
        if (dbl && word.isEmpty()) {
          inWord = true;
        }
        dbl = !dbl;
        continue;
      }
      if (!single && !dbl) {
        if (c == '`' && !dollarParen) {
          backQuote = !backQuote;
        } else if (c == '(' && !backQuote) {
          if (dollarParen || word.isEmpty() || word.charAt(word.length() - 1) != '$') {
            throw new IllegalArgumentException(
                "unquoted '(' at position " + (i + 1) + " in command \"" + line + "\": quote it");
          }
          dollarParen = true;
        } else if (c == ')' && !backQuote) {
          if (!dollarParen) {
            throw new IllegalArgumentException(
                "unquoted ')' at position " + (i + 1) + " in command \"" + line + "\": quote it");
          }
          dollarParen = false;
        } else if (!backQuote && !dollarParen && isOperator(c)) {
          stoppedAt = i;
          if (c == '>' && !word.isEmpty() && isDigit(word.charAt(0))) {
            inWord = false;
          }
          break;
        }
      }
      word.append(c);
      inWord = true;
    }
    if (escaped || single || dbl || backQuote || dollarParen) {
      throw new IllegalArgumentException(
          "command \"" + line + "\" ends inside a quote or after a backslash: close the quote");
    }
    if (inWord) {
      words.add(word.toString());
    }
    return new Result(words, stoppedAt);
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private static boolean isOperator(char c) {
    return c == ';' || c == '&' || c == '|' || c == '<' || c == '>';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
