package dev.selvedge.fleet.rollout;

import dev.selvedge.SelvedgeException;
import java.util.ArrayList;
import java.util.List;

/**
 * A rollout's waves as asked ({@code 1,25%,100%}): each entry the number of the selected nodes (a
 * count) or the share of them (a percentage, rounded up) the rollout has reached once that wave is
 * healthy. Pure: parsed and checked before anything is touched, then {@link #plan}ned against the
 * selected nodes.
 */
public final class Waves {
  /** One entry: a cumulative count, or a cumulative percentage. */
  record Entry(int value, boolean percent) {
    int reach(int nodes) {
      int n = percent ? (int) Math.ceil(nodes * (value / 100.0)) : value;
      return Math.min(n, nodes);
    }

    @Override
    public String toString() {
      return value + (percent ? "%" : "");
    }
  }

  private final List<Entry> entries;

  private Waves(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * Parses {@code text}: comma-separated positive counts or percentages (1-100%), each reaching
   * further than the one before when of the same kind.
   *
   * @throws SelvedgeException naming the entry that is wrong and why
   */
  public static Waves parse(String text) {
    if (text == null || text.isBlank()) {
      throw new SelvedgeException("--waves: give the waves, such as 1,25%,100%");
    }
    return parse(List.of(text.split(",", -1)), "--waves " + text + ": ");
  }

  /**
   * Parses waves given one entry each (a fleet file's {@code auto_update.waves}) by the same rules
   * as {@link #parse(String)}; the messages name the entry and not the option.
   *
   * @throws SelvedgeException naming the entry that is wrong and why
   */
  public static Waves parse(List<String> waves) {
    if (waves.isEmpty()) {
      throw new SelvedgeException("give the waves, such as [1, 25%, 100%]");
    }
    return parse(waves, "");
  }

  private static Waves parse(List<String> parts, String where) {
    List<Entry> entries = new ArrayList<>();
    for (String raw : parts) {
      String part = raw == null ? "" : raw.strip();
      boolean percent = part.endsWith("%");
      String digits = percent ? part.substring(0, part.length() - 1).strip() : part;
      int value;
      if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new SelvedgeException(
            where + "'" + part + "' is neither a count (3) nor a percentage (25%)");
      }
      try {
        value = Integer.parseInt(digits);
      } catch (NumberFormatException e) {
        throw new SelvedgeException(where + "'" + part + "' is too large");
      }
      if (value < 1) {
        throw new SelvedgeException(where + "'" + part + "' must be at least 1");
      }
      if (percent && value > 100) {
        throw new SelvedgeException(where + "'" + part + "' is over 100%");
      }
      Entry entry = new Entry(value, percent);
      for (Entry before : entries) {
        if (before.percent() == percent && before.value() >= value) {
          throw new SelvedgeException(
              where
                  + "'"
                  + part
                  + "' does not reach further than '"
                  + before
                  + "' before it (each wave counts the nodes reached so far)");
        }
      }
      entries.add(entry);
    }
    return new Waves(entries);
  }

  /** The entries, normalized ({@code 25 %} → {@code 25%}). */
  public List<String> entries() {
    return entries.stream().map(Entry::toString).toList();
  }

  /**
   * The waves over {@code nodes} selected nodes: how many nodes each wave adds, in order. A wave
   * that adds none (10% of 5 nodes after a canary of 1) is left out.
   *
   * @throws SelvedgeException when there are no nodes, or the last wave does not reach every one
   */
  public List<Integer> plan(int nodes) {
    if (nodes < 1) {
      throw new SelvedgeException("the rollout selects no node");
    }
    List<Integer> sizes = new ArrayList<>();
    int reached = 0;
    for (Entry e : entries) {
      int reach = e.reach(nodes);
      if (reach < reached) {
        throw new SelvedgeException(
            "--waves "
                + this
                + ": '"
                + e
                + "' reaches "
                + reach
                + " of "
                + nodes
                + " nodes, fewer than the "
                + reached
                + " before it");
      }
      if (reach > reached) {
        sizes.add(reach - reached);
        reached = reach;
      }
    }
    if (reached < nodes) {
      throw new SelvedgeException(
          "--waves "
              + this
              + " reach "
              + reached
              + " of the "
              + nodes
              + " selected nodes: end with 100%");
    }
    return sizes;
  }

  /** The wave (0 = canary) of each of {@code nodes} nodes, in order. */
  public List<Integer> assign(int nodes) {
    List<Integer> waveOf = new ArrayList<>();
    List<Integer> sizes = plan(nodes);
    for (int w = 0; w < sizes.size(); w++) {
      for (int i = 0; i < sizes.get(w); i++) {
        waveOf.add(w);
      }
    }
    return waveOf;
  }

  @Override
  public String toString() {
    return String.join(",", entries.stream().map(Entry::toString).toList());
  }
}
