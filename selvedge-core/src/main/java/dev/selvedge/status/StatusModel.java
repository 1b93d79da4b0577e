package dev.selvedge.status;

import java.util.ArrayList;
import java.util.List;

/**
 * The mapping from the two axes to a pill, and the roll-up from services to a stack (docs/drift.md,
 * "Status"):
 *
 * <ul>
 *   <li>red: health is missing, degraded or unreachable;
 *   <li>yellow: otherwise, health is progressing, or sync is drifted or unknown, or an external
 *       dependency is blocked;
 *   <li>green: in sync, healthy, nothing blocked.
 * </ul>
 *
 * The stack takes the worst pill of its services and of its project-wide drift (yellow); its
 * reasons are those of the parts that have that worst colour.
 */
public final class StatusModel {
  private StatusModel() {}

  /** The pill of one service from its axes. */
  public static Pill pill(Sync sync, Health health, boolean blocked) {
    return switch (health) {
      case MISSING, DEGRADED, UNREACHABLE -> Pill.RED;
      case PROGRESSING -> Pill.YELLOW;
      case HEALTHY -> sync == Sync.IN_SYNC && !blocked ? Pill.GREEN : Pill.YELLOW;
    };
  }

  /** A service's status: its pill and the reasons behind the colour. */
  public static ServiceStatus service(
      String service,
      Sync sync,
      List<String> syncReasons,
      Health health,
      List<String> healthReasons,
      List<String> external) {
    Pill pill = pill(sync, health, !external.isEmpty());
    List<String> reasons = new ArrayList<>();
    switch (pill) {
      case RED -> reasons.addAll(healthReasons);
      case YELLOW -> {
        if (health == Health.PROGRESSING) {
          reasons.addAll(healthReasons);
        }
        if (sync != Sync.IN_SYNC) {
          reasons.addAll(syncReasons);
        }
        reasons.addAll(external);
      }
      case GREEN -> reasons.add("in sync and healthy");
    }
    if (reasons.isEmpty()) {
      // An axis value without a recorded reason still has to explain the colour.
      reasons.add("sync " + sync.id() + ", health " + health.id());
    }
    return new ServiceStatus(
        service, sync, syncReasons, health, healthReasons, external, pill, reasons);
  }

  /** The stack roll-up: worst pill wins, with the reasons of every part that has it. */
  public static StackStatus stack(
      String project, List<ServiceStatus> services, List<String> projectReasons) {
    Sync sync = projectReasons.isEmpty() ? Sync.IN_SYNC : Sync.DRIFTED;
    Health health = Health.HEALTHY;
    Pill pill = projectReasons.isEmpty() ? Pill.GREEN : Pill.YELLOW;
    for (ServiceStatus s : services) {
      sync = worse(sync, s.sync());
      health = health.worst(s.health());
      pill = pill.worst(s.pill());
    }
    List<String> reasons = new ArrayList<>();
    for (ServiceStatus s : services) {
      if (s.pill() == pill && pill != Pill.GREEN) {
        s.pillReasons().forEach(r -> reasons.add(s.service() + ": " + r));
      }
    }
    if (pill == Pill.YELLOW) {
      projectReasons.forEach(r -> reasons.add("(project): " + r));
    }
    if (pill == Pill.GREEN) {
      reasons.add(
          switch (services.size()) {
            case 0 -> "the contract names no services";
            case 1 -> "the service is in sync and healthy";
            default ->
                services.size() == 1
                    ? "its one service in sync and healthy"
                    : "all " + services.size() + " services in sync and healthy";
          });
    }
    return new StackStatus(project, sync, health, pill, reasons, projectReasons, services);
  }

  private static Sync worse(Sync a, Sync b) {
    if (a == Sync.DRIFTED || b == Sync.DRIFTED) {
      return Sync.DRIFTED;
    }
    if (a == Sync.UNKNOWN || b == Sync.UNKNOWN) {
      return Sync.UNKNOWN;
    }
    return Sync.IN_SYNC;
  }
}
