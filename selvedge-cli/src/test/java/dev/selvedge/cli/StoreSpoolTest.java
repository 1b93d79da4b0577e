package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.Lease;
import dev.selvedge.port.Store;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool on a real H2 store: a closed store stands for one that went away (every call fails),
 * and a second open of the same file for the store once it is back.
 */
class StoreSpoolTest {
  private static final String HOST = "unix:///var/run/docker.sock";

  @TempDir Path tmp;
  private final List<String> said = new ArrayList<>();

  private Store open() {
    return Stores.open(StoreConfig.defaults(Map.of("SELVEDGE_HOME", tmp.toString())));
  }

  private StoreSpool spool(Store store) {
    return new StoreSpool(
        StoreSpool.directory(tmp, store.location()), store.location(), Duration.ZERO, said::add);
  }

  @Test
  void whatAStoreThatWentAwayCouldNotTakeIsWrittenByTheNextOpenEvenOverInterrupted()
      throws Exception {
    Store first = open();
    Deployment d = first.deployments().begin(running("shop"));
    Lease lease = first.leases().acquire(HOST, "shop", "ana@box (pid 1)", "apply", ttl());
    StoreSpool spool = spool(first);
    Store wrapped = spool.around(first);
    first.close(); // from here every call fails, as with a stopped database

    Instant end = Instant.parse("2026-01-02T03:04:05Z");
    wrapped.deployments().finish(d.id(), Deployment.Outcome.HEALTHY, "healthy; applied: web", end);
    wrapped.leases().release(lease);
    wrapped.audit().record(event());

    Path dir = StoreSpool.directory(tmp, first.location());
    List<Path> files = files(dir);
    assertThat(files).hasSize(3);
    for (Path f : files) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
          .isEqualTo("rw-------");
      assertThat(String.join("\n", said)).contains("kept in " + f);
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");

    said.clear();
    try (Store back = open()) {
      // A run that took over the expired lease meanwhile marked it interrupted: the spooled ending
      // is what happened, so it wins.
      back.deployments().markInterrupted(HOST, "shop", end.plusSeconds(90));
      spool(back).replay(back);
      Deployment now = back.deployments().find(d.id()).orElseThrow();
      assertThat(now.outcome()).isEqualTo(Deployment.Outcome.HEALTHY);
      assertThat(now.summary()).isEqualTo("healthy; applied: web");
      assertThat(now.finishedAt()).isEqualTo(end);
      assertThat(back.leases().current(HOST, "shop")).isEmpty();
      assertThat(back.audit().recent(HOST, "shop", 10)).hasSize(1);
    }
    assertThat(files(dir)).isEmpty();
    assertThat(String.join("\n", said))
        .contains("recorded how deployment " + d.id() + " of 'shop' ended, healthy")
        .contains("released the lease on 'shop' that ana@box (pid 1)")
        .contains("recorded the audit event");
  }

  @Test
  void anAuditEventIsRefusedNotSpooledWhileTheStoreWasNeverFoundAway() {
    Store first = open();
    Store wrapped = spool(first).around(first);
    first.close();
    // A guarded operation reports a change it could not audit: that stays so.
    assertThatThrownBy(() -> wrapped.audit().record(event())).isInstanceOf(RuntimeException.class);
    assertThat(Files.exists(StoreSpool.directory(tmp, first.location()))).isFalse();
  }

  @Test
  void aSpoolFileThatCannotBeReadIsNamedAndKept() throws Exception {
    try (Store store = open()) {
      Path dir = Files.createDirectories(StoreSpool.directory(tmp, store.location()));
      Path bad = Files.writeString(dir.resolve("deployment-7.json"), "{\"record\": \"what\"}");
      spool(store).replay(store);
      assertThat(files(dir)).containsExactly(bad);
      assertThat(String.join("\n", said)).contains(bad.toString()).contains("stays spooled");
    }
  }

  private static List<Path> files(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  private static Duration ttl() {
    return Duration.ofMinutes(10);
  }

  private static AuditLog.Event event() {
    return new AuditLog.Event(
        0,
        Instant.parse("2026-01-02T03:04:00Z"),
        "ana@box (pid 1)",
        HOST,
        "shop",
        "web",
        "apply create",
        "shop-web-1",
        "applied",
        "deployment 1");
  }

  private static Deployment running(String project) {
    return new Deployment(
        0,
        HOST,
        project,
        Deployment.Kind.APPLY,
        null,
        "ana@box",
        Instant.parse("2026-01-02T03:00:00Z"),
        null,
        Deployment.Outcome.RUNNING,
        false,
        "{}",
        List.of(),
        Map.of(),
        null,
        "");
  }
}
