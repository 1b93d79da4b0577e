package dev.selvedge.port;

import java.util.Map;

/** A network the engine has: its id, engine name, driver and labels. */
public record NetworkSummary(String id, String name, String driver, Map<String, String> labels) {
  public NetworkSummary {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
