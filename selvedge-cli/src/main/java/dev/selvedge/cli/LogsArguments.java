package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * {@code selvedge logs}'s window: {@code --tail} and {@code --since}, read as the docker CLI does.
 */
final class LogsArguments {
  private LogsArguments() {}

  /** The most lines {@code logs} prints per container; {@code --tail all} asks for this many. */
  static final int MAX_TAIL = 10_000;

  /** {@code --tail}: a count in range, or {@code all} as the docker CLI accepts it. */
  static int tail(String text) {
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
        "--tail: '" + text + "' is not a line count from 1 to " + MAX_TAIL + ", or all");
  }

  /**
   * {@code --since} as the docker CLI reads it: a duration back from {@code now}, an RFC 3339 time,
   * a date or date-time without offset in {@code zone}, or Unix seconds with an optional fraction.
   */
  static Instant since(String text, Instant now, ZoneId zone) {
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
            "--since: '"
                + text
                + "' is not a time such as 2026-01-02T15:04:05Z, 2026-01-02T15:04:05+01:00 or"
                + " 2026-01-02");
      }
    }
    try {
      return now.minus(ProbeCommand.duration(text));
    } catch (SelvedgeException e) {
      throw new SelvedgeException(
          "--since: '"
              + text
              + "' is neither a duration such as 15m nor a time such as 2026-01-02T15:04:05Z or"
              + " Unix seconds",
          e);
    }
  }

  private static final Pattern UNIX_SECONDS = Pattern.compile("[0-9]{1,12}(\\.[0-9]{1,9})?");
}
