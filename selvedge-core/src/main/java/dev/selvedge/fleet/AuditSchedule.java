package dev.selvedge.fleet;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;

/**
 * When {@code selvedge serve} runs the cross-tenant audit ({@code audit.schedule} in the fleet
 * file): {@code daily} (at 02:00 UTC), {@code daily HH:MM} (UTC), or {@code every DURATION} ({@code
 * every 6h}, at least a minute apart). Two forms only, so a schedule reads at a glance; {@code off}
 * is a null schedule.
 *
 * @param at the time of day (UTC) of a daily run, or null for an interval
 * @param every the interval, or null for a daily run
 */
public record AuditSchedule(LocalTime at, Duration every) {
  /** {@code daily}: 02:00 UTC, when tenants are quiet. */
  public static final AuditSchedule DEFAULT = new AuditSchedule(LocalTime.of(2, 0), null);

  /** The shortest interval. */
  public static final Duration MIN_EVERY = Duration.ofMinutes(1);

  public AuditSchedule {
    if ((at == null) == (every == null)) {
      throw new IllegalArgumentException("a schedule is a time of day or an interval");
    }
  }

  /** The first run strictly after {@code now}. */
  public Instant next(Instant now) {
    Objects.requireNonNull(now, "now");
    if (every != null) {
      return now.plus(every);
    }
    ZonedDateTime t = now.atZone(ZoneOffset.UTC).with(at).withNano(0);
    if (!t.toInstant().isAfter(now)) {
      t = t.plusDays(1);
    }
    return t.toInstant();
  }

  /** As written in the fleet file. */
  @Override
  public String toString() {
    return every != null ? "every " + every.toString().substring(2).toLowerCase() : "daily " + at;
  }
}
