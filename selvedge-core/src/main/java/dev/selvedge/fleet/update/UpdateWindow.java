package dev.selvedge.fleet.update;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The time of day (UTC) an auto-update may start a rollout ({@code auto_update.window:
 * 02:00-05:00}): from {@code from} included to {@code to} excluded; a window whose end is before
 * its start wraps midnight ({@code 22:00-02:00}). A check that finds an update outside it waits for
 * its next opening: an update is a change, and changes go in when the tenants are quiet.
 */
public record UpdateWindow(LocalTime from, LocalTime to) {
  private static final Pattern FORM =
      Pattern.compile("([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})");

  public UpdateWindow {
    if (from.equals(to)) {
      throw new IllegalArgumentException("a window that ends when it starts is empty");
    }
  }

  /**
   * Parses {@code HH:MM-HH:MM} (UTC).
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static UpdateWindow parse(String text) {
    Matcher m = FORM.matcher(text.strip());
    if (m.matches()) {
      int h1 = Integer.parseInt(m.group(1));
      int m1 = Integer.parseInt(m.group(2));
      int h2 = Integer.parseInt(m.group(3));
      int m2 = Integer.parseInt(m.group(4));
      if (h1 < 24 && m1 < 60 && h2 < 24 && m2 < 60) {
        if (h1 == h2 && m1 == m2) {
          throw new IllegalArgumentException(
              "'" + text + "' starts and ends at the same time; leave window out for any time");
        }
        return new UpdateWindow(LocalTime.of(h1, m1), LocalTime.of(h2, m2));
      }
    }
    throw new IllegalArgumentException(
        "'" + text + "' is not a window; write HH:MM-HH:MM in UTC (02:00-05:00, 22:00-02:00)");
  }

  /** Whether {@code at} is inside the window. */
  public boolean contains(Instant at) {
    LocalTime t = at.atZone(ZoneOffset.UTC).toLocalTime();
    if (from.isBefore(to)) {
      return !t.isBefore(from) && t.isBefore(to);
    }
    return !t.isBefore(from) || t.isBefore(to); // wraps midnight
  }

  /** {@code at} itself when inside, else the window's next opening. */
  public Instant nextOpening(Instant at) {
    if (contains(at)) {
      return at;
    }
    ZonedDateTime open = at.atZone(ZoneOffset.UTC).with(from).withSecond(0).withNano(0);
    if (!open.toInstant().isAfter(at)) {
      open = open.plusDays(1);
    }
    return open.toInstant();
  }

  /** How long it is open. */
  public Duration length() {
    Duration d = Duration.between(from, to);
    return d.isNegative() ? d.plusDays(1) : d;
  }

  /** As written: {@code 02:00-05:00}. */
  @Override
  public String toString() {
    return from + "-" + to;
  }
}
