package dev.selvedge.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusModelTest {
  @ParameterizedTest(name = "{0} + {1} + blocked={2} -> {3}")
  @CsvSource({
    "IN_SYNC, HEALTHY, false, GREEN",
    "IN_SYNC, HEALTHY, true, YELLOW",
    "DRIFTED, HEALTHY, false, YELLOW",
    "UNKNOWN, HEALTHY, false, YELLOW",
    "IN_SYNC, PROGRESSING, false, YELLOW",
    "IN_SYNC, DEGRADED, false, RED",
    "IN_SYNC, MISSING, false, RED",
    "IN_SYNC, UNREACHABLE, false, RED",
    "DRIFTED, DEGRADED, true, RED",
  })
  void pillOfAService(Sync sync, Health health, boolean blocked, Pill pill) {
    assertThat(StatusModel.pill(sync, health, blocked)).isEqualTo(pill);
  }

  @Test
  void aPillAlwaysCarriesTheReasonsBehindItsColour() {
    ServiceStatus red =
        StatusModel.service(
            "db",
            Sync.DRIFTED,
            List.of("image stale"),
            Health.DEGRADED,
            List.of("exited (code 1)"),
            List.of());
    assertThat(red.pillReasons()).containsExactly("exited (code 1)");
    ServiceStatus yellow =
        StatusModel.service(
            "api",
            Sync.DRIFTED,
            List.of("image stale"),
            Health.HEALTHY,
            List.of("running"),
            List.of("owned by x"));
    assertThat(yellow.pillReasons()).containsExactly("image stale", "owned by x");
    ServiceStatus green =
        StatusModel.service(
            "web", Sync.IN_SYNC, List.of(), Health.HEALTHY, List.of("running"), List.of());
    assertThat(green.pillReasons()).containsExactly("in sync and healthy");
  }

  @Test
  void theStackTakesTheWorstPillWithTheReasonsOfThePartsThatHaveIt() {
    ServiceStatus green =
        StatusModel.service(
            "web", Sync.IN_SYNC, List.of(), Health.HEALTHY, List.of("running"), List.of());
    ServiceStatus yellow =
        StatusModel.service(
            "api", Sync.IN_SYNC, List.of(), Health.PROGRESSING, List.of("starting"), List.of());
    ServiceStatus red =
        StatusModel.service(
            "db", Sync.IN_SYNC, List.of(), Health.MISSING, List.of("no container"), List.of());

    StackStatus all = StatusModel.stack("shop", List.of(green, yellow, red), List.of("orphan x"));
    assertThat(all.pill()).isEqualTo(Pill.RED);
    assertThat(all.health()).isEqualTo(Health.MISSING);
    assertThat(all.sync()).isEqualTo(Sync.DRIFTED);
    assertThat(all.pillReasons()).containsExactly("db: no container");

    StackStatus noRed = StatusModel.stack("shop", List.of(green, yellow), List.of("orphan x"));
    assertThat(noRed.pill()).isEqualTo(Pill.YELLOW);
    assertThat(noRed.pillReasons()).containsExactly("api: starting", "(project): orphan x");

    StackStatus onlyProject = StatusModel.stack("shop", List.of(green), List.of("orphan x"));
    assertThat(onlyProject.pill()).isEqualTo(Pill.YELLOW);
    assertThat(onlyProject.sync()).isEqualTo(Sync.DRIFTED);

    StackStatus fine = StatusModel.stack("shop", List.of(green), List.of());
    assertThat(fine.pill()).isEqualTo(Pill.GREEN);
    assertThat(fine.pillReasons()).containsExactly("the service is in sync and healthy");
  }

  @Test
  void unknownSyncRollsUpBelowDrifted() {
    ServiceStatus unknown =
        StatusModel.service(
            "a", Sync.UNKNOWN, List.of("not read"), Health.HEALTHY, List.of(), List.of());
    ServiceStatus drifted =
        StatusModel.service("b", Sync.DRIFTED, List.of("x"), Health.HEALTHY, List.of(), List.of());
    assertThat(StatusModel.stack("s", List.of(unknown), List.of()).sync()).isEqualTo(Sync.UNKNOWN);
    assertThat(StatusModel.stack("s", List.of(unknown, drifted), List.of()).sync())
        .isEqualTo(Sync.DRIFTED);
  }
}
