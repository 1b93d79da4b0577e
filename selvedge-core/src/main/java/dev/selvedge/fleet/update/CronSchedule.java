package dev.selvedge.fleet.update;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * When an auto-update checks its registry ({@code auto_update.schedule}): a 5-field Unix cron
 * expression ({@code "0 3 * * *"}) read in UTC. Parsed by cron-utils rather than by hand: cron's
 * corner cases (day-of-month or day-of-week, ranges with steps, names) are easy to get wrong.
 */
public final class CronSchedule {
  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final String expression;
  private final ExecutionTime times;

  private CronSchedule(String expression, ExecutionTime times) {
    this.expression = expression;
    this.times = times;
  }

  /**
   * Parses a 5-field Unix cron expression.
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static CronSchedule parse(String expression) {
    Objects.requireNonNull(expression, "expression");
    String e = expression.strip().replaceAll("\\s+", " ");
    if (e.isEmpty()) {
      throw new IllegalArgumentException("is empty; write 5 cron fields (\"0 3 * * *\")");
    }
    int fields = e.split(" ").length;
    if (fields != 5) {
      throw new IllegalArgumentException(
          "'"
              + expression
              + "' has "
              + fields
              + " fields; write the 5 of Unix cron: minute hour day-of-month month day-of-week"
              + " (\"0 3 * * *\")");
    }
    Cron cron;
    try {
      cron = PARSER.parse(e).validate();
    } catch (IllegalArgumentException ex) {
      throw new IllegalArgumentException(
          "'" + expression + "' is not a cron expression (" + ex.getMessage() + ")");
    }
    return new CronSchedule(e, ExecutionTime.forCron(cron));
  }

  /** The first time strictly after {@code after} (UTC), or null when it never fires again. */
  public Instant next(Instant after) {
    return times
        .nextExecution(after.atZone(ZoneOffset.UTC))
        .map(t -> t.toInstant())
        .filter(t -> t.isAfter(after))
        .orElse(null);
  }

  /** As written (whitespace collapsed). */
  @Override
  public String toString() {
    return expression;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CronSchedule c && c.expression.equals(expression);
  }

  @Override
  public int hashCode() {
    return expression.hashCode();
  }
}
