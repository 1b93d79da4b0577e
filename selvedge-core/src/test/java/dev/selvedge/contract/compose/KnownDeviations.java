package dev.selvedge.contract.compose;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Conformance cases this implementation knowingly does not pass, read from {@code
 * conformance/known-deviations-<area>.txt} (lines {@code case-id<TAB>reason}). Absent file = none.
 */
final class KnownDeviations {
  private final Map<String, String> reasons;

  private KnownDeviations(Map<String, String> reasons) {
    this.reasons = reasons;
  }

  static KnownDeviations load(String area) {
    Map<String, String> reasons = new HashMap<>();
    String resource = "/conformance/known-deviations-" + area + ".txt";
    try (InputStream in = KnownDeviations.class.getResourceAsStream(resource)) {
      if (in != null) {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          int tab = line.indexOf('\t');
          if (!line.isBlank() && !line.startsWith("#") && tab > 0) {
            reasons.put(line.substring(0, tab), line.substring(tab + 1));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new KnownDeviations(reasons);
  }

  Optional<String> reason(String caseId) {
    return Optional.ofNullable(reasons.get(caseId));
  }
}
