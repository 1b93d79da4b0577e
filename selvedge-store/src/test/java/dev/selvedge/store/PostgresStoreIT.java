package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.selvedge.SelvedgeException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract on a real PostgreSQL (from {@code scripts/test-services.sh}). Each run works
 * in a database of its own, {@code selvedge_test_<random>}, dropped afterwards, so runs never see
 * each other.
 */
class PostgresStoreIT extends StoreContract {
  private static StoreConfig config;

  @BeforeAll
  static void createDatabase() throws SQLException {
    config = StoreServices.createDatabase();
  }

  @AfterAll
  static void dropDatabase() throws SQLException {
    StoreServices.dropDatabase(config);
  }

  @Override
  protected StoreConfig config() {
    return config;
  }

  @Test
  void aWrongPasswordIsReportedWithoutIt() {
    String password = "not-the-password-" + config.jdbcUrl().hashCode();
    StoreConfig wrong = new StoreConfig(config.jdbcUrl(), config.user(), password);

    SelvedgeException e =
        catchThrowableOfType(SelvedgeException.class, () -> Stores.open(wrong, clock));

    assertThat(e.getMessage())
        .contains(config.jdbcUrl())
        .contains("SELVEDGE_STORE_PASSWORD")
        .doesNotContain(password);
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t)).doesNotContain(password);
    }
  }

  /** Beside the trigger, no grant: whoever does not own the table may not change it. */
  @Test
  void publicHasNoGrantToChangeTheAuditTableAndItsTriggersAreOn() throws SQLException {
    try (Connection c =
            DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
        Statement st = c.createStatement()) {
      for (String privilege : java.util.List.of("UPDATE", "DELETE", "TRUNCATE")) {
        try (var rs =
            st.executeQuery(
                "SELECT has_table_privilege('public', 'audit_event', '" + privilege + "')")) {
          rs.next();
          assertThat(rs.getBoolean(1)).as(privilege).isFalse();
        }
      }
      try (var rs =
          st.executeQuery(
              "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass"
                  + " AND tgenabled = 'O' ORDER BY tgname")) {
        java.util.List<String> names = new java.util.ArrayList<>();
        while (rs.next()) {
          names.add(rs.getString(1));
        }
        assertThat(names).containsExactly("audit_event_append_only", "audit_event_no_truncate");
      }
    }
  }
}
