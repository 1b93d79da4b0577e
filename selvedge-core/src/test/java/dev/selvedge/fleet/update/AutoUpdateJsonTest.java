package dev.selvedge.fleet.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.fleet.update.AutoUpdate.ServiceCheck;
import dev.selvedge.fleet.update.AutoUpdate.StackCheck;
import dev.selvedge.fleet.update.AutoUpdate.State;
import dev.selvedge.json.TreeJson;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one JSON shape of a check that the CLI, the API and the events share. */
class AutoUpdateJsonTest {
  static final String A = "sha256:" + "a".repeat(64);
  static final String B = "sha256:" + "b".repeat(64);

  @Test
  void aCheckIsItsStackServicesRolloutImagesAndWhyNotStarted() {
    StackCheck started =
        new StackCheck(
            "shop",
            Instant.parse("2026-12-04T02:10:00Z"),
            List.of(
                new ServiceCheck(
                    "api", "reg/api:1", B, List.of(A), State.STARTED, "rollout r-1 started"),
                new ServiceCheck("db", null, null, List.of(), State.FAILED, "no tag")),
            "r-1",
            Map.of("api", "reg/api@" + B),
            null,
            false);
    StackCheck waiting =
        new StackCheck(
            "web", Instant.parse("2026-12-04T12:00:00Z"), List.of(), null, null, "outside", true);
    assertThat(
            new String(
                TreeJson.compact(AutoUpdateJson.checks(List.of(started, waiting))),
                java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"checks\":[{\"stack\":\"shop\",\"at\":\"2026-12-04T02:10:00Z\",\"services\":["
                + "{\"service\":\"api\",\"reference\":\"reg/api:1\",\"digest\":\""
                + B
                + "\",\"running\":[\""
                + A
                + "\"],\"state\":\"started\",\"message\":\"rollout r-1 started\"},"
                + "{\"service\":\"db\",\"reference\":null,\"digest\":null,\"running\":[],"
                + "\"state\":\"failed\",\"message\":\"no tag\"}],"
                + "\"rollout\":\"r-1\",\"images\":{\"api\":\"reg/api@"
                + B
                + "\"},\"skipped\":null,\"retry\":false},"
                + "{\"stack\":\"web\",\"at\":\"2026-12-04T12:00:00Z\",\"services\":[],"
                + "\"rollout\":null,\"images\":{},\"skipped\":\"outside\",\"retry\":true}]}");
  }
}
