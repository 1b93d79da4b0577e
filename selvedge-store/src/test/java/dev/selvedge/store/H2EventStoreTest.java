package dev.selvedge.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The event store's contract on an H2 file database. */
class H2EventStoreTest extends EventStoreContract {
  @TempDir Path dir;

  @Override
  protected StoreConfig config() {
    return new StoreConfig(
        "jdbc:h2:file:" + dir.resolve("store/selvedge") + StoreConfig.H2_SETTINGS, null, null);
  }
}
