package dev.selvedge.drift;

import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.evidence.Fingerprints;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Keeps secret values out of findings. Values of secret keys become fingerprints. Any other string
 * of a finding is masked, with the secret's fingerprint, where the contract substituted a secret at
 * the finding's key (a command line, a URL), and wherever a secret value seen in any layer occurs
 * (a container's command line carries what the contract no longer says) — except a value that is
 * public already, being part of a name or image of the contract: fingerprinting it inside {@code
 * wordpress:latest} would mangle the image and confirm the secret. URL passwords are masked
 * everywhere.
 */
final class Secrecy {
  private final Fingerprints fingerprints;
  private final Set<String> declared;
  private final SecretValues sites;
  private final Collection<String> publicTexts;
  private final Set<String> values = new LinkedHashSet<>();
  private SecretValues observed;

  Secrecy(
      Fingerprints fingerprints,
      Set<String> declared,
      SecretValues sites,
      Collection<String> publicTexts) {
    this.fingerprints = fingerprints;
    this.declared = Set.copyOf(declared);
    this.sites = sites;
    this.publicTexts = List.copyOf(publicTexts);
    sites.values().forEach(this::observe);
  }

  /** Records the value of {@code key} if the key is secret, so it is scrubbed everywhere. */
  void observe(String key, String value) {
    if (isSecret(key)) {
      observe(value);
    }
  }

  private void observe(String value) {
    if (value != null
        && value.length() >= SecretValues.MIN_LENGTH
        && !values.contains(value)
        && !SecretValues.occursIn(value, publicTexts)) {
      values.add(value);
      observed = null;
    }
  }

  boolean isSecret(String key) {
    return Secrets.isSecretKey(key, declared);
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

  /**
   * {@code text} of a finding about {@code key} of {@code service} (null for the project), with the
   * secrets substituted there replaced by their fingerprints.
   */
  String scrub(String service, String key, String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    if (key == null || key.isEmpty()) {
      return scrub(text);
    }
    // Readback expectations are written under x-selvedge; drift names them readback.*.
    String k = key.startsWith("readback") ? "x-selvedge." + key : key;
    String path = service == null ? k : "services." + service + "." + k;
    return everywhere(sites.scrub(path, text, fingerprints::of));
  }

  /** {@code text} with every observed secret value replaced by its fingerprint. */
  private String everywhere(String text) {
    if (observed == null) {
      observed = SecretValues.of(values);
    }
    return observed.replaceValues(text, fingerprints::of);
  }

  /** A reason of unknown origin. */
  String scrub(String text) {
    return text == null ? null : everywhere(Secrets.maskUrlPasswords(text, SecretValues.MASK));
  }
}
