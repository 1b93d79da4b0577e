package dev.selvedge.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The shared test data beside the repository ({@code ../shared}): Compose conformance cases and the
 * real-world corpus. Tests that need it are skipped, saying so plainly, when it is absent; in CI
 * (environment variable {@code CI} set) or with {@code -Dselvedge.shared.required=true} they fail
 * instead, so a missing checkout cannot pass as green.
 */
public final class SharedData {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SharedData() {}

  /**
   * The shared directory; when it is missing, skips the calling test with a clear message, or fails
   * it when the data is required (see the class comment).
   */
  public static Path dir() {
    String configured = System.getProperty("selvedge.shared");
    Path p = configured != null ? Path.of(configured) : Path.of("..", "..", "shared");
    if (Files.isDirectory(p.resolve("conformance"))) {
      return p;
    }
    String where = p.toAbsolutePath().normalize().toString();
    if (required()) {
      throw new IllegalStateException(
          "shared test data is absent at "
              + where
              + " but is required here (CI is set or -Dselvedge.shared.required=true): check out"
              + " the shared directory beside the repository or point -Dselvedge.shared at it");
    }
    System.err.println(
        "shared test data is absent at " + where + ": conformance and corpus tests are SKIPPED");
    assumeTrue(false, "shared test data is absent at " + where);
    return p;
  }

  private static boolean required() {
    String ci = System.getenv("CI");
    return (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false"))
        || Boolean.getBoolean("selvedge.shared.required");
  }

  /** The real-world Compose corpus. */
  public static Path corpus() {
    return dir().resolve("corpus");
  }

  /** Every Compose file of the corpus ({@code .yaml} or {@code .yml}), in path order. */
  public static List<Path> corpusFiles() {
    try (Stream<Path> walk = Files.walk(corpus())) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
