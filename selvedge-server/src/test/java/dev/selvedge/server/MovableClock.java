package dev.selvedge.server;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that stands still until a test moves it ({@link #now}), in UTC. */
public final class MovableClock extends Clock {
  /** What it says now. */
  public volatile Instant now;

  /** Standing at 2026-03-01T10:00:00Z. */
  public MovableClock() {
    this(Instant.parse("2026-03-01T10:00:00Z"));
  }

  public MovableClock(Instant now) {
    this.now = now;
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
