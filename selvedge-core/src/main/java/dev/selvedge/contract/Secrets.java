package dev.selvedge.contract;

import java.util.Locale;
import java.util.Set;

/**
 * Which environment keys hold secrets. One place for verify, drift and the config printer, so they
 * agree on what must never be printed.
 *
 * <p>A key is secret when its name looks like one — it contains {@code PASSWORD}, {@code PASSWD},
 * {@code SECRET}, {@code TOKEN}, {@code APIKEY}, {@code API_KEY}, {@code PRIVATE} or {@code
 * CREDENTIAL}, or ends in {@code _KEY} (case-insensitive) — or when the contract declares it secret
 * ({@code x-selvedge.secrets} of a service, collected in {@code Project.secretKeys}).
 */
public final class Secrets {
  private static final String[] FRAGMENTS = {
    "PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "API_KEY", "PRIVATE", "CREDENTIAL"
  };

  private Secrets() {}

  /** Whether {@code key} names a secret, by its name or because {@code declared} lists it. */
  public static boolean isSecretKey(String key, Set<String> declared) {
    if (key == null || key.isEmpty()) {
      return false;
    }
    if (declared != null && declared.contains(key)) {
      return true;
    }
    String upper = key.toUpperCase(Locale.ROOT);
    if (upper.endsWith("_KEY")) {
      return true;
    }
    for (String fragment : FRAGMENTS) {
      if (upper.contains(fragment)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code value} is an obvious stand-in rather than a real value: {@code changeme} (also
   * {@code change_me}, {@code change-me}, any case), an angle-bracket hole such as {@code
   * <your-token>}, a run of {@code x} ({@code xxx}, {@code XXXXXXXX}), or a reference to another
   * variable ({@code ${VAULT_TOKEN}}, {@code $VAULT_TOKEN}).
   */
  public static boolean isPlaceholder(String value) {
    if (value == null) {
      return true;
    }
    String v = value.strip();
    if (v.isEmpty()) {
      return true;
    }
    String lower = v.toLowerCase(Locale.ROOT);
    if (lower.equals("changeme") || lower.equals("change_me") || lower.equals("change-me")) {
      return true;
    }
    if (v.length() >= 2 && v.startsWith("<") && v.endsWith(">")) {
      return true;
    }
    if (lower.length() >= 3 && lower.chars().allMatch(c -> c == 'x')) {
      return true;
    }
    // A reference to the variable itself: ${X}, $X, ${X:?message}, ${X?message}, ${X:-} or ${X-}.
    // A reference with a non-empty default (${X:-s3cret}) commits that default, so it counts.
    return v.matches("\\$\\{[A-Za-z_][A-Za-z0-9_]*(:?\\?[^}]*|:?-)?}|\\$[A-Za-z_][A-Za-z0-9_]*");
  }
}
