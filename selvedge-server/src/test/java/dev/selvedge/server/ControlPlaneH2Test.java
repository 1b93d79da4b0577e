package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.store.StoreConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/** The API contract on an H2 file store; also checks every documented answer was seen. */
class ControlPlaneH2Test extends ServerContract {
  @TempDir static Path dir;

  @Override
  protected StoreConfig storeConfig() {
    return new StoreConfig(
        "jdbc:h2:file:" + dir.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null);
  }

  /** Every status the document lists for an /api/v1 route was answered by some test. */
  @AfterAll
  static void everyDocumentedAnswerWasSeen() {
    assertThat(OpenApiCheck.unseenApiAnswers())
        .allMatch(
            s ->
                s.endsWith(" 401")
                    || s.endsWith(" 403")
                    || s.endsWith(" 429")
                    || s.endsWith(" 503"));
    assertThat(OpenApiCheck.SEEN)
        .contains(
            "GET /api/v1/fleet 401",
            "GET /api/v1/keys 403",
            "GET /api/v1/fleet 429",
            "GET /api/v1/fleet 503");
  }
}
