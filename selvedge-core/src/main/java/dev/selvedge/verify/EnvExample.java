package dev.selvedge.verify;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.compose.DotEnv;
import dev.selvedge.contract.compose.SourceFiles;
import dev.selvedge.contract.model.Project;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
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
  private static final Pattern DECLARATION =
      Pattern.compile("\\s*(?:export\\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\\s*(?:=|$)");

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
   * Reads {@code .env.example} with the same quoting and comment rules as {@code .env} ({@link
   * DotEnv#parseLiteral}) but without expansion: an example documents variables, so references such
   * as {@code ${X:?}} are kept as written and cannot fail the read; a lone {@code ${X}} is a
   * placeholder, not a committed value. A bare {@code KEY} declares the key with no value.
   *
   * @throws ContractException naming the file and line of a malformed line
   */
  public static EnvExample parse(String file, String text) {
    Objects.requireNonNull(text, "text");
    Map<String, String> values = DotEnv.parseLiteral(text, file);
    Map<String, Integer> lines = declarationLines(text);
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : values.entrySet()) {
      entries.put(e.getKey(), new Entry(e.getValue(), lines.getOrDefault(e.getKey(), 0)));
    }
    return new EnvExample(file, true, entries, sha256(text));
  }

  /** The file's name in a project directory. */
  public static final String FILE_NAME = ".env.example";

  /**
   * The project's declared variables: {@value #FILE_NAME} in its directory, read with {@link
   * #read}. Where every command (verify, drift, status, the server's poller) finds it.
   */
  public static EnvExample forProject(Project project) {
    return read(Path.of(project.workingDir()).resolve(FILE_NAME));
  }

  /**
   * Reads the file at {@code file} with {@link #parse}: the one reader of {@code .env.example} for
   * every command. {@link #absent} when there is no file.
   *
   * @throws ContractException naming the file when something is there but cannot be read (a
   *     directory, a FIFO, a link loop) or is malformed
   */
  public static EnvExample read(Path file) {
    return SourceFiles.LOCAL
        .read(file)
        .map(bytes -> parse(file.toString(), new String(bytes, StandardCharsets.UTF_8)))
        .orElseGet(() -> absent(file.toString()));
  }

  /** The line where each key is (last) declared; DotEnv keeps no positions. */
  private static Map<String, Integer> declarationLines(String text) {
    Map<String, Integer> lines = new LinkedHashMap<>();
    String[] rows = text.split("\r?\n", -1);
    for (int i = 0; i < rows.length; i++) {
      Matcher m = DECLARATION.matcher(rows[i]);
      if (m.lookingAt()) {
        lines.put(m.group(1), i + 1);
      }
    }
    return lines;
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
