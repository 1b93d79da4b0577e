package dev.selvedge.server;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.selvedge.store.StoreConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link OperationsIT} on PostgreSQL (from scripts/test-services.sh), in a database of its own that
 * is dropped afterwards. Skips without the service, fails without it under CI.
 */
class OperationsPostgresIT extends OperationsIT {
  private static Properties admin;
  private static StoreConfig config;
  private static String database;

  @BeforeAll
  static void createDatabase() throws SQLException, IOException {
    admin = new Properties();
    Path file = Path.of(System.getProperty("selvedge.test.env", "/var/lib/selvedge-test/env"));
    if (Files.isReadable(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        admin.load(in);
      }
    }
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
    database = "selvedge_ops_" + HexFormat.of().formatHex(random);
    execute("CREATE DATABASE " + database);
    String url = admin.getProperty("SELVEDGE_TEST_PG_URL");
    config =
        new StoreConfig(
            url.substring(0, url.lastIndexOf('/') + 1) + database,
            admin.getProperty("SELVEDGE_TEST_PG_USER"),
            admin.getProperty("SELVEDGE_TEST_PG_PASSWORD"));
  }

  @AfterAll
  static void dropDatabase() throws SQLException {
    if (database != null) {
      execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c =
            DriverManager.getConnection(
                admin.getProperty("SELVEDGE_TEST_PG_URL"),
                admin.getProperty("SELVEDGE_TEST_PG_USER"),
                admin.getProperty("SELVEDGE_TEST_PG_PASSWORD"));
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  @Override
  protected StoreConfig storeConfig() {
    return config;
  }
}
