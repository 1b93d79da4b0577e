package dev.selvedge.server;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.selvedge.store.StoreConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A database of its own on the PostgreSQL that scripts/test-services.sh starts, dropped afterwards.
 * Without that PostgreSQL a test class is skipped, or fails when {@code CI} is set.
 */
final class ScratchPostgres {
  private final Properties admin;
  private final String database;
  final StoreConfig config;

  private ScratchPostgres(Properties admin, String database, StoreConfig config) {
    this.admin = admin;
    this.database = database;
    this.config = config;
  }

  /** Creates a database named {@code prefix} and random hex digits. */
  static ScratchPostgres create(String prefix) throws SQLException {
    Properties admin = env();
    if (admin.getProperty("SELVEDGE_TEST_PG_URL") == null) {
      String why = "no PostgreSQL: run scripts/test-services.sh (as root) first";
      String ci = System.getenv("CI");
      if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
        fail(why);
      }
      assumeTrue(false, why);
    }
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    String database = prefix + HexFormat.of().formatHex(random);
    execute(admin, "CREATE DATABASE " + database);
    String url = admin.getProperty("SELVEDGE_TEST_PG_URL");
    return new ScratchPostgres(
        admin,
        database,
        new StoreConfig(
            url.substring(0, url.lastIndexOf('/') + 1) + database,
            admin.getProperty("SELVEDGE_TEST_PG_USER"),
            admin.getProperty("SELVEDGE_TEST_PG_PASSWORD")));
  }

  void drop() throws SQLException {
    execute(admin, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
  }

  private static void execute(Properties admin, String sql) throws SQLException {
    try (Connection c =
            DriverManager.getConnection(
                admin.getProperty("SELVEDGE_TEST_PG_URL"),
                admin.getProperty("SELVEDGE_TEST_PG_USER"),
                admin.getProperty("SELVEDGE_TEST_PG_PASSWORD"));
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static Properties env() {
    Properties p = new Properties();
    Path file = Path.of(System.getProperty("selvedge.test.env", "/var/lib/selvedge-test/env"));
    if (Files.isReadable(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return p;
  }
}
