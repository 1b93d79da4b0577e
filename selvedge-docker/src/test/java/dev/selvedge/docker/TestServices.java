package dev.selvedge.docker;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.selvedge.contract.compose.DotEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The facts {@code scripts/test-services.sh} wrote about the real services (KEY=VALUE lines in
 * {@code /var/lib/selvedge-test/env}, or the file named by {@code -Dselvedge.test.env}). Tests that
 * need them skip with a plain message when the file is absent.
 */
final class TestServices {
  static final Path DEFAULT_FILE = Path.of("/var/lib/selvedge-test/env");

  private final Map<String, String> values;

  private TestServices(Map<String, String> values) {
    this.values = values;
  }

  private static volatile boolean told;

  /** The services, or a skipped test saying how to start them (also said once on stderr). */
  static TestServices require() {
    Optional<TestServices> services = load();
    if (services.isEmpty() && !told) {
      told = true;
      System.err.println("[skip] " + absent());
    }
    assumeTrue(services.isPresent(), TestServices::absent);
    return services.get();
  }

  private static Path file() {
    return Path.of(System.getProperty("selvedge.test.env", DEFAULT_FILE.toString()));
  }

  private static String absent() {
    return "test services absent ("
        + file()
        + " missing): run scripts/test-services.sh as root, or ./test.sh, to start dockerd,"
        + " its TLS listener and sshd";
  }

  /** The services, when the file is there. */
  static Optional<TestServices> load() {
    Path file = file();
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new TestServices(DotEnv.parseLiteral(Files.readString(file), file.toString())));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
  }

  String get(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalStateException(key + " missing from the test services file");
    }
    return v;
  }

  Path path(String key) {
    return Path.of(get(key));
  }

  String image() {
    return get("SELVEDGE_TEST_IMAGE");
  }

  /**
   * The loopback registry with selvedge-test/app:good and :bad, when the services file names it.
   */
  Optional<String> registry() {
    return Optional.ofNullable(values.get("SELVEDGE_TEST_REGISTRY"));
  }

  /** Why the TLS listener is not up (a foreign dockerd may run without it); empty when it is. */
  Optional<String> tlsUnavailable() {
    return Optional.ofNullable(values.get("SELVEDGE_TEST_TLS_UNAVAILABLE"));
  }
}
