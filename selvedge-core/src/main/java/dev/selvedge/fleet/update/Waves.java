package dev.selvedge.fleet.update;

import java.util.ArrayList;
import java.util.List;

/**
 * The waves of a rollout as written ({@code [1, 25%, 100%]}): node counts first, then percentages
 * of the stack's nodes, each larger than the one before, the last {@code 100%} so every node is
 * reached. Kept as text: the rollout turns them into nodes when it knows the fleet.
 */
public final class Waves {
  /** A canary node, then the rest. */
  public static final List<String> DEFAULT = List.of("1", "100%");

  private Waves() {}

  /**
   * Checks and normalizes waves ({@code 25 %} → {@code 25%}).
   *
   * @throws IllegalArgumentException saying which wave is wrong and why
   */
  public static List<String> parse(List<String> waves) {
    if (waves.isEmpty()) {
      throw new IllegalArgumentException("has no wave; write for example [1, 25%, 100%]");
    }
    List<String> out = new ArrayList<>();
    long lastCount = 0;
    int lastPercent = 0;
    for (int i = 0; i < waves.size(); i++) {
      String w = waves.get(i) == null ? "" : waves.get(i).strip().replace(" ", "");
      String where = "wave " + (i + 1) + " '" + waves.get(i) + "'";
      if (w.matches("[0-9]{1,3}%")) {
        int p = Integer.parseInt(w.substring(0, w.length() - 1));
        if (p < 1 || p > 100) {
          throw new IllegalArgumentException(where + ": a percentage is 1% to 100%");
        }
        if (p <= lastPercent) {
          throw new IllegalArgumentException(
              where + ": waves grow; it is not larger than " + lastPercent + "%");
        }
        lastPercent = p;
        out.add(p + "%");
      } else if (w.matches("[0-9]{1,6}")) {
        long n = Long.parseLong(w);
        if (n < 1) {
          throw new IllegalArgumentException(where + ": a wave has at least 1 node");
        }
        if (lastPercent > 0) {
          throw new IllegalArgumentException(
              where + ": node counts come before percentages ([1, 5, 25%, 100%])");
        }
        if (n <= lastCount) {
          throw new IllegalArgumentException(
              where + ": waves grow; it is not larger than " + lastCount);
        }
        lastCount = n;
        out.add(Long.toString(n));
      } else {
        throw new IllegalArgumentException(
            where + ": a wave is a node count (1) or a percentage of the nodes (25%)");
      }
    }
    if (lastPercent != 100) {
      throw new IllegalArgumentException(
          "the last wave is " + out.get(out.size() - 1) + "; it must be 100% to reach every node");
    }
    return List.copyOf(out);
  }
}
