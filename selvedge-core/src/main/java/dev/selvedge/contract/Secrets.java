package dev.selvedge.contract;

import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which environment keys hold secrets. One place for verify, drift and the config printer, so they
 * agree on what must never be printed.
 *
 * <p>A key is secret when the contract declares it secret ({@code x-selvedge.secrets} of a service,
 * collected in {@code Project.secretKeys}) or when its name looks like one: it contains {@code
 * PASSWORD}, {@code PASSWD}, {@code PASSPHRASE}, {@code SECRET}, {@code TOKEN}, {@code APIKEY},
 * {@code API_KEY}, {@code PRIVATE} or {@code CREDENTIAL}, or one of its words (split on {@code _},
 * {@code -} and {@code .}) is {@code PASS}, {@code PW} or {@code PWD}, or its last word is {@code
 * KEY} (case-insensitive). A name whose last word says it describes a secret rather than holds one
 * — {@code PASSWORD_MIN_LENGTH}, {@code TOKEN_TTL}, {@code DB_PASSWORD_FILE}, {@code ACCESS_KEY_ID}
 * — is not secret.
 */
public final class Secrets {
  private static final String[] FRAGMENTS = {
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "API_KEY",
    "PRIVATE",
    "CREDENTIAL"
  };

  /**
   * Words too short to search inside other words ({@code BYPASS}, {@code PWM}): whole words only.
   */
  private static final Set<String> WORDS = Set.of("PASS", "PW", "PWD");

  /**
   * Last words of names that describe a secret (its length, lifetime, location or name) rather than
   * hold it. A name ending in one of these is public even when it mentions a password.
   */
  private static final Set<String> DESCRIPTIVE =
      Set.of(
          "LENGTH",
          "LEN",
          "MIN",
          "MAX",
          "MINLENGTH",
          "MAXLENGTH",
          "COUNT",
          "ATTEMPTS",
          "RETRIES",
          "TTL",
          "EXPIRY",
          "EXPIRES",
          "EXPIRATION",
          "LIFETIME",
          "TIMEOUT",
          "AGE",
          "INTERVAL",
          "FILE",
          "PATH",
          "DIR",
          "URL",
          "URI",
          "ENDPOINT",
          "HOST",
          "PORT",
          "ID",
          "NAME",
          "HEADER",
          "PREFIX",
          "TYPE",
          "ALGORITHM",
          "ALGO",
          "ENABLED",
          "DISABLED",
          "ENABLE",
          "REQUIRED",
          "POLICY",
          "STRENGTH",
          "COMPLEXITY");

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
    String[] words = WORD_SEPARATORS.split(upper);
    if (words.length == 0) {
      return false;
    }
    String last = words[words.length - 1];
    if (words.length > 1 && DESCRIPTIVE.contains(last)) {
      return false;
    }
    if (last.equals("KEY") && words.length > 1) {
      return true;
    }
    for (String word : words) {
      if (WORDS.contains(word)) {
        return true;
      }
    }
    for (String fragment : FRAGMENTS) {
      if (upper.contains(fragment)) {
        return true;
      }
    }
    return false;
  }

  /** Between the words of a key (compiled once: every key of every check is split). */
  private static final Pattern WORD_SEPARATORS = Pattern.compile("[_.-]+");

  /**
   * The password of a URL's user-info, {@code scheme://user:password@}; up to the last {@code @}
   * before the path, as clients read an unescaped {@code @} in a password.
   */
  private static final Pattern URL_PASSWORD =
      Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://[^/?#@\\s:]*:)([^/\\s]+)@");

  /**
   * {@code text} with the password of every URL's user-info ({@code smtp://mailer:pw@mail:25})
   * replaced by {@code mask}. A password is a secret whatever the name of the key holding the URL,
   * and whether it was written literally or substituted.
   */
  public static String maskUrlPasswords(String text, String mask) {
    List<int[]> spans = urlPasswords(text);
    if (spans.isEmpty()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int at = 0;
    for (int[] span : spans) {
      out.append(text, at, span[0]).append(mask);
      at = span[1];
    }
    return out.append(text, at, text.length()).toString();
  }

  /** Where the URL passwords of {@code text} are: {@code [start, end)} pairs, in order. */
  public static List<int[]> urlPasswords(String text) {
    if (text == null || !text.contains("://")) {
      return List.of();
    }
    List<int[]> spans = new ArrayList<>();
    Matcher m = URL_PASSWORD.matcher(text);
    while (m.find()) {
      spans.add(new int[] {m.start(2), m.end(2)});
    }
    return spans;
  }

  /**
   * The values anyone reading the contract or {@code docker ps} sees, by contract path: the names
   * ({@link #publicNames}) and the labels and environment values whose keys are not secret, less
   * what the contract masks in them (URL passwords, secrets substituted there). A secret that
   * occurs in one of them is public already: searching text for it would mangle those values and,
   * by masking them, confirm the secret.
   */
  public static Map<String, String> publicValues(Project p, Set<String> declared) {
    Map<String, String> out = publicNames(p);
    for (Service s : p.services().values()) {
      String at = "services." + s.name();
      for (Map.Entry<String, String> e : s.labels().entrySet()) {
        if (!isSecretKey(e.getKey(), declared)) {
          String path = at + ".labels." + e.getKey();
          put(out, path, masked(p, path, e.getValue()));
        }
      }
      for (Map.Entry<String, String> e : s.environment().entrySet()) {
        if (!isSecretKey(e.getKey(), declared)) {
          String path = at + ".environment." + e.getKey();
          put(out, path, masked(p, path, e.getValue()));
        }
      }
    }
    return out;
  }

  /** Without what the contract masks there; the mask itself left out, so it matches nothing. */
  private static String masked(Project p, String path, String value) {
    return value == null ? null : p.secretValues().scrub(path, value, v -> "");
  }

  /**
   * The names of the contract, by contract path: the project and service names, images, container,
   * host and domain names, network and volume names.
   */
  public static Map<String, String> publicNames(Project p) {
    Map<String, String> out = new LinkedHashMap<>();
    put(out, "name", p.name());
    for (Service s : p.services().values()) {
      String at = "services." + s.name();
      put(out, at, s.name());
      // Less what a secret variable put there: a name is public only as the contract wrote it.
      put(out, at + ".image", masked(p, at + ".image", s.image()));
      put(
          out,
          at + ".container_name",
          masked(p, at + ".container_name", s.options().containerName()));
      put(out, at + ".hostname", masked(p, at + ".hostname", s.options().hostname()));
      put(out, at + ".domainname", masked(p, at + ".domainname", s.options().domainname()));
    }
    p.networks().forEach((k, n) -> put(out, "networks." + k, k));
    p.volumes().forEach((k, v) -> put(out, "volumes." + k, k));
    return out;
  }

  private static void put(Map<String, String> out, String path, String value) {
    if (value != null && !value.isEmpty()) {
      out.put(path, value);
    }
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
