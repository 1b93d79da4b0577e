package dev.selvedge.fleet.parity;

import java.util.Objects;

/**
 * One difference between two nodes' copies of a stack. The values are what may be shown: every
 * environment value, secret value and file content is a keyed fingerprint ({@code hmac-sha256:…}).
 *
 * @param service the service, or null for the stack as a whole (files, networks, the stack)
 * @param key what differs ({@code image}, {@code environment.LOG_LEVEL}, {@code ports[80/tcp]},
 *     {@code files[.env]}, ...; docs/parity.md)
 * @param a the value on side A, null when A has none
 * @param b the value on side B, null when B has none
 * @param expected whether a {@code parity.ignore} entry declares it meant to differ
 * @param ignoredBy which declaration ({@code contract}, {@code contract service web}, {@code node
 *     app-1}) when expected, else null
 */
public record ParityDifference(
    String service,
    ParityLayer layer,
    String key,
    String a,
    String b,
    boolean expected,
    String ignoredBy) {
  public ParityDifference {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(key, "key");
  }
}
