package dev.selvedge.contract.compose;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.yaml.Mark;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Reads {@code .env} files the way Compose does.
 *
 * <pre>
 * # comment                      blank lines and comment lines are skipped
 * export NAME=value              "export " is optional; ":" may stand for "="
 * NAME = unquoted value # note   trimmed; " #" starts a comment; $VAR and ${VAR...} expand
 * NAME="a\tb $VAR"               escapes \n \t \r \a \b \f \v \\ \" \$ \0NNN; expands
 * NAME='literal $VAR'            no escapes but \', no expansion; quotes may span lines
 * NAME                           value taken from the lookup, or left out if it is unset
 * </pre>
 *
 * Expansion asks the lookup first, then the keys read before in the same map. A UTF-8 byte order
 * mark is skipped and CRLF line ends are read as LF.
 *
 * <p>Errors name the file, line and key but never show any value text, since {@code .env} files
 * hold secrets.
 */
public final class DotEnv {
  private DotEnv() {}

  /** Parses {@code content}; {@code fileName} is used in error marks only. */
  public static LinkedHashMap<String, String> parse(
      String content, String fileName, Function<String, String> lookup) {
    LinkedHashMap<String, String> env = new LinkedHashMap<>();
    parseInto(env, content, fileName, lookup);
    return env;
  }

  /**
   * Parses {@code content} with the same quoting, escape, {@code export} and comment rules as
   * {@link #parse}, but expands nothing: {@code $X} and {@code ${...}} stay as written (an escaped
   * {@code \$} is read as {@code $}), and a bare {@code NAME} is kept with an empty value. For
   * files that are read as documentation, such as {@code .env.example}.
   */
  public static LinkedHashMap<String, String> parseLiteral(String content, String fileName) {
    LinkedHashMap<String, String> env = new LinkedHashMap<>();
    new Parser(content, fileName, env, null).run();
    return env;
  }

  /**
   * Parses {@code content} into {@code env}, which earlier files may have filled: their keys are
   * visible to expansion (after the lookup) and are overwritten by keys set again here.
   */
  public static void parseInto(
      Map<String, String> env, String content, String fileName, Function<String, String> lookup) {
    Objects.requireNonNull(lookup, "lookup");
    new Parser(content, fileName, env, lookup).run();
  }

  /**
   * Reads one file like {@link #parse}, then drops keys starting with a digit, which cannot be
   * environment variable names.
   *
   * @throws ContractException naming the file when it is missing, unreadable or malformed
   */
  public static LinkedHashMap<String, String> read(Path file, Function<String, String> lookup) {
    return read(readFile(file), file.toString(), lookup);
  }

  /** {@link #read(Path, Function)} of content already read (from a remote host, say). */
  public static LinkedHashMap<String, String> read(
      String content, String fileName, Function<String, String> lookup) {
    LinkedHashMap<String, String> env = parse(content, fileName, lookup);
    env.keySet().removeIf(k -> !k.isEmpty() && k.charAt(0) >= '0' && k.charAt(0) <= '9');
    return env;
  }

  /**
   * Reads several files in order into one map, as Compose does for a service's {@code env_file}
   * list: later files override earlier keys and may expand them. Keys are kept as written.
   */
  public static LinkedHashMap<String, String> readAll(
      List<Path> files, Function<String, String> lookup) {
    LinkedHashMap<String, String> env = new LinkedHashMap<>();
    for (Path file : files) {
      parseInto(env, readFile(file), file.toString(), lookup);
    }
    return env;
  }

  private static String readFile(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ContractException(
          Mark.of(file.toString()),
          "",
          "env file not found; create it or correct the path that names it",
          e);
    } catch (IOException e) {
      throw new ContractException(
          Mark.of(file.toString()),
          "",
          "cannot read env file (" + e + "); it must be a readable UTF-8 text file",
          e);
    }
  }

  private static final class Parser {
    private final String text;
    private final String file;
    private final Map<String, String> env;

    /** Null in literal mode: nothing is looked up or expanded. */
    private final Function<String, String> lookup;

    private final Function<String, String> expansionLookup;
    private final int n;
    private int pos;
    private int line = 1;
    private int lineStart;

    Parser(String content, String file, Map<String, String> env, Function<String, String> lookup) {
      String t = content;
      if (!t.isEmpty() && t.charAt(0) == '\uFEFF') {
        t = t.substring(1);
      }
      if (t.indexOf('\r') >= 0) {
        t = t.replace("\r\n", "\n");
      }
      this.text = t;
      this.n = t.length();
      this.file = file;
      this.env = env;
      this.lookup = lookup;
      this.expansionLookup =
          lookup == null
              ? null
              : name -> {
                String v = lookup.apply(name);
                return v != null ? v : env.get(name);
              };
    }

    void run() {
      while (pos < n) {
        skipBlanks();
        if (pos >= n) {
          return;
        }
        char c = text.charAt(pos);
        if (c == '\n') {
          newline(pos);
          pos++;
        } else if (c == '#') {
          pos = endOfLine(pos);
        } else {
          statement();
        }
      }
    }

    private void statement() {
      skipExport();
      int keyStart = pos;
      while (pos < n) {
        char c = text.charAt(pos);
        if (c == '=' || c == ':' || c == '\n' || isBlank(c)) {
          break;
        }
        int cp = text.codePointAt(pos);
        if (!isKeyChar(cp)) {
          throw error(
              pos,
              keyText(keyStart),
              "unexpected character \""
                  + Character.toString(cp)
                  + "\" in variable name \""
                  + keyText(keyStart)
                  + "\"; names may hold letters, digits, _ . - [ ] (line not shown)");
        }
        pos += Character.charCount(cp);
      }
      String key = text.substring(keyStart, pos);
      int keyEnd = pos;
      skipBlanks();
      char c = pos < n ? text.charAt(pos) : '\n';
      if (c == '\n' || c == '#') {
        pos = endOfLine(pos);
        String inherited = lookup == null ? "" : lookup.apply(key);
        if (inherited != null) {
          env.put(key, inherited);
        }
      } else if (c == '=' || c == ':') {
        pos++;
        env.put(key, value(key));
      } else {
        throw error(
            keyEnd,
            key,
            "key cannot contain a space (after \""
                + key
                + "\"; rest of line not shown); write KEY=VALUE, quoting values that hold"
                + " spaces");
      }
    }

    /** Skips an {@code export} keyword, unless it is itself the key ({@code export=1}). */
    private void skipExport() {
      if (!text.startsWith("export", pos) || pos + 6 >= n || !isBlank(text.charAt(pos + 6))) {
        return;
      }
      int p = pos + 6;
      while (p < n && isBlank(text.charAt(p))) {
        p++;
      }
      if (p < n && "\n=:#".indexOf(text.charAt(p)) < 0) {
        pos = p;
      }
    }

    private String value(String key) {
      skipBlanks();
      int start = pos;
      int valueLine = line;
      int valueCol = start - lineStart + 1;
      char q = start < n ? text.charAt(start) : '\n';
      if (q == '"' || q == '\'') {
        int close = closingQuote(start, q);
        String body = text.substring(start + 1, close);
        // Anything after the closing quote on its line is ignored, as Compose does.
        pos = endOfLine(close + 1);
        if (q == '\'') {
          return body.replace("\\'", "'");
        }
        return expand(unescape(body, lookup == null ? "$" : "$$"), key, valueLine, valueCol);
      }
      int eol = endOfLine(start);
      int cut = eol;
      for (int i = start; i < eol; i++) {
        if (text.charAt(i) == '#' && isBlank(text.charAt(i - 1))) {
          cut = i;
          break;
        }
      }
      pos = eol;
      return expand(text.substring(start, cut).stripTrailing(), key, valueLine, valueCol);
    }

    /** Index of the quote closing the one at {@code open}; counts lines on the way. */
    private int closingQuote(int open, char q) {
      int i = open + 1;
      while (i < n) {
        char c = text.charAt(i);
        if (c == q) {
          return i;
        }
        if (c == '\\' && i + 1 < n && (q == '"' || text.charAt(i + 1) == '\'')) {
          i++;
        }
        if (text.charAt(i) == '\n') {
          newline(i);
        }
        i++;
      }
      throw new ContractException(
          new Mark(file, lineOf(open), colOf(open)),
          "",
          "unterminated quoted value: the "
              + (q == '"' ? "double" : "single")
              + " quote opened here is never closed");
    }

    /**
     * Resolves the escapes of a double-quoted value into a template: a {@code $} written as {@code
     * \$} becomes {@code dollar} ({@code $$} when expanding, so expansion leaves it literal).
     */
    private static String unescape(String body, String dollar) {
      if (body.indexOf('\\') < 0) {
        return body;
      }
      StringBuilder out = new StringBuilder(body.length());
      int len = body.length();
      for (int i = 0; i < len; i++) {
        char c = body.charAt(i);
        if (c != '\\' || i + 1 >= len) {
          out.append(c);
          continue;
        }
        char e = body.charAt(++i);
        switch (e) {
          case 'a' -> out.append('\u0007');
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'v' -> out.append('\u000b');
          case '\\' -> out.append('\\');
          case '"' -> out.append('"');
          case '$' -> out.append(dollar);
          case '0' -> {
            int code = 0;
            int digits = 0;
            while (digits < 3
                && i + 1 < len
                && body.charAt(i + 1) >= '0'
                && body.charAt(i + 1) <= '7') {
              code = code * 8 + (body.charAt(++i) - '0');
              digits++;
            }
            out.append(code == '$' ? dollar : String.valueOf((char) code));
          }
          default -> out.append('\\').append(e);
        }
      }
      return out.toString();
    }

    private String expand(String template, String key, int valueLine, int valueCol) {
      if (expansionLookup == null) {
        return template;
      }
      try {
        return Template.substitute(template, expansionLookup, Template.IGNORE);
      } catch (InterpolationException e) {
        // The exception's message quotes the value, which may be a secret; it is not passed on,
        // and neither is the exception as a cause.
        String message =
            switch (e.kind()) {
              case INVALID_TEMPLATE ->
                  "invalid ${...} in the value of "
                      + key
                      + " (value not shown); write $$ for a literal $";
              case MISSING_REQUIRED ->
                  "required variable "
                      + e.variable()
                      + " is missing a value"
                      + (e.reason().isEmpty() ? "" : ": " + e.reason())
                      + " (needed by the value of "
                      + key
                      + ")";
            };
        throw new ContractException(new Mark(file, valueLine, valueCol), key, message);
      }
    }

    private ContractException error(int at, String key, String message) {
      return new ContractException(new Mark(file, line, at - lineStart + 1), key, message);
    }

    /**
     * The would-be key of the statement at {@code from}: up to the first blank, {@code =}, {@code
     * :} or line end. Errors show only this, never the value after it.
     */
    private String keyText(int from) {
      int i = from;
      while (i < n) {
        char c = text.charAt(i);
        if (c == '=' || c == ':' || c == '\n' || isBlank(c)) {
          break;
        }
        i++;
      }
      return text.substring(from, i);
    }

    private void skipBlanks() {
      while (pos < n && isBlank(text.charAt(pos))) {
        pos++;
      }
    }

    private int endOfLine(int from) {
      int eol = text.indexOf('\n', Math.min(from, n));
      return eol < 0 ? n : eol;
    }

    private void newline(int at) {
      line++;
      lineStart = at + 1;
    }

    // Quoted values may span lines, so an opening quote's position is computed when needed.
    private int lineOf(int at) {
      int l = 1;
      for (int i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) {
        l++;
      }
      return l;
    }

    private int colOf(int at) {
      return at - (text.lastIndexOf('\n', at - 1) + 1) + 1;
    }

    private static boolean isBlank(char c) {
      return c == ' ' || c == '\t' || c == '\f' || c == '\u000b' || c == '\r';
    }

    private static boolean isKeyChar(int cp) {
      return Character.isLetterOrDigit(cp)
          || cp == '_'
          || cp == '.'
          || cp == '-'
          || cp == '['
          || cp == ']';
    }
  }
}
