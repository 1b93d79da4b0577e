package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
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
