package dev.selvedge.status;

import java.util.Locale;

/** The colour shown for a service, a stack or a node; ordered best to worst. */
public enum Pill {
  GREEN,
  YELLOW,
  RED;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The worse of two. */
  public Pill worst(Pill other) {
    return other.compareTo(this) > 0 ? other : this;
  }
}
