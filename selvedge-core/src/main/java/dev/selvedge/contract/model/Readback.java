package dev.selvedge.contract.model;

import java.time.Duration;
import java.util.Map;

/**
 * Application readback of a service: URLs to read and the JSON values expected there ({@code
 * expect} keys are dotted paths into the JSON answer). {@code owner} marks a dependency owned by
 * someone else: when unreachable it is blocked, not failed.
 */
public record Readback(
    String health, String version, Map<String, String> expect, Duration timeout, String owner) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  public Readback {
    expect = Maps.copy(expect);
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
  }
}
