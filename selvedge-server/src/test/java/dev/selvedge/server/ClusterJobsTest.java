package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterJobsTest {
  private static final Instant NOW = Instant.parse("2026-12-04T02:00:00Z");

  @Test
  void aScheduledJobIsDueAgainAfterHalfTheGapToItsNextTimeAndNeverSooner() {
    Duration atLeast = Duration.ofSeconds(30);
    assertThat(ClusterJobs.halfTheGap(NOW, NOW.plus(Duration.ofDays(1)), atLeast))
        .isEqualTo(Duration.ofHours(12));
    assertThat(ClusterJobs.halfTheGap(NOW, NOW.plusSeconds(40), atLeast)).isEqualTo(atLeast);
    assertThat(ClusterJobs.halfTheGap(NOW, null, atLeast)).isEqualTo(atLeast);
  }

  @Test
  void aloneRunsEveryTickAndGivesTheJobsAnswer() {
    List<String> ran = new ArrayList<>();
    Runnable job = () -> ran.add("1");
    assertThat(ClusterJobs.ALONE.once("j", Duration.ofHours(1), job)).isTrue();
    assertThat(ClusterJobs.ALONE.once("j", Duration.ofHours(1), () -> "two")).contains("two");
    assertThat(ClusterJobs.ALONE.once("j", Duration.ofHours(1), () -> null)).isEmpty();
    assertThat(ran).containsExactly("1");
  }
}
