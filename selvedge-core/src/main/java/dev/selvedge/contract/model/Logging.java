package dev.selvedge.contract.model;

import java.util.Map;

/** The log driver of a service and its options ({@code max-size}, {@code max-file}, ...). */
public record Logging(String driver, Map<String, String> options) {
  public Logging {
    options = options == null ? Map.of() : Maps.copy(options);
  }
}
