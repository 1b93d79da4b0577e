package dev.selvedge.operations;

import java.util.List;

/**
 * What {@code apply} would do to a project, service by service: the dry run {@code plan} prints and
 * the list {@code apply} works through.
 *
 * @param services in the order apply handles them (dependencies first)
 * @param networks the project's networks: to create, present, or external
 * @param volumes the project's named volumes: to create, present, or external
 * @param orphans containers of the project whose service the contract does not name
 */
public record Plan(
    String project,
    String host,
    List<Step> services,
    List<Resource> networks,
    List<Resource> volumes,
    List<Orphan> orphans) {

  public Plan {
    services = List.copyOf(services);
    networks = List.copyOf(networks);
    volumes = List.copyOf(volumes);
    orphans = List.copyOf(orphans);
  }

  /** What happens to one service. */
  public enum Action {
    /** No container yet: create and start one. */
    CREATE,
    /** The container differs from the contract: replace it (see the reasons). */
    RECREATE,
    /** The container is what the contract says but is not running: start it. */
    START,
    /**
     * An interrupted apply left the previous container parked: gate the current one, then keep it
     * (removing the parked one) or put the parked one back.
     */
    RESUME,
    /** Nothing to do. */
    NOTHING;

    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One service's step.
   *
   * @param reasons why (empty for NOTHING); never secret values
   * @param containerId the service's current container, or null
   * @param parkedId for RESUME, the previous container an interrupted apply parked; else null
   * @param leftovers other containers of the service (extra replicas, a replaced container an
   *     interrupted apply left behind): removed once the service is in place
   * @param image the image the service is pinned to, or null when it still has to be pulled
   * @param configHash the hash the new container will carry, or null when the image is not known
   *     yet
   */
  public record Step(
      String service,
      Action action,
      List<String> reasons,
      String containerId,
      String parkedId,
      List<String> leftovers,
      ResolvedImage image,
      String configHash) {
    public Step {
      reasons = List.copyOf(reasons);
      leftovers = List.copyOf(leftovers);
    }

    /** Whether apply changes anything for this service. */
    public boolean changes() {
      return action != Action.NOTHING || !leftovers.isEmpty();
    }
  }

  /** A network or volume: its key in the contract, its engine name and what happens to it. */
  public record Resource(String key, String engineName, Presence presence) {}

  /** Whether a network or volume is there. */
  public enum Presence {
    CREATE,
    PRESENT,
    EXTERNAL
  }

  /** A container of the project whose service the contract does not name: removed by apply. */
  public record Orphan(String containerId, String name, String service) {}

  /** Whether apply would change anything. */
  public boolean changes() {
    return services.stream().anyMatch(Step::changes)
        || !orphans.isEmpty()
        || networks.stream().anyMatch(r -> r.presence() == Presence.CREATE)
        || volumes.stream().anyMatch(r -> r.presence() == Presence.CREATE);
  }

  /** The step of one service. */
  public Step step(String service) {
    return services.stream()
        .filter(s -> s.service().equals(service))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no step for " + service));
  }
}
