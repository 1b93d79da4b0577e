package dev.selvedge.verify;

import dev.selvedge.contract.model.Severity;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the caller adds to the project's policy: severity overrides by rule id (CLI {@code --rule
 * id=severity}; they win over {@code x-selvedge.policy.rules}) and the failing threshold ({@code
 * null} = the policy's {@code fail-on}, which defaults to error).
 */
public record VerifyOptions(Map<String, Severity> overrides, Severity failOn) {
  public static final VerifyOptions DEFAULTS = new VerifyOptions(Map.of(), null);

  public VerifyOptions {
    overrides =
        overrides == null || overrides.isEmpty()
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(overrides));
    if (failOn == Severity.OFF) {
      throw new IllegalArgumentException("fail-on must be note, warning or error, not off");
    }
  }

  public VerifyOptions withOverride(String rule, Severity severity) {
    Map<String, Severity> m = new LinkedHashMap<>(overrides);
    m.put(rule, severity);
    return new VerifyOptions(m, failOn);
  }

  public VerifyOptions withFailOn(Severity s) {
    return new VerifyOptions(overrides, s);
  }
}
