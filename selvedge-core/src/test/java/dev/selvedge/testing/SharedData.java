package dev.selvedge.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared test data beside the repository ({@code ../shared}): Compose conformance cases and the
 * real-world corpus. Tests that need it are skipped, saying so plainly, when it is absent.
 */
public final class SharedData {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SharedData() {}

  /** The shared directory; skips the calling test with a clear message when it is missing. */
  public static Path dir() {
    String configured = System.getProperty("selvedge.shared");
    Path p = configured != null ? Path.of(configured) : Path.of("..", "..", "shared");
    boolean present = Files.isDirectory(p.resolve("conformance"));
    if (!present) {
      System.err.println(
          "shared test data is absent at "
              + p.toAbsolutePath().normalize()
              + ": conformance and corpus tests are SKIPPED");
    }
    assumeTrue(present, "shared test data is absent at " + p.toAbsolutePath().normalize());
    return p;
  }

  public static Path conformance(String file) {
    return dir().resolve("conformance").resolve(file);
  }

  public static JsonNode conformanceJson(String file) {
    try {
      return JSON.readTree(Files.readString(conformance(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
