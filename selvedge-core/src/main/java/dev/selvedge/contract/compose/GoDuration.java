package dev.selvedge.contract.compose;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;

/**
 * Compose durations ({@code healthcheck.interval}, {@code stop_grace_period}, ...) in Go's
 * notation.
 *
 * <p>Parsing accepts a sequence of decimal numbers, each with an optional fraction and a unit,
 * optionally signed: {@code 1m30s}, {@code 1.5h}, {@code 500ms}, {@code 2us}, {@code -1h}. Units
 * are {@code ns}, {@code us} (also {@code µs}), {@code ms}, {@code s}, {@code m}, {@code h}, and,
 * as Compose also accepts, {@code d} (24h) and {@code w} (7d). A number without a unit is an error
 * except {@code 0}: Compose does not read a bare {@code 10} as seconds. The range is Go's: at most
 * about 292 years either way.
 *
 * <p>{@link #format} writes what {@code docker compose config} prints, Go's {@code
 * time.Duration.String()}: {@code 1m30s}, {@code 1h0m0s}, {@code 1.5s}, {@code 500ms}, {@code 2µs},
 * {@code 0s}.
 */
public final class GoDuration {
  private static final Map<String, Long> UNITS =
      Map.ofEntries(
          Map.entry("ns", 1L),
          Map.entry("us", 1_000L),
          Map.entry("\u00b5s", 1_000L),
          Map.entry("\u03bcs", 1_000L),
          Map.entry("ms", 1_000_000L),
          Map.entry("s", 1_000_000_000L),
          Map.entry("m", 60_000_000_000L),
          Map.entry("h", 3_600_000_000_000L),
          Map.entry("d", 86_400_000_000_000L),
          Map.entry("w", 604_800_000_000_000L));

  private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger MIN_MAGNITUDE = MAX.add(BigInteger.ONE);

  private GoDuration() {}

  /** Parses a duration such as {@code 1m30s}; throws with a message naming the input. */
  public static Duration parse(String text) {
    if (text == null || text.isEmpty()) {
      throw invalid(text, "it is empty");
    }
    int i = 0;
    boolean negative = false;
    if (text.charAt(0) == '-' || text.charAt(0) == '+') {
      negative = text.charAt(0) == '-';
      i++;
    }
    if (text.substring(i).equals("0")) {
      return Duration.ZERO;
    }
    if (i == text.length()) {
      throw invalid(text, "a number is missing");
    }
    BigInteger total = BigInteger.ZERO;
    while (i < text.length()) {
      int start = i;
      while (i < text.length() && isDigit(text.charAt(i))) {
        i++;
      }
      boolean hasInteger = i > start;
      boolean hasFraction = false;
      if (i < text.length() && text.charAt(i) == '.') {
        i++;
        int fractionStart = i;
        while (i < text.length() && isDigit(text.charAt(i))) {
          i++;
        }
        hasFraction = i > fractionStart;
      }
      if (!hasInteger && !hasFraction) {
        throw invalid(text, "a number is expected at position " + (start + 1));
      }
      String number = text.substring(start, i);
      int unitStart = i;
      while (i < text.length() && text.charAt(i) != '.' && !isDigit(text.charAt(i))) {
        i++;
      }
      String unit = text.substring(unitStart, i);
      if (unit.isEmpty()) {
        throw invalid(text, "the unit is missing after " + number + " (e.g. 10s, 500ms, 1m30s)");
      }
      Long nanos = UNITS.get(unit);
      if (nanos == null) {
        throw invalid(text, "unknown unit \"" + unit + "\" (use ns, us, ms, s, m, h, d or w)");
      }
      // Digits beyond nanosecond precision are truncated, as Go does.
      BigInteger part =
          new BigDecimal(number.endsWith(".") ? number + "0" : number)
              .multiply(BigDecimal.valueOf(nanos))
              .toBigInteger();
      total = total.add(part);
      if (total.compareTo(negative ? MIN_MAGNITUDE : MAX) > 0) {
        throw invalid(text, "it is out of range (about 292 years at most)");
      }
    }
    return Duration.ofNanos((negative ? total.negate() : total).longValueExact());
  }

  /** Go's {@code time.Duration.String()} of a duration within Go's range. */
  public static String format(Duration duration) {
    long nanos;
    try {
      nanos = duration.toNanos();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "duration " + duration + " is too long for Compose (about 292 years at most)", e);
    }
    if (nanos == 0) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    if (nanos < 0) {
      out.append('-');
    }
    // The magnitude of Long.MIN_VALUE does not fit a long; unsigned arithmetic holds it.
    long u = nanos < 0 ? -nanos : nanos;
    if (Long.compareUnsigned(u, 1_000_000_000L) < 0) {
      if (u < 1_000L) {
        return out.append(u).append("ns").toString();
      } else if (u < 1_000_000L) {
        return out.append(decimal(u, 3)).append("\u00b5s").toString();
      } else {
        return out.append(decimal(u, 6)).append("ms").toString();
      }
    }
    long seconds = Long.divideUnsigned(u, 1_000_000_000L);
    long fraction = Long.remainderUnsigned(u, 1_000_000_000L);
    long hours = seconds / 3600;
    long minutes = seconds / 60 % 60;
    long secs = seconds % 60;
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      out.append(minutes).append('m');
    }
    return out.append(decimal(secs * 1_000_000_000L + fraction, 9)).append('s').toString();
  }

  /** {@code value / 10^digits} in decimal with trailing zeros (and a bare point) dropped. */
  private static String decimal(long value, int digits) {
    long scale = 1;
    for (int k = 0; k < digits; k++) {
      scale *= 10;
    }
    long whole = value / scale;
    long fraction = value % scale;
    if (fraction == 0) {
      return Long.toString(whole);
    }
    String f = String.format("%0" + digits + "d", fraction);
    int end = f.length();
    while (f.charAt(end - 1) == '0') {
      end--;
    }
    return whole + "." + f.substring(0, end);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException("invalid duration \"" + text + "\": " + why);
  }
}
