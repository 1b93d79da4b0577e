package dev.selvedge.store;

import dev.selvedge.SelvedgeException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * Brings the schema up to date with Flyway, from the vendor's own directory only ({@code
 * db/migration/h2} or {@code db/migration/postgresql}), never scanning the rest of the classpath.
 */
final class Migrations {
  private Migrations() {}

  /** Flyway's bookkeeping table; named for us so a shared PostgreSQL database can host others. */
  static final String HISTORY = "selvedge_schema_history";

  static void migrate(DataSource dataSource, Vendor vendor, String location) {
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
}
