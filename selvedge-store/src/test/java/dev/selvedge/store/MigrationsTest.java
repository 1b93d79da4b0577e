package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.DeploymentStore;
import dev.selvedge.port.Store;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationsTest {

  private static List<String> files(Vendor vendor) throws IOException, URISyntaxException {
    Path dir =
        Path.of(MigrationsTest.class.getClassLoader().getResource(vendor.migrations).toURI());
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static String version(String file) {
    return file.substring(1, file.indexOf("__"));
  }

  @Test
  void upToDateOnlyOnceMigrated(@TempDir Path dir) {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + dir.resolve("db"));
    assertThat(Migrations.upToDate(ds)).isFalse();
    Migrations.migrate(ds, Vendor.H2, "test");
    assertThat(Migrations.upToDate(ds)).isTrue();
  }

  @Test
  void aStoreOfVersionFourKeepsItsEndpointRowsUntilAnEngineIsSeenThroughTheEndpoint(
      @TempDir Path dir) throws Exception {
    String url = "jdbc:h2:file:" + dir.resolve("store/selvedge") + StoreConfig.H2_SETTINGS;
    String endpoint = "unix:///var/run/docker.sock";
    // A store as the previous version left it: schema 4, rows keyed by the endpoint string.
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(url);
    Flyway.configure(Migrations.class.getClassLoader())
        .dataSource(ds)
        .locations("classpath:" + Vendor.H2.migrations)
        .table(Migrations.HISTORY)
        .target("4")
        .load()
        .migrate();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.executeUpdate(
          "INSERT INTO deployment (host, project, kind, outcome, forced, images,"
              + " env_fingerprints, summary, started_at) VALUES ('"
              + endpoint
              + "', 'shop', 'APPLY', 'HEALTHY', FALSE, '[]', '{}', 'old', CURRENT_TIMESTAMP)");
      st.executeUpdate(
          "INSERT INTO audit_event (at, actor, action, host, project, outcome) VALUES"
              + " (CURRENT_TIMESTAMP, 'ana', 'restart', '"
              + endpoint
              + "', 'shop', 'done')");
    }

    try (Store store = Stores.open(new StoreConfig(url, null, null))) {
      assertThat(Migrations.upToDate(ds)).isTrue();
      // Migrated, not yet adopted: an engine was never asked.
      assertThat(store.deployments().history(endpoint, "shop", 10)).hasSize(1);
      assertThat(store.deployments().adopt(endpoint, "docker-daemon:X"))
          .isEqualTo(new DeploymentStore.Adopted(1, 1));
      assertThat(store.deployments().history("docker-daemon:X", "shop", 10))
          .singleElement()
          .satisfies(d -> assertThat(d.summary()).isEqualTo("old"));
      assertThat(store.audit().recent("docker-daemon:X", "shop", 10)).hasSize(1);
    }
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT identity, adopted_deployments, adopted_audit FROM engine_alias")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("docker-daemon:X");
      assertThat(rs.getInt(2)).isEqualTo(1);
      assertThat(rs.getInt(3)).isEqualTo(1);
      assertThat(rs.next()).isFalse();
    }
  }

  @Test
  void everyVendorHasTheSameMigrations() throws Exception {
    assertThat(files(Vendor.POSTGRESQL)).isEqualTo(files(Vendor.H2)).isNotEmpty();
  }

  @Test
  void latestIsTheNewestMigration() throws Exception {
    for (Vendor vendor : Vendor.values()) {
      String newest =
          files(vendor).stream()
              .map(MigrationsTest::version)
              .max(Comparator.comparing(v -> Integer.parseInt(v)))
              .orElseThrow();
      assertThat(Migrations.LATEST).as(vendor.name()).isEqualTo(newest);
    }
  }
}
