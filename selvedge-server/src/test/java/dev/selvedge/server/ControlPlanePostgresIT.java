package dev.selvedge.server;

import dev.selvedge.store.StoreConfig;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The API contract on PostgreSQL (from scripts/test-services.sh), in a database of its own that is
 * dropped afterwards. Skips without the service, fails without it under CI.
 */
class ControlPlanePostgresIT extends ServerContract {
  private static ScratchPostgres database;

  @BeforeAll
  static void createDatabase() throws SQLException {
    database = ScratchPostgres.create("selvedge_srv_");
  }

  @AfterAll
  static void dropDatabase() throws SQLException {
    if (database != null) {
      database.drop();
    }
  }

  @Override
  protected StoreConfig storeConfig() {
    return database.config;
  }
}
