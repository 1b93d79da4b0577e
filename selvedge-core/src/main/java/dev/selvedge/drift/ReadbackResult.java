package dev.selvedge.drift;

import dev.selvedge.port.ProbeResult;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/** What one readback URL of a service answered. */
public record ReadbackResult(String service, Endpoint endpoint, URI uri, ProbeResult result) {
  public ReadbackResult {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(result, "result");
  }

  /** Which of the two readback URLs of {@code x-selvedge.readback}. */
  public enum Endpoint {
    HEALTH,
    VERSION;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
