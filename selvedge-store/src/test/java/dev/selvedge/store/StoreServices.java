package dev.selvedge.store;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.selvedge.contract.compose.DotEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The PostgreSQL that {@code scripts/test-services.sh} runs, as it wrote it into {@code
 * /var/lib/selvedge-test/env} (or the file named by {@code -Dselvedge.test.env}). Absent, a test
 * skips with a plain message, except under CI (the {@code CI} variable set), where it fails: CI
 * must test PostgreSQL, not quietly pass without it.
 */
final class StoreServices {
  private StoreServices() {}

  static final String URL = "SELVEDGE_TEST_PG_URL";
  static final String USER = "SELVEDGE_TEST_PG_USER";
  static final String PASSWORD = "SELVEDGE_TEST_PG_PASSWORD";

  /** The server's maintenance database ({@code postgres}) and a role that may create databases. */
  static StoreConfig requirePostgres() {
    Path file = Path.of(System.getProperty("selvedge.test.env", "/var/lib/selvedge-test/env"));
    Map<String, String> values = read(file);
    if (values.get(URL) == null || values.get(USER) == null || values.get(PASSWORD) == null) {
      String why =
          "PostgreSQL test service absent ("
              + URL
              + " missing from "
              + file
              + "): run scripts/test-services.sh as root, or ./test.sh, to start PostgreSQL 15";
      String ci = System.getenv("CI");
      if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
        fail(why);
      }
      System.err.println("[skip] " + why);
      assumeTrue(false, why);
    }
    return new StoreConfig(values.get(URL), values.get(USER), values.get(PASSWORD));
  }

  /**
   * Creates a database of its own, {@code selvedge_test_<random hex>}, on the test PostgreSQL (see
   * {@link #requirePostgres}); {@link #dropDatabase} removes it.
   *
   * @return the new database's store configuration
   */
  static StoreConfig createDatabase() throws SQLException {
    StoreConfig admin = requirePostgres();
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    String database = "selvedge_test_" + HexFormat.of().formatHex(random);
    execute(admin, "CREATE DATABASE " + database);
    String url = admin.jdbcUrl();
    return new StoreConfig(
        url.substring(0, url.lastIndexOf('/') + 1) + database, admin.user(), admin.password());
  }

  /** Drops what {@link #createDatabase} created (null: nothing), its sessions ended. */
  static void dropDatabase(StoreConfig scratch) throws SQLException {
    if (scratch != null) {
      String url = scratch.jdbcUrl();
      execute(
          requirePostgres(),
          "DROP DATABASE IF EXISTS " + url.substring(url.lastIndexOf('/') + 1) + " WITH (FORCE)");
    }
  }

  private static void execute(StoreConfig admin, String sql) throws SQLException {
    try (Connection c =
            DriverManager.getConnection(admin.jdbcUrl(), admin.user(), admin.password());
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static Map<String, String> read(Path file) {
    if (!Files.isRegularFile(file)) {
      return Map.of();
    }
    try {
      return DotEnv.parseLiteral(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
  }
}
