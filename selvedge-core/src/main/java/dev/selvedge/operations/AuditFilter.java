package dev.selvedge.operations;

import dev.selvedge.contract.compose.GoDuration;
import dev.selvedge.port.AuditLog;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading the audit log's filters as people write them, the same for {@code GET /api/v1/audit} and
 * {@code selvedge audit}: times as ISO-8601 ({@code 2026-03-01T10:00:00Z}) or as an age ({@code
 * 15m}, {@code 2h}, {@code 7d}: that long before now). Problems are {@link
 * IllegalArgumentException}s whose message starts with the filter's name.
 */
public final class AuditFilter {
  /** The most events one page holds. */
  public static final int MAX_LIMIT = 1000;

  private static final Pattern DAYS = Pattern.compile("([0-9]{1,6})d");

  private AuditFilter() {}

  /** {@code text} as an instant; null when {@code text} is null or blank. */
  public static Instant time(String name, String text, Instant now) {
    if (text == null || text.isBlank()) {
      return null;
    }
    String s = text.strip();
    Duration age = age(s);
    if (age != null) {
      return now.minus(age);
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          name
              + ": '"
              + text
              + "' is neither a time (2026-03-01T10:00:00Z) nor an age (15m, 2h, 7d)");
    }
  }

  /** {@code 7d}, or a Go duration ({@code 90m}, {@code 2h30m}); null when it is neither. */
  public static Duration age(String s) {
    Matcher days = DAYS.matcher(s);
    if (days.matches()) {
      return Duration.ofDays(Long.parseLong(days.group(1)));
    }
    if (s.isEmpty() || !Character.isDigit(s.charAt(0))) {
      return null;
    }
    try {
      Duration d = GoDuration.parse(s);
      return d.isNegative() ? null : d;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A page size from 1 to {@link #MAX_LIMIT}. */
  public static int limit(String name, String text, int dflt) {
    if (text == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(text.strip());
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(name + ": a whole number from 1 to " + MAX_LIMIT);
  }

  /** An event id (the {@code before} cursor); null when {@code text} is null. */
  public static Long id(String name, String text) {
    if (text == null) {
      return null;
    }
    try {
      long id = Long.parseLong(text.strip());
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(name + ": an event id (a whole number above 0)");
  }

  /** The query, checking that the time range is not empty by construction. */
  public static AuditLog.Query query(
      String actor,
      String node,
      String stack,
      String action,
      Instant since,
      Instant until,
      Long before,
      int limit) {
    if (since != null && until != null && !since.isBefore(until)) {
      throw new IllegalArgumentException(
          "since: " + since + " is not before until (" + until + ")");
    }
    return new AuditLog.Query(
        blankToNull(actor),
        blankToNull(node),
        blankToNull(stack),
        blankToNull(action),
        since,
        until,
        before,
        limit);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
