package dev.selvedge.port;

import java.util.Map;

/** A named volume the engine has: its name, driver and labels. */
public record VolumeSummary(String name, String driver, Map<String, String> labels) {
  public VolumeSummary {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
