package dev.selvedge.contract.model;

import java.util.Map;

/**
 * A top-level secret or config: read from {@code file}, from {@code environment} (a variable name),
 * given inline as {@code content} (configs only) or {@code external}. Selvedge never reads the
 * value.
 */
public record SecretDef(
    String name,
    String file,
    String environment,
    String content,
    boolean external,
    Map<String, String> labels) {
  public SecretDef {
    labels = Maps.copy(labels);
  }
}
