package dev.selvedge.drift;

import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.evidence.Fingerprints;
import java.util.Set;

/**
 * Keeps secret values out of findings. Values of secret keys become fingerprints; any other string
 * of a finding is masked where the contract substituted a secret at the finding's key (a command
 * line, a URL in a label), with the fingerprint of that secret, and every URL's password is
 * masked. A secret is not searched for elsewhere: a weak one that also names the image must not
 * turn the image name into a fingerprint.
 */
final class Secrecy {
  private final Fingerprints fingerprints;
  private final Set<String> declared;
  private final SecretValues sites;

  Secrecy(Fingerprints fingerprints, Set<String> declared, SecretValues sites) {
    this.fingerprints = fingerprints;
    this.declared = Set.copyOf(declared);
    this.sites = sites;
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
   * {@code text} of a finding about {@code key} of {@code service} (null for the project), with
   * the secrets substituted there replaced by their fingerprints.
   */
  String scrub(String service, String key, String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    if (key == null || key.isEmpty()) {
      return Secrets.maskUrlPasswords(text, SecretValues.MASK);
    }
    // Readback expectations are written under x-selvedge; drift names them readback.*.
    String k = key.startsWith("readback") ? "x-selvedge." + key : key;
    String path = service == null ? k : "services." + service + "." + k;
    return sites.scrub(path, text, fingerprints::of);
  }

  /** A reason Selvedge composed from names and states: only URLs can carry a secret into it. */
  String scrub(String text) {
    return Secrets.maskUrlPasswords(text, SecretValues.MASK);
  }
}
