package dev.selvedge.fleet;

import dev.selvedge.status.Pill;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Anti-flap for one pill (a node's or a stack's): a new colour is shown only once it was seen in
 * {@code needed} sweeps in a row; until then the old colour stays, with a note of what is coming.
 * The first colour ever seen is shown at once. Used under the node's sweep lock only.
 */
final class Flap {
  private Pill shown;
  private List<String> reasons = List.of();
  private Pill candidate;
  private int held;

  Flap() {}

  /** Starts from a colour known before (the store's, after a restart). */
  Flap(Pill shown, List<String> reasons) {
    this.shown = shown;
    this.reasons = List.copyOf(reasons);
  }

  /** An independent copy: a sweep works on copies, kept only once its result is stored. */
  Flap copy() {
    Flap f = new Flap();
    f.shown = shown;
    f.reasons = reasons;
    f.candidate = candidate;
    f.held = held;
    return f;
  }

  Pill shown() {
    return shown;
  }

  /** The reasons of the shown colour, with a note while another colour is being held. */
  List<String> reasons() {
    if (candidate == null) {
      return reasons;
    }
    List<String> out = new ArrayList<>(reasons);
    out.add(
        "turning "
            + candidate.id()
            + " (seen in "
            + held
            + " sweep"
            + (held == 1 ? "" : "s")
            + ")");
    return out;
  }

  /**
   * One sweep saw {@code seen}; returns the change of the shown colour it makes, or null.
   *
   * @param needed sweeps in a row a new colour must be seen in (at least 1)
   */
  PillChange observe(
      String node, String stack, Pill seen, List<String> seenReasons, int needed, Instant at) {
    if (shown == null || seen == shown) {
      Pill from = shown;
      shown = seen;
      reasons = List.copyOf(seenReasons);
      candidate = null;
      held = 0;
      return from == null ? new PillChange(node, stack, null, seen, seenReasons, at) : null;
    }
    if (seen == candidate) {
      held++;
    } else {
      candidate = seen;
      held = 1;
    }
    if (held < Math.max(1, needed)) {
      return null;
    }
    Pill from = shown;
    shown = seen;
    reasons = List.copyOf(seenReasons);
    candidate = null;
    held = 0;
    return new PillChange(node, stack, from, seen, seenReasons, at);
  }
}
