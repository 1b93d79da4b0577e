package dev.selvedge.docker;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

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

  /** The services, or a skipped test saying how to start them. */
  static TestServices require() {
    Path file = Path.of(System.getProperty("selvedge.test.env", DEFAULT_FILE.toString()));
    assumeTrue(
        Files.isRegularFile(file),
        "test services absent ("
            + file
            + " missing): run scripts/test-services.sh as root, or ./test.sh, to start dockerd,"
            + " its TLS listener and sshd");
    Map<String, String> values = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        int eq = line.indexOf('=');
        if (eq > 0 && !line.startsWith("#")) {
          values.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
    return new TestServices(values);
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

  /** Skips unless the TLS listener is up (a foreign dockerd may run without it). */
  void requireTls() {
    String why = values.get("SELVEDGE_TEST_TLS_UNAVAILABLE");
    assumeTrue(why == null, "TLS engine tests skipped: " + why);
  }
}
