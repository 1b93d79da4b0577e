package dev.selvedge.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The event store's contract on the real PostgreSQL of {@code scripts/test-services.sh}, in a
 * database of its own ({@code selvedge_test_<random>}) dropped afterwards.
 */
class PostgresEventStoreIT extends EventStoreContract {
  private static StoreConfig admin;
  private static StoreConfig config;
  private static String database;

  @BeforeAll
  static void createDatabase() throws SQLException {
    admin = StoreServices.requirePostgres();
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    database = "selvedge_test_" + HexFormat.of().formatHex(random);
    execute("CREATE DATABASE " + database);
    String url = admin.jdbcUrl();
    config =
        new StoreConfig(
            url.substring(0, url.lastIndexOf('/') + 1) + database, admin.user(), admin.password());
  }

  @AfterAll
  static void dropDatabase() throws SQLException {
    if (database != null) {
      execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c =
            DriverManager.getConnection(admin.jdbcUrl(), admin.user(), admin.password());
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  @Override
  protected StoreConfig config() {
    return config;
  }
}
