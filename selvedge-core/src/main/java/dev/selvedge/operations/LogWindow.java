package dev.selvedge.operations;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.compose.GoDuration;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * The window of a bounded log read ({@link LogRead}): a line count and a start, read as the docker
 * CLI reads {@code --tail} and {@code --since}. Shared by {@code selvedge logs} and the server's
 * logs route, so both accept and refuse the same; each error starts with the caller's name of the
 * value ({@code --tail}, {@code tail}).
 */
public final class LogWindow {
  private LogWindow() {}

  /** The most lines read per container; a tail of {@code all} asks for this many. */
  public static final int MAX_TAIL = 10_000;

  private static final Pattern UNIX_SECONDS = Pattern.compile("[0-9]{1,12}(\\.[0-9]{1,9})?");

  /** A count from 1 to {@link #MAX_TAIL}, or {@code all} (= {@link #MAX_TAIL}). */
  public static int tail(String name, String text) {
    if (text.equals("all")) {
      return MAX_TAIL;
    }
    try {
      int n = Integer.parseInt(text);
      if (n >= 1 && n <= MAX_TAIL) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new SelvedgeException(
        name + ": '" + text + "' is not a line count from 1 to " + MAX_TAIL + ", or all");
  }

  /**
   * A start as the docker CLI reads {@code --since}: a duration back from {@code now}, an RFC 3339
   * time, a date or date-time without offset in {@code zone}, or Unix seconds with an optional
   * fraction.
   */
  public static Instant since(String name, String text, Instant now, ZoneId zone) {
    if (UNIX_SECONDS.matcher(text).matches()) {
      BigDecimal seconds = new BigDecimal(text);
      return Instant.ofEpochSecond(
          seconds.longValue(), seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
    }
    if (!text.isEmpty() && Character.isDigit(text.charAt(0)) && text.contains("-")) {
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException e) {
        // not with an offset: a local date-time or date?
      }
      try {
        return LocalDateTime.parse(text).atZone(zone).toInstant();
      } catch (DateTimeParseException e) {
        // a date alone?
      }
      try {
        return LocalDate.parse(text).atStartOfDay(zone).toInstant();
      } catch (DateTimeParseException e) {
        throw new SelvedgeException(
            name
                + ": '"
                + text
                + "' is not a time such as 2026-01-02T15:04:05Z, 2026-01-02T15:04:05+01:00 or"
                + " 2026-01-02");
      }
    }
    try {
      return now.minus(positive(text));
    } catch (SelvedgeException e) {
      throw new SelvedgeException(
          name
              + ": '"
              + text
              + "' is neither a duration such as 15m nor a time such as 2026-01-02T15:04:05Z or"
              + " Unix seconds",
          e);
    }
  }

  /**
   * A positive duration such as {@code 5s}, {@code 15m} or {@code 1h}.
   *
   * @throws SelvedgeException naming the text when it is not one
   */
  public static Duration positive(String text) {
    try {
      Duration d = GoDuration.parse(text);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException("must be positive");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw new SelvedgeException(
          "'" + text + "' is not a duration such as 5s, 15m or 1h: " + e.getMessage(), e);
    }
  }
}
