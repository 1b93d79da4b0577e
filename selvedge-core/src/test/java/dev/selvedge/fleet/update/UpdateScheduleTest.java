package dev.selvedge.fleet.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.fleet.Fleet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cron schedule, the window (midnight wrap included), the waves and when a check fires. */
class UpdateScheduleTest {
  private static Instant at(String t) {
    return Instant.parse(t);
  }

  @Test
  void aCronScheduleFiresAtItsNextTimeInUtcStrictlyAfter() {
    CronSchedule daily = CronSchedule.parse("0 3 * * *");
    assertThat(daily.next(at("2026-12-04T01:00:00Z"))).isEqualTo(at("2026-12-04T03:00:00Z"));
    assertThat(daily.next(at("2026-12-04T03:00:00Z"))).isEqualTo(at("2026-12-05T03:00:00Z"));
    CronSchedule quarter = CronSchedule.parse("*/15  9-17 * * 1-5");
    // Friday 17:50 -> Monday 09:00
    assertThat(quarter.next(at("2026-12-04T17:50:00Z"))).isEqualTo(at("2026-12-07T09:00:00Z"));
    assertThat(quarter.toString()).isEqualTo("*/15 9-17 * * 1-5");
  }

  @Test
  void aBadCronSaysWhat() {
    assertThatThrownBy(() -> CronSchedule.parse("0 3 * *"))
        .hasMessageContaining("has 4 fields")
        .hasMessageContaining("minute hour day-of-month month day-of-week");
    assertThatThrownBy(() -> CronSchedule.parse("0 25 * * *"))
        .hasMessageContaining("'0 25 * * *' is not a cron expression");
    assertThatThrownBy(() -> CronSchedule.parse("0 3 * * * 2026")).hasMessageContaining("6 fields");
    assertThatThrownBy(() -> CronSchedule.parse("  ")).hasMessageContaining("is empty");
  }

  @Test
  void aWindowContainsItsStartNotItsEnd() {
    UpdateWindow w = UpdateWindow.parse("02:00-05:00");
    assertThat(w.contains(at("2026-12-04T02:00:00Z"))).isTrue();
    assertThat(w.contains(at("2026-12-04T04:59:59Z"))).isTrue();
    assertThat(w.contains(at("2026-12-04T05:00:00Z"))).isFalse();
    assertThat(w.contains(at("2026-12-04T01:59:00Z"))).isFalse();
    assertThat(w.nextOpening(at("2026-12-04T06:00:00Z"))).isEqualTo(at("2026-12-05T02:00:00Z"));
    assertThat(w.nextOpening(at("2026-12-04T01:00:00Z"))).isEqualTo(at("2026-12-04T02:00:00Z"));
    assertThat(w.nextOpening(at("2026-12-04T03:10:00Z"))).isEqualTo(at("2026-12-04T03:10:00Z"));
    assertThat(w.length()).isEqualTo(Duration.ofHours(3));
  }

  @Test
  void aWindowWrapsMidnight() {
    UpdateWindow w = UpdateWindow.parse("22:30-01:00");
    assertThat(w.contains(at("2026-12-04T23:59:00Z"))).isTrue();
    assertThat(w.contains(at("2026-12-05T00:30:00Z"))).isTrue();
    assertThat(w.contains(at("2026-12-05T01:00:00Z"))).isFalse();
    assertThat(w.contains(at("2026-12-04T22:29:00Z"))).isFalse();
    assertThat(w.nextOpening(at("2026-12-05T01:00:00Z"))).isEqualTo(at("2026-12-05T22:30:00Z"));
    assertThat(w.length()).isEqualTo(Duration.ofMinutes(150));
    assertThat(w).hasToString("22:30-01:00");
  }

  @Test
  void aBadWindowSaysTheForm() {
    for (String bad : List.of("2:00-05:00", "02:00-24:00", "02:00", "02:60-03:00", "x")) {
      assertThatThrownBy(() -> UpdateWindow.parse(bad))
          .as(bad)
          .hasMessageContaining("HH:MM-HH:MM in UTC");
    }
    assertThatThrownBy(() -> UpdateWindow.parse("03:00-03:00"))
        .hasMessageContaining("starts and ends at the same time");
  }

  @Test
  void aCheckOutsideTheWindowWaitsForItsNextOpening() {
    Fleet.AutoUpdate hourly =
        new Fleet.AutoUpdate(
            CronSchedule.parse("0 * * * *"),
            List.of("api"),
            UpdateWindow.parse("23:00-01:00"),
            Fleet.AutoUpdate.DEFAULT_WAVES,
            Duration.ofMinutes(2));
    // 21:00 fires outside 23:00-01:00: moved to 23:00
    assertThat(dev.selvedge.fleet.update.AutoUpdate.nextCheck(hourly, at("2026-12-04T20:30:00Z")))
        .isEqualTo(at("2026-12-04T23:00:00Z"));
    // inside: the cron's own time, past midnight
    assertThat(dev.selvedge.fleet.update.AutoUpdate.nextCheck(hourly, at("2026-12-04T23:30:00Z")))
        .isEqualTo(at("2026-12-05T00:00:00Z"));
    assertThat(dev.selvedge.fleet.update.AutoUpdate.nextCheck(hourly, at("2026-12-05T00:10:00Z")))
        .isEqualTo(at("2026-12-05T23:00:00Z"));
    Fleet.AutoUpdate anyTime =
        new Fleet.AutoUpdate(
            CronSchedule.parse("0 3 * * *"),
            List.of("api"),
            null,
            Fleet.AutoUpdate.DEFAULT_WAVES,
            Duration.ZERO);
    assertThat(dev.selvedge.fleet.update.AutoUpdate.nextCheck(anyTime, at("2026-12-04T20:30:00Z")))
        .isEqualTo(at("2026-12-05T03:00:00Z"));
  }

  @Test
  void aTagIsPinnedToItsRepositoryAndDigest() {
    String d = "sha256:" + "a".repeat(64);
    assertThat(dev.selvedge.fleet.update.AutoUpdate.pinned("127.0.0.1:5000/x/app:1", d))
        .isEqualTo("127.0.0.1:5000/x/app@" + d);
    assertThat(dev.selvedge.fleet.update.AutoUpdate.pinned("127.0.0.1:5000/app", d))
        .isEqualTo("127.0.0.1:5000/app@" + d);
    assertThat(dev.selvedge.fleet.update.AutoUpdate.pinned("nginx:1.27", d))
        .isEqualTo("nginx@" + d);
  }
}
