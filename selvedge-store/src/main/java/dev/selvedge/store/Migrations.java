package dev.selvedge.store;

import dev.selvedge.SelvedgeException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * Brings the schema up to date with Flyway, from the vendor's own directory only ({@code
 * db/migration/h2} or {@code db/migration/postgresql}), never scanning the rest of the classpath.
 *
 * <p>A store that is already at {@link #LATEST} is not handed to Flyway at all: one indexed query
 * on Flyway's own history table answers that, while starting Flyway (plugins, validation of every
 * migration's checksum) costs a cold CLI run a few hundred milliseconds for nothing.
 */
final class Migrations {
  private Migrations() {}

  /** Flyway's bookkeeping table; named for us so a shared PostgreSQL database can host others. */
  static final String HISTORY = "selvedge_schema_history";

  /**
   * The newest migration's version, the same in every vendor's directory ({@code MigrationsTest}
   * checks it against the files).
   */
  static final String LATEST = "16";

  static void migrate(DataSource dataSource, Vendor vendor, String location) {
    if (upToDate(dataSource)) {
      return;
    }
    try {
      Flyway.configure(Migrations.class.getClassLoader())
          .dataSource(dataSource)
          .locations("classpath:" + vendor.migrations)
          .table(HISTORY)
          .failOnMissingLocations(true)
          // Like HikariCP and JDBI: through SLF4J, so the application decides (the CLI: silence).
          .loggers("slf4j")
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw new SelvedgeException(
          "store "
              + location
              + ": cannot bring its schema up to date: "
              + Db.sqlMessage(e)
              + "; if a newer Selvedge created this database, use that version",
          e);
    }
  }

  /** Whether {@link #LATEST} was applied successfully; false on a new database (no table yet). */
  static boolean upToDate(DataSource dataSource) {
    try (Connection c = dataSource.getConnection()) {
      // Ask the catalogue first: a failed query would land in H2's trace file on every new store.
      try (ResultSet tables = c.getMetaData().getTables(null, null, HISTORY, null)) {
        if (!tables.next()) {
          return false;
        }
      }
      // Flyway quotes its names (lower case) on H2; PostgreSQL folds unquoted ones to the same.
      try (PreparedStatement st =
          c.prepareStatement(
              "SELECT COUNT(*) FROM \""
                  + HISTORY
                  + "\" WHERE \"version\" = ? AND \"success\" = TRUE")) {
        st.setString(1, LATEST);
        try (ResultSet rs = st.executeQuery()) {
          return rs.next() && rs.getInt(1) > 0;
        }
      }
    } catch (SQLException e) {
      return false; // unreadable: Flyway will say what is wrong
    }
  }
}
