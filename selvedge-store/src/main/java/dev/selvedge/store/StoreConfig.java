package dev.selvedge.store;

import java.nio.file.Path;
import java.util.Map;

/**
 * How to reach the store: a JDBC URL ({@code jdbc:h2:...} or {@code jdbc:postgresql:...}) and, for
 * PostgreSQL, a user and password. {@link #toString()} never shows the password, nor credentials
 * written into the URL.
 *
 * @param user null or empty for none
 * @param password null or empty for none
 */
public record StoreConfig(String jdbcUrl, String user, String password) {

  static final String URL_VAR = "SELVEDGE_STORE_URL";
  static final String USER_VAR = "SELVEDGE_STORE_USER";
  static final String PASSWORD_VAR = "SELVEDGE_STORE_PASSWORD";

  /**
   * Shared between processes ({@code AUTO_SERVER}: H2 serves the file to other processes over
   * loopback while one has it open, see {@link H2Files}), and every commit written to the file at
   * once ({@code WRITE_DELAY=0}): by default H2 keeps up to a second of commits in memory, and a
   * lease or deployment lost with a killed process would let the next operation in too early.
   */
  static final String H2_SETTINGS = ";AUTO_SERVER=TRUE;WRITE_DELAY=0";

  public StoreConfig {
    if (jdbcUrl == null || jdbcUrl.isBlank()) {
      throw new IllegalArgumentException("a store needs a JDBC URL");
    }
    jdbcUrl = jdbcUrl.strip();
    user = user == null || user.isEmpty() ? null : user;
    password = password == null || password.isEmpty() ? null : password;
  }

  /**
   * The store named by {@code SELVEDGE_STORE_URL} (with {@code SELVEDGE_STORE_USER} and {@code
   * SELVEDGE_STORE_PASSWORD}), else an H2 file database at {@code $SELVEDGE_HOME/store/selvedge},
   * else at {@code ${XDG_DATA_HOME:-~/.local/share}/selvedge/store/selvedge}. Creates nothing:
   * {@link Stores#open} makes the directory.
   */
  public static StoreConfig defaults(Map<String, String> env) {
    String url = nonBlank(env.get(URL_VAR));
    if (url != null) {
      return new StoreConfig(url, env.get(USER_VAR), env.get(PASSWORD_VAR));
    }
    return new StoreConfig(
        "jdbc:h2:file:" + defaultH2Base(env) + H2_SETTINGS,
        env.get(USER_VAR),
        env.get(PASSWORD_VAR));
  }

  private static Path defaultH2Base(Map<String, String> env) {
    String selvedgeHome = nonBlank(env.get("SELVEDGE_HOME"));
    if (selvedgeHome != null) {
      return Path.of(selvedgeHome, "store", "selvedge").toAbsolutePath();
    }
    String xdg = nonBlank(env.get("XDG_DATA_HOME"));
    Path data;
    if (xdg != null) {
      data = Path.of(xdg);
    } else {
      String home = nonBlank(env.get("HOME"));
      data = Path.of(home != null ? home : System.getProperty("user.home"), ".local", "share");
    }
    return data.resolve("selvedge").resolve("store").resolve("selvedge").toAbsolutePath();
  }

  private static String nonBlank(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** The URL without credentials, for messages. */
  public String location() {
    return JdbcUrls.withoutCredentials(jdbcUrl);
  }

  @Override
  public String toString() {
    return "StoreConfig[url="
        + location()
        + ", user="
        + user
        + ", password="
        + (password == null ? "none" : "****")
        + "]";
  }
}
