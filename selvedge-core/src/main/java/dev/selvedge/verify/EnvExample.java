package dev.selvedge.verify;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.yaml.Mark;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The variables a repository declares in its {@code .env.example}: each key with its example value
 * and line. An absent file ({@link #absent}) declares nothing. {@code toString} never shows values,
 * since this file may hold committed secrets.
 *
 * @param file the path as it should appear in findings (usually absolute; made relative on output)
 * @param present whether the file exists
 * @param entries declared keys in file order
 * @param sha256 hex SHA-256 of the file's bytes, null when absent
 */
public record EnvExample(String file, boolean present, Map<String, Entry> entries, String sha256) {
  private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");

  public EnvExample {
    file = file == null ? ".env.example" : file;
    entries =
        entries == null || entries.isEmpty()
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    if (!present && !entries.isEmpty()) {
      throw new IllegalArgumentException("an absent .env.example declares no keys");
    }
  }

  /** A declared key: its example value (empty when none) and 1-based line. */
  public record Entry(String value, int line) {
    public Entry {
      value = value == null ? "" : value;
    }

    @Override
    public String toString() {
      return "Entry[line=" + line + ", value=<redacted>]";
    }
  }

  /** No {@code .env.example} at {@code file}. */
  public static EnvExample absent(String file) {
    return new EnvExample(file, false, Map.of(), null);
  }

  /** A file with the given keys and values, numbered from line 1 in order (for tests and tools). */
  public static EnvExample of(String file, Map<String, String> values) {
    Map<String, Entry> entries = new LinkedHashMap<>();
    int line = 1;
    for (Map.Entry<String, String> e : values.entrySet()) {
      entries.put(e.getKey(), new Entry(e.getValue(), line++));
    }
    return new EnvExample(file, true, entries, null);
  }

  /**
   * Reads dotenv text: {@code KEY=value}, optional {@code export }, {@code #} comments, single or
   * double quoted values, a bare {@code KEY} declares the key with no value. A later duplicate key
   * wins, as in Compose.
   *
   * @throws ContractException naming the file and line of a line that is not a declaration
   */
  public static EnvExample parse(String file, String text) {
    Objects.requireNonNull(text, "text");
    Map<String, Entry> entries = new LinkedHashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNo = i + 1;
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring("export ".length()).stripLeading();
      }
      int eq = line.indexOf('=');
      String key = (eq < 0 ? line : line.substring(0, eq)).strip();
      if (!KEY.matcher(key).matches()) {
        throw new ContractException(
            new Mark(file, lineNo, 1),
            "",
            "'"
                + key
                + "' is not a variable name; write KEY=value (letters, digits, '_', '.', '-')");
      }
      String value = eq < 0 ? "" : value(line.substring(eq + 1), file, lineNo);
      entries.remove(key);
      entries.put(key, new Entry(value, lineNo));
    }
    return new EnvExample(file, true, entries, sha256(text));
  }

  private static String value(String raw, String file, int lineNo) {
    String v = raw.strip();
    if (!v.isEmpty() && (v.charAt(0) == '"' || v.charAt(0) == '\'')) {
      char q = v.charAt(0);
      int close = v.indexOf(q, 1);
      if (close < 0) {
        throw new ContractException(
            new Mark(file, lineNo, 1), "", "the quoted value is not closed; add the closing " + q);
      }
      return v.substring(1, close);
    }
    int comment = v.indexOf(" #");
    return (comment < 0 ? v : v.substring(0, comment)).strip();
  }

  private static String sha256(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  public boolean declares(String key) {
    return entries.containsKey(key);
  }

  @Override
  public String toString() {
    return "EnvExample[file=" + file + ", present=" + present + ", keys=" + entries.keySet() + "]";
  }
}
