package dev.selvedge.contract;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What a contract holds secretly, and where. Two kinds of knowledge:
 *
 * <ul>
 *   <li><b>Sites</b>: each place a secret variable was substituted into a scalar (the interpolation
 *       records the span). A text known to come from a contract path is masked only at the sites of
 *       that path, and only over the secret's span (values of secret keys are masked whole by their
 *       key, by the caller): a weak password that also happens to be the image name ({@code
 *       wordpress}) masks the {@code ${DB_PASSWORD}} it was substituted for, never {@code
 *       wordpress:latest}, which would both break the output and tell the reader the password.
 *   <li><b>Values</b>: every secret value the contract was rendered with (secret variables, values
 *       of secret keys). A text of unknown origin (an engine's error, a log line) is scrubbed of
 *       every one of them, 4 characters or longer and not public already ({@link #withoutPublic}):
 *       there is no site to go by, so it fails closed.
 * </ul>
 *
 * <p>Every scrub also masks the password of any URL's user-info. Sites are keyed by a contract path
 * with the service name replaced by {@code *} ({@code services.*.environment.DB_URL}, {@code
 * services.*.command[1]}), so a site follows its value through {@code extends}; a path matches the
 * sites it holds or lies in, so a port written {@code "${P}:80"} is found again at {@code
 * ports[0].published}. List items keep their index: the secret of {@code command[0]} is not looked
 * for in {@code command[1]}.
 */
public final class SecretValues {
  public static final int MIN_LENGTH = 4;
  public static final String MASK = "********";
  public static final SecretValues NONE = new SecretValues(List.of(), List.of());

  /**
   * A secret at {@code [start, end)} of {@code text}, the value a scalar at {@code site} had after
   * interpolation. Never printed: {@link #toString} names the site only.
   */
  public record Site(String site, String text, int start, int end) {
    public Site {
      if (start < 0 || end > text.length() || start >= end) {
        throw new IllegalArgumentException("a site's span must lie inside its text");
      }
    }

    /** The secret itself. */
    public String value() {
      return text.substring(start, end);
    }

    @Override
    public String toString() {
      return "Site[" + site + "]";
    }
  }

  /** Longest first, so a value containing a shorter one is replaced whole. */
  private final List<String> values;

  private final List<Site> sites;

  private SecretValues(Collection<String> values, List<Site> sites) {
    List<String> sorted = new ArrayList<>(values);
    sorted.sort((a, b) -> Integer.compare(b.length(), a.length()));
    this.values = List.copyOf(sorted);
    this.sites = List.copyOf(sites);
  }

  /** Values only, no sites: for texts of unknown origin. */
  public static SecretValues of(Collection<String> candidates) {
    return of(candidates, List.of());
  }

  /** The given values (texts of unknown origin are scrubbed of them) and sites. */
  public static SecretValues of(Collection<String> candidates, List<Site> sites) {
    Set<String> kept = new LinkedHashSet<>();
    for (String v : candidates) {
      if (v != null && v.length() >= MIN_LENGTH) {
        kept.add(v);
      }
    }
    return kept.isEmpty() && sites.isEmpty() ? NONE : new SecretValues(kept, sites);
  }

  public SecretValues and(SecretValues other) {
    if (other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    Set<String> all = new LinkedHashSet<>(values);
    all.addAll(other.values);
    List<Site> allSites = new ArrayList<>(sites);
    allSites.addAll(other.sites);
    return new SecretValues(all, allSites);
  }

  /**
   * These secrets without the values that occur inside any of {@code publicTexts}
   * (case-insensitive): such a value is public already, so a search for it in text of unknown
   * origin would only mangle the public text and, by masking it, confirm the secret. Sites keep
   * masking where it was substituted; the {@code weak-secret} rule reports it.
   */
  public SecretValues withoutPublic(Collection<String> publicTexts) {
    List<String> kept = new ArrayList<>();
    for (String v : values) {
      if (!occursIn(v, publicTexts)) {
        kept.add(v);
      }
    }
    return kept.size() == values.size() ? this : new SecretValues(kept, sites);
  }

  /** Whether {@code value} occurs inside any of {@code texts}, ignoring case. */
  public static boolean occursIn(String value, Collection<String> texts) {
    String needle = value.toLowerCase(java.util.Locale.ROOT);
    for (String t : texts) {
      if (t != null && t.toLowerCase(java.util.Locale.ROOT).contains(needle)) {
        return true;
      }
    }
    return false;
  }

  public boolean isEmpty() {
    return values.isEmpty() && sites.isEmpty();
  }

  /** The distinct secret values, for rules that judge them. Never print these. */
  public List<String> values() {
    return values;
  }

  /** The sites, for rules that judge where secrets went. Never print their texts. */
  public List<Site> sites() {
    return sites;
  }

  /**
   * A text of unknown origin with every secret value and URL password replaced by {@link #MASK}.
   */
  public String scrub(String text) {
    return text == null ? null : Secrets.maskUrlPasswords(replaceValues(text, v -> MASK), MASK);
  }

  /**
   * {@code text} with every value (not the sites, not URL passwords) replaced as {@code shown}
   * makes it, longest first so a value containing another is replaced whole.
   */
  public String replaceValues(String text, UnaryOperator<String> shown) {
    String out = text;
    for (String v : values) {
      if (out.contains(v)) {
        out = out.replace(v, shown.apply(v));
      }
    }
    return out;
  }

  /**
   * A text that came from (or speaks about) contract path {@code path} ({@code
   * services.api.environment.DB_URL}, {@code services.api.command[2]}), masked where secrets were
   * put at that path. An empty path means the origin is unknown: {@link #scrub(String)}.
   */
  public String scrub(String path, String text) {
    return scrub(path, text, value -> MASK);
  }

  /**
   * Like {@link #scrub(String, String)}, showing each secret as {@code shown} makes it (drift shows
   * a fingerprint, which still tells equal values apart).
   */
  public String scrub(String path, String text, UnaryOperator<String> shown) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    if (path == null || path.isEmpty()) {
      return Secrets.maskUrlPasswords(replaceValues(text, shown), MASK);
    }
    List<String> candidates = sitesOf(path);
    // Which characters of text are secret, and which secret they belong to.
    String[] owner = null;
    for (Site s : sites) {
      if (!related(candidates, s.site())) {
        continue;
      }
      if (owner == null) {
        owner = new String[text.length()];
      }
      boolean placed = false;
      // Where text sits inside the scalar it came from: the whole of it, or a part (the value of
      // a KEY=value entry, one word of a command string).
      for (int at = s.text().indexOf(text); at >= 0; at = s.text().indexOf(text, at + 1)) {
        placed = true;
        int from = Math.max(s.start(), at);
        int to = Math.min(s.end(), at + text.length());
        for (int i = from; i < to; i++) {
          owner[i - at] = s.value();
        }
      }
      if (!placed) {
        // Rewritten on the way (shell words unquoted, a drift value read back from a container):
        // the secret is masked wherever it occurs.
        String v = s.value();
        for (int at = text.indexOf(v); at >= 0; at = text.indexOf(v, at + 1)) {
          for (int i = at; i < at + v.length(); i++) {
            owner[i] = v;
          }
        }
      }
    }
    // A URL's password, shown as the other secrets are, unless a site masked it already.
    for (int[] span : Secrets.urlPasswords(text)) {
      if (owner == null) {
        owner = new String[text.length()];
      }
      boolean covered = true;
      for (int i = span[0]; i < span[1] && covered; i++) {
        covered = owner[i] != null;
      }
      if (!covered) {
        String password = text.substring(span[0], span[1]);
        for (int i = span[0]; i < span[1]; i++) {
          owner[i] = password;
        }
      }
    }
    return owner == null ? text : replace(text, owner, shown);
  }

  private static String replace(String text, String[] owner, UnaryOperator<String> shown) {
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      if (owner[i] == null) {
        out.append(text.charAt(i++));
        continue;
      }
      String v = owner[i];
      while (i < text.length() && owner[i] != null) {
        i++;
      }
      out.append(shown.apply(v));
    }
    return out.toString();
  }

  /**
   * The sites {@code path} may mean. A service name may itself hold dots ({@code services.my.app
   * .image}), so every cut after {@code services.} is a candidate: matching one too many only masks
   * more.
   */
  private static List<String> sitesOf(String path) {
    // Drift keys items by name ({@code ports[8080/tcp]}, {@code volumes[/data]}), not by index.
    String p = path.replaceAll("\\[[^\\]]*[^0-9\\]][^\\]]*\\]", "");
    if (!p.startsWith("services.")) {
      return List.of(p);
    }
    List<String> out = new ArrayList<>();
    for (int dot = p.indexOf('.', "services.".length()); dot >= 0; dot = p.indexOf('.', dot + 1)) {
      out.add("services.*" + p.substring(dot));
    }
    if (out.isEmpty()) {
      out.add("services.*");
    }
    return out;
  }

  /** One site holds the other: a value at {@code ports} is about {@code ports.published} too. */
  private static boolean related(List<String> candidates, String site) {
    for (String c : candidates) {
      if (c.equals(site) || within(c, site) || within(site, c)) {
        return true;
      }
    }
    return false;
  }

  private static boolean within(String inner, String outer) {
    return inner.length() > outer.length()
        && inner.startsWith(outer)
        && (inner.charAt(outer.length()) == '.' || inner.charAt(outer.length()) == '[');
  }

  /** Never the values themselves. */
  @Override
  public String toString() {
    return "SecretValues[" + values.size() + " values, " + sites.size() + " sites]";
  }
}
