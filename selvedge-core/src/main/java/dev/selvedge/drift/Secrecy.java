package dev.selvedge.drift;

import dev.selvedge.contract.Secrets;
import dev.selvedge.evidence.Fingerprints;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Keeps secret values out of findings. Values of secret keys become fingerprints; and every string
 * that goes into a finding is scrubbed of every secret value seen in any layer, because a secret
 * can also travel inside a command line, a label or a URL.
 */
final class Secrecy {
  /** Shorter values would scrub ordinary text; they are still fingerprinted under their key. */
  private static final int MIN_SCRUB_LENGTH = 4;

  private final Fingerprints fingerprints;
  private final Set<String> declared;
  private final Set<String> values = new LinkedHashSet<>();
  private List<String> ordered = List.of();

  Secrecy(Fingerprints fingerprints, Set<String> declared) {
    this.fingerprints = fingerprints;
    this.declared = Set.copyOf(declared);
  }

  boolean isSecret(String key) {
    return Secrets.isSecretKey(key, declared);
  }

  /** Records the value of {@code key} if the key is secret, so it is scrubbed everywhere. */
  void observe(String key, String value) {
    if (value != null && value.length() >= MIN_SCRUB_LENGTH && isSecret(key)) {
      if (values.add(value)) {
        ordered = null;
      }
    }
  }

  /** The value to show for {@code key}: a fingerprint when the key is secret and the value set. */
  String show(String key, String value) {
    if (value == null || value.isEmpty() || !isSecret(key)) {
      return value;
    }
    return fingerprints.of(value);
  }

  String fingerprint(String value) {
    return fingerprints.of(value);
  }

  /** {@code text} with every observed secret value replaced by its fingerprint. */
  String scrub(String text) {
    if (text == null || values.isEmpty()) {
      return text;
    }
    if (ordered == null) {
      // Longest first, so a secret that contains another is replaced whole.
      List<String> sorted = new ArrayList<>(values);
      sorted.sort((a, b) -> Integer.compare(b.length(), a.length()));
      ordered = sorted;
    }
    String out = text;
    for (String v : ordered) {
      if (out.contains(v)) {
        out = out.replace(v, fingerprints.of(v));
      }
    }
    return out;
  }
}
