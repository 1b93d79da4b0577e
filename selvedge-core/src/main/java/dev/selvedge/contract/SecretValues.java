package dev.selvedge.contract;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The secret values a contract was rendered with: values of secret-looking or declared-secret
 * variables and environment keys. Used to scrub any text Selvedge prints — rendered config, error
 * messages — so a secret never appears, wherever it was substituted. Values shorter than {@link
 * #MIN_LENGTH} are left alone: scrubbing "1" or "no" would mangle everything and hide nothing.
 */
public final class SecretValues {
  public static final int MIN_LENGTH = 4;
  public static final String MASK = "********";
  public static final SecretValues NONE = new SecretValues(List.of());

  /** Longest first, so a value containing a shorter one is replaced whole. */
  private final List<String> values;

  private SecretValues(Collection<String> values) {
    List<String> sorted = new ArrayList<>(values);
    sorted.sort((a, b) -> Integer.compare(b.length(), a.length()));
    this.values = List.copyOf(sorted);
  }

  public static SecretValues of(Collection<String> candidates) {
    Set<String> kept = new LinkedHashSet<>();
    for (String v : candidates) {
      if (v != null && v.length() >= MIN_LENGTH) {
        kept.add(v);
      }
    }
    return kept.isEmpty() ? NONE : new SecretValues(kept);
  }

  public SecretValues and(SecretValues other) {
    if (other.values.isEmpty()) {
      return this;
    }
    List<String> all = new ArrayList<>(values);
    all.addAll(other.values);
    return of(all);
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }

  /** {@code text} with every secret value replaced by {@link #MASK}. */
  public String scrub(String text) {
    if (text == null || values.isEmpty()) {
      return text;
    }
    String out = text;
    for (String v : values) {
      if (out.contains(v)) {
        out = out.replace(v, MASK);
      }
    }
    return out;
  }

  /** Never the values themselves. */
  @Override
  public String toString() {
    return "SecretValues[" + values.size() + " values]";
  }
}
