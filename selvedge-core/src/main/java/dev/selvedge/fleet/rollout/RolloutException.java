package dev.selvedge.fleet.rollout;

import dev.selvedge.SelvedgeException;

/** A rollout asked wrongly (unknown stack or service, bad waves, no node): bad input. */
public final class RolloutException extends SelvedgeException {
  private static final long serialVersionUID = 1L;

  public RolloutException(String message) {
    super(message);
  }
}
