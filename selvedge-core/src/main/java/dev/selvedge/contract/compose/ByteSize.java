package dev.selvedge.contract.compose;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compose byte values ({@code mem_limit}, {@code shm_size}, tmpfs {@code size}, ...): an amount
 * with an optional binary unit, {@code 512m}, {@code 1g}, {@code 1gb}, {@code 1.5g}, {@code 100k},
 * {@code 1024}. Units {@code b k m g t p}, case-insensitive, each optionally followed by {@code i}
 * and/or {@code b}; one space may separate amount and unit; base 1024; fractions are truncated to
 * whole bytes.
 *
 * <p>A plain integer, which is how a YAML integer arrives, is taken as bytes and may be negative
 * ({@code memswap_limit: -1} means unlimited).
 */
public final class ByteSize {
  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?");
  private static final Pattern INTEGER = Pattern.compile("-?\\d+");
  private static final String UNITS = "kmgtp";

  private ByteSize() {}

  /** The number of bytes {@code text} stands for. */
  public static long parse(String text) {
    if (text == null || text.isEmpty()) {
      throw invalid(text);
    }
    try {
      if (INTEGER.matcher(text).matches()) {
        return Long.parseLong(text);
      }
      Matcher m = SIZE.matcher(text);
      if (!m.matches()) {
        throw invalid(text);
      }
      int power =
          m.group(2) == null ? 0 : UNITS.indexOf(Character.toLowerCase(m.group(2).charAt(0))) + 1;
      return new BigDecimal(m.group(1))
          .multiply(BigDecimal.valueOf(1024).pow(power))
          .toBigInteger()
          .longValueExact();
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("size \"" + text + "\" is too large", e);
    }
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "invalid size \""
            + text
            + "\": write a number of bytes, optionally with a unit b, k, m, g or t"
            + " (e.g. 512m, 1g, 1.5g)");
  }
}
