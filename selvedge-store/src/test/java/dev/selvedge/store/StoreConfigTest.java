package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.selvedge.SelvedgeException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreConfigTest {
  private static final String SECRET = "s3cr3t-Pa55";

  @Test
  void theUrlVariablesWin() {
    StoreConfig c =
        StoreConfig.defaults(
            Map.of(
                "SELVEDGE_STORE_URL", "jdbc:postgresql://db:5432/selvedge",
                "SELVEDGE_STORE_USER", "selvedge",
                "SELVEDGE_STORE_PASSWORD", SECRET,
                "SELVEDGE_HOME", "/srv/selvedge"));
    assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/selvedge");
    assertThat(c.user()).isEqualTo("selvedge");
    assertThat(c.password()).isEqualTo(SECRET);
  }

  @Test
  void selvedgeHomeHoldsTheDefaultH2File() {
    StoreConfig c = StoreConfig.defaults(Map.of("SELVEDGE_HOME", "/srv/selvedge"));
    assertThat(c.jdbcUrl())
        .isEqualTo("jdbc:h2:file:/srv/selvedge/store/selvedge;AUTO_SERVER=TRUE;WRITE_DELAY=0");
    assertThat(c.user()).isNull();
    assertThat(c.password()).isNull();
  }

  @Test
  void otherwiseTheXdgDataDirectory() {
    assertThat(
            StoreConfig.defaults(Map.of("XDG_DATA_HOME", "/x/data", "HOME", "/home/ana")).jdbcUrl())
        .isEqualTo("jdbc:h2:file:/x/data/selvedge/store/selvedge;AUTO_SERVER=TRUE;WRITE_DELAY=0");
    assertThat(
            StoreConfig.defaults(Map.of("HOME", "/home/ana", "SELVEDGE_STORE_URL", " ")).jdbcUrl())
        .isEqualTo(
            "jdbc:h2:file:/home/ana/.local/share/selvedge/store/selvedge;AUTO_SERVER=TRUE;WRITE_DELAY=0");
  }

  @Test
  void defaultsCreateNothing(@TempDir Path dir) {
    StoreConfig.defaults(Map.of("SELVEDGE_HOME", dir.resolve("home").toString()));
    assertThat(dir.resolve("home")).doesNotExist();
  }

  @Test
  void openingTheDefaultStoreCreatesItsDirectory(@TempDir Path dir) {
    try (var store = Stores.open(StoreConfig.defaults(Map.of("SELVEDGE_HOME", dir.toString())))) {
      assertThat(dir.resolve("store/selvedge.mv.db")).isRegularFile();
      assertThat(store.location())
          .isEqualTo("jdbc:h2:file:" + dir + "/store/selvedge;AUTO_SERVER=TRUE;WRITE_DELAY=0");
    }
  }

  @Test
  void toStringNeverShowsThePassword() {
    StoreConfig c = new StoreConfig("jdbc:postgresql://db/selvedge", "selvedge", SECRET);
    assertThat(c.toString()).doesNotContain(SECRET).contains("****").contains("selvedge");
    assertThat(new StoreConfig("jdbc:h2:mem:x", null, null).toString()).contains("password=none");
  }

  @Test
  void credentialsInTheUrlAreHiddenToo() {
    assertThat(
            new StoreConfig(
                    "jdbc:postgresql://db:5432/selvedge?user=ana&password=" + SECRET + "&ssl=true",
                    null,
                    null)
                .location())
        .isEqualTo("jdbc:postgresql://db:5432/selvedge?ssl=true");
    assertThat(
            new StoreConfig("jdbc:postgresql://db/s?ssl=true&password=" + SECRET, null, null)
                .toString())
        .doesNotContain(SECRET)
        .contains("jdbc:postgresql://db/s?ssl=true");
    assertThat(
            new StoreConfig(
                    "jdbc:h2:file:/d/s;USER=sa;PASSWORD=" + SECRET + ";AUTO_SERVER=TRUE",
                    null,
                    null)
                .location())
        .isEqualTo("jdbc:h2:file:/d/s;AUTO_SERVER=TRUE");
  }

  @Test
  void aUrlIsRequired() {
    assertThatThrownBy(() -> new StoreConfig(" ", null, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void otherDatabasesAreRefusedClearly() {
    assertThatThrownBy(
            () -> Stores.open(new StoreConfig("jdbc:mysql://db/selvedge", "root", SECRET)))
        .isInstanceOf(SelvedgeException.class)
        .hasMessageContaining("jdbc:mysql://db/selvedge")
        .hasMessageContaining("jdbc:h2:file:")
        .hasMessageContaining("jdbc:postgresql://")
        .hasMessageContaining("SELVEDGE_STORE_URL")
        .message()
        .doesNotContain(SECRET);
  }

  @Test
  void anUnreachableDatabaseIsNamedWithoutThePassword() {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    String url = "jdbc:postgresql://127.0.0.1:1/selvedge?password=" + SECRET;
    SelvedgeException e =
        catchThrowableOfType(
            SelvedgeException.class, () -> Stores.open(new StoreConfig(url, "ana", SECRET)));

    assertThat(e.getMessage())
        .contains("jdbc:postgresql://127.0.0.1:1/selvedge")
        .contains("SELVEDGE_STORE_URL")
        .doesNotContain(SECRET);
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t)).doesNotContain(SECRET);
    }
  }
}
