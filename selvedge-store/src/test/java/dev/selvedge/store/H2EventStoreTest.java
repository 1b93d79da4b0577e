package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.Store;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event store's contract on an H2 file database. */
class H2EventStoreTest extends EventStoreContract {
  @TempDir Path dir;

  @Override
  protected StoreConfig config() {
    return new StoreConfig(
        "jdbc:h2:file:" + dir.resolve("store/selvedge") + StoreConfig.H2_SETTINGS, null, null);
  }

  /** One server per H2 file: its hub hands its own events out; there is nothing to watch. */
  @Test
  void anH2StoreHasNoWatch() {
    try (Store store = Stores.open(config())) {
      assertThat(store.events().watch()).isEmpty();
    }
  }
}
