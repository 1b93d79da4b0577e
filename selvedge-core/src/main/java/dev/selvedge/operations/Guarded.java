package dev.selvedge.operations;

import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.LeaseStore;
import dev.selvedge.port.NetworkSummary;
import dev.selvedge.port.VolumeSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The guarded day-to-day operations: restart, stop or start one service, and take the whole project
 * down. Each holds the project's lease while it works; a service marked {@code
 * x-selvedge.self-critical} (the one that runs the operator's own access, say) is refused without
 * an explicit confirmation.
 */
public final class Guarded {
  /** What to do to one service. */
  public enum Verb {
    RESTART,
    STOP,
    START;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final DockerEngine engine;
  private final LeaseStore leases;
  private final Progress progress;
  private final String owner;
  private final Duration leaseTtl;

  public Guarded(
      DockerEngine engine, LeaseStore leases, Progress progress, String owner, Duration leaseTtl) {
    this.engine = engine;
    this.leases = leases;
    this.progress = progress;
    this.owner = owner;
    this.leaseTtl = leaseTtl;
  }

  /**
   * Restarts, stops or starts every container of {@code service}; returns their names.
   *
   * @throws OperationException when the service is unknown, has no container, or is self-critical
   *     and {@code confirm} is false
   */
  public List<String> service(Project project, String service, Verb verb, boolean confirm) {
    Service s = project.services().get(service);
    if (s == null) {
      throw new OperationException(
          "project '"
              + project.name()
              + "' has no service '"
              + service
              + "'; its services are "
              + project.services().keySet());
    }
    if (s.selvedge().selfCritical() && !confirm && verb != Verb.START) {
      throw new OperationException(
          "service '"
              + service
              + "' is marked x-selvedge.self-critical: to "
              + verb.id()
              + " it may cut off the access you are using. Run again with --confirm if you mean"
              + " it");
    }
    try (LeaseKeeper lease =
        LeaseKeeper.acquire(
            leases, engine, project.name(), owner, verb.id() + " " + service, leaseTtl)) {
      // The service's own containers: not one-off `run` containers, not one an interrupted apply
      // parked (starting it would run the old version beside the new one).
      List<ContainerSummary> containers =
          engine
              .listContainers(
                  Map.of(ComposeLabels.PROJECT, project.name(), ComposeLabels.SERVICE, service),
                  true)
              .stream()
              .filter(c -> !"true".equalsIgnoreCase(c.labels().get(ComposeLabels.ONEOFF)))
              .filter(c -> !Planner.name(c).endsWith(Applier.OLD_SUFFIX))
              .toList();
      if (containers.isEmpty()) {
        throw new OperationException(
            "service '" + service + "' has no container on " + engine.endpoint() + "; apply first");
      }
      Duration grace = Applier.stopTimeout(s);
      List<String> done = new ArrayList<>();
      for (ContainerSummary c : containers) {
        lease.check();
        String name = Planner.name(c);
        progress.step(service, verb.id() + " " + name);
        switch (verb) {
          case RESTART -> engine.restartContainer(c.id(), grace);
          case STOP -> engine.stopContainer(c.id(), grace);
          case START -> engine.startContainer(c.id());
        }
        done.add(name);
      }
      return done;
    }
  }

  /** What {@code down} removed. */
  public record Removed(List<String> containers, List<String> networks, List<String> volumes) {
    public Removed {
      containers = List.copyOf(containers);
      networks = List.copyOf(networks);
      volumes = List.copyOf(volumes);
    }
  }

  /**
   * Removes the project's containers and networks, and its named volumes when {@code volumes}.
   * External networks and volumes are never removed (they carry no project label).
   */
  public Removed down(Project project, boolean volumes, boolean confirm) {
    for (Service s : project.services().values()) {
      if (s.selvedge().selfCritical() && !confirm) {
        throw new OperationException(
            "service '"
                + s.name()
                + "' is marked x-selvedge.self-critical: taking the project down may cut off the"
                + " access you are using. Run again with --confirm if you mean it");
      }
    }
    try (LeaseKeeper lease =
        LeaseKeeper.acquire(leases, engine, project.name(), owner, "down", leaseTtl)) {
      Map<String, String> mine = Map.of(ComposeLabels.PROJECT, project.name());
      List<String> containers = new ArrayList<>();
      for (ContainerSummary c : engine.listContainers(mine, true)) {
        lease.check();
        String service = c.labels().get(ComposeLabels.SERVICE);
        Service s = service == null ? null : project.services().get(service);
        Duration grace = Applier.stopTimeout(s);
        progress.step(service, "stopping and removing " + Planner.name(c));
        engine.stopContainer(c.id(), grace); // its stop signal first, as Compose does
        engine.removeContainer(c.id(), false);
        containers.add(Planner.name(c));
      }
      List<String> networks = new ArrayList<>();
      for (NetworkSummary n : engine.listNetworks(mine)) {
        progress.step(null, "removing network " + n.name());
        engine.removeNetwork(n.id());
        networks.add(n.name());
      }
      List<String> removedVolumes = new ArrayList<>();
      if (volumes) {
        for (VolumeSummary v : engine.listVolumes(mine)) {
          progress.step(null, "removing volume " + v.name());
          engine.removeVolume(v.name());
          removedVolumes.add(v.name());
        }
      }
      return new Removed(containers, networks, removedVolumes);
    }
  }
}
