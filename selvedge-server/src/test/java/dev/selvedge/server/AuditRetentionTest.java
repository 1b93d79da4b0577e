package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.fleet.Fleet;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Store;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The retention job of {@code serve} on an H2 file store, with a fixed clock. */
class AuditRetentionTest {
  @TempDir Path dir;

  @Test
  void removesWhatIsOlderThanTheFleetFilesAgeAndAuditsItself() {
    Instant now = Instant.parse("2026-06-01T00:00:00Z");
    Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    StoreConfig config =
        new StoreConfig(
            "jdbc:h2:file:" + dir.resolve("store/selvedge") + ";AUTO_SERVER=TRUE", null, null);
    try (Store store = Stores.open(config, clock)) {
      for (int days : new int[] {500, 401, 399, 1}) {
        store
            .audit()
            .record(
                AuditLog.Event.of(
                        now.minus(Duration.ofDays(days)),
                        "ana@box",
                        "docker-daemon:X",
                        "shop",
                        "web",
                        "restart",
                        "shop-web-1",
                        "done",
                        "")
                    .change(null, days + "d ago"));
      }
      AtomicReference<Fleet.Retention> retention =
          new AtomicReference<>(new Fleet.Retention(null, Duration.ofDays(7)));
      List<String> said = new ArrayList<>();
      AuditRetention job =
          new AuditRetention(store.audit(), retention::get, clock, "cp-1", said::add);

      // Kept for ever: nothing runs.
      assertThat(job.runOnce()).isEmpty();
      assertThat(store.audit().find(AuditLog.Query.latest(10))).hasSize(4);

      // The fleet file (reloaded) says 400 days: the two older events go, the run is audited.
      retention.set(new Fleet.Retention(Duration.ofDays(400), Duration.ofDays(7)));
      AuditLog.Purged purged = job.runOnce().orElseThrow();
      assertThat(purged.removed()).isEqualTo(2);
      assertThat(purged.cutoff()).isEqualTo(now.minus(Duration.ofDays(400)));
      assertThat(said)
          .containsExactly("audit retention: removed 2 events older than 2025-04-27T00:00:00Z");
      List<AuditLog.Event> left = store.audit().find(AuditLog.Query.latest(10));
      assertThat(left)
          .extracting(AuditLog.Event::after)
          .containsExactly(null, "1d ago", "399d ago");
      AuditLog.Event run = left.get(0);
      assertThat(run.action()).isEqualTo(AuditLog.RETENTION);
      assertThat(run.actor()).isEqualTo(AuditRetention.ACTOR);
      assertThat(run.source()).isEqualTo("cp-1");
      assertThat(run.detail()).isEqualTo("removed 2 events older than 2025-04-27T00:00:00Z");

      // Nothing more to remove: the run is still recorded, quietly.
      assertThat(job.runOnce().orElseThrow().removed()).isZero();
      assertThat(said).hasSize(1);
    }
  }
}
