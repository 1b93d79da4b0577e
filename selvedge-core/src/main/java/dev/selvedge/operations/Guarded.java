package dev.selvedge.operations;

import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.operations.event.Emitter;
import dev.selvedge.operations.event.EventSink;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.LeaseStore;
import dev.selvedge.port.NetworkSummary;
import dev.selvedge.port.VolumeSummary;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;

/**
 * The guarded day-to-day operations: restart, stop or start one service, and take the whole project
 * down. Each holds the project's lease while it works and records every change it makes in the
 * audit log; a service marked {@code x-selvedge.self-critical} (the one that runs the operator's
 * own access, say) is refused without an explicit confirmation.
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
  private final AuditLog audit;
  private final Clock clock;
  // Stops a wave's containers at once: must start every task without waiting for others.
  private final Executor executor;
  private final EventSink events;
  // The operation under way's (see the private constructor); NONE in the instance callers hold.
  private final Progress progress;
  private final String owner;
  private final Duration leaseTtl;

  public Guarded(
      DockerEngine engine,
      LeaseStore leases,
      AuditLog audit,
      Clock clock,
      Executor executor,
      EventSink events,
      String owner,
      Duration leaseTtl) {
    this.engine = engine;
    this.leases = leases;
    this.audit = audit;
    this.clock = clock;
    this.executor = executor;
    this.events = events;
    this.progress = Progress.NONE;
    this.owner = owner;
    this.leaseTtl = leaseTtl;
  }

  /** {@code from} for one operation: its steps told to {@code progress}. */
  private Guarded(Guarded from, Progress progress) {
    this.engine = from.engine;
    this.leases = from.leases;
    this.audit = from.audit;
    this.clock = from.clock;
    this.executor = from.executor;
    this.events = from.events;
    this.progress = progress;
    this.owner = from.owner;
    this.leaseTtl = from.leaseTtl;
  }

  /** The events of one operation on {@code project}, started; finished by {@link #end}. */
  private Emitter begin(Project project, String operation) {
    Emitter emitter =
        new Emitter(events, engine.endpoint(), project.name(), project.secretValues()::scrub);
    emitter.started(operation);
    return emitter;
  }

  /**
   * Restarts, stops or starts every container of {@code service}; returns their names.
   *
   * @throws OperationException when the service is unknown, has no container, or is self-critical
   *     and {@code confirm} is false
   */
  public List<String> service(Project project, String service, Verb verb, boolean confirm) {
    String operation = verb.id() + " " + service;
    Emitter emitter = begin(project, operation);
    List<String> done;
    try {
      done = new Guarded(this, emitter).serviceAs(project, service, verb, confirm);
    } catch (RuntimeException e) {
      emitter.finished(operation, "error", Applier.message(e));
      throw e;
    }
    emitter.finished(operation, "done", String.join(", ", done));
    return done;
  }

  private List<String> serviceAs(Project project, String service, Verb verb, boolean confirm) {
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
            leases,
            engine,
            project.name(),
            owner,
            verb.id() + " " + service,
            leaseTtl,
            progress,
            audit,
            clock)) {
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
        audited(
            project,
            service,
            verb.id(),
            name,
            () -> {
              switch (verb) {
                case RESTART -> engine.restartContainer(c.id(), grace);
                case STOP -> engine.stopContainer(c.id(), grace);
                case START -> engine.startContainer(c.id());
              }
            });
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
   * External networks and volumes are never removed (they carry no project label). Containers go as
   * Compose takes them down: dependents before what they depend on (apply's {@code depends_on}
   * waves, last first), the services of one wave at once.
   */
  public Removed down(Project project, boolean volumes, boolean confirm) {
    Emitter emitter = begin(project, "down");
    Removed removed;
    try {
      removed = new Guarded(this, emitter).downAs(project, volumes, confirm);
    } catch (RuntimeException e) {
      emitter.finished("down", "error", Applier.message(e));
      throw e;
    }
    emitter.finished(
        "down",
        "done",
        removed.containers().size()
            + " container(s), "
            + removed.networks().size()
            + " network(s), "
            + removed.volumes().size()
            + " volume(s) removed");
    return removed;
  }

  private Removed downAs(Project project, boolean volumes, boolean confirm) {
    for (Service s : project.services().values()) {
      if (s.selvedge().selfCritical() && !confirm) {
        throw new OperationException(
            "service '"
                + s.name()
                + "' is marked x-selvedge.self-critical: taking the project down may cut off the"
                + " access you are using. Run again with --confirm if you mean it");
      }
    }
    List<List<String>> waves = new ArrayList<>(Planner.waves(project));
    Collections.reverse(waves);
    try (LeaseKeeper lease =
        LeaseKeeper.acquire(
            leases, engine, project.name(), owner, "down", leaseTtl, progress, audit, clock)) {
      Map<String, String> mine = Map.of(ComposeLabels.PROJECT, project.name());
      List<List<ContainerSummary>> batches = batches(engine.listContainers(mine, true), waves);
      int widest = batches.stream().mapToInt(List::size).max().orElse(1);
      List<String> containers = new ArrayList<>();
      try (Bounded pool =
          new Bounded(executor, Math.max(1, Math.min(Applier.MAX_PARALLEL, widest)))) {
        for (List<ContainerSummary> batch : batches) {
          lease.check();
          Map<String, Future<?>> stopping = new LinkedHashMap<>();
          for (ContainerSummary c : batch) {
            stopping.put(Planner.name(c), pool.submit(() -> stopAndRemove(project, c)));
          }
          // The whole wave ends before the next one starts; the first failure stops the rest
          // (what was removed is in the audit log).
          RuntimeException failure = null;
          for (Map.Entry<String, Future<?>> e : stopping.entrySet()) {
            try {
              e.getValue().get();
              containers.add(e.getKey());
            } catch (ExecutionException x) {
              if (failure == null) {
                failure =
                    x.getCause() instanceof RuntimeException re
                        ? re
                        : new OperationException(Applier.message(x.getCause()));
              }
            } catch (InterruptedException x) {
              Thread.currentThread().interrupt();
              throw new OperationException("interrupted while taking the project down");
            }
          }
          if (failure != null) {
            throw failure;
          }
        }
      }
      List<String> networks = new ArrayList<>();
      for (NetworkSummary n : engine.listNetworks(mine)) {
        progress.step(null, "removing network " + n.name());
        audited(project, null, "remove network", n.name(), () -> engine.removeNetwork(n.id()));
        networks.add(n.name());
      }
      List<String> removedVolumes = new ArrayList<>();
      if (volumes) {
        for (VolumeSummary v : engine.listVolumes(mine)) {
          progress.step(null, "removing volume " + v.name());
          audited(project, null, "remove volume", v.name(), () -> engine.removeVolume(v.name()));
          removedVolumes.add(v.name());
        }
      }
      return new Removed(containers, networks, removedVolumes);
    }
  }

  /**
   * The project's containers in the order they are taken down: one batch per wave of {@code waves}
   * (dependents first); containers of services the contract does not name go with the first batch,
   * since nothing it declares depends on them.
   */
  static List<List<ContainerSummary>> batches(
      List<ContainerSummary> containers, List<List<String>> waves) {
    Map<String, Integer> waveOf = new LinkedHashMap<>();
    for (int i = 0; i < waves.size(); i++) {
      for (String service : waves.get(i)) {
        waveOf.put(service, i);
      }
    }
    List<List<ContainerSummary>> batches = new ArrayList<>();
    for (int i = 0; i < Math.max(1, waves.size()); i++) {
      batches.add(new ArrayList<>());
    }
    for (ContainerSummary c : containers) {
      String service = c.labels().get(ComposeLabels.SERVICE);
      batches.get(waveOf.getOrDefault(service == null ? "" : service, 0)).add(c);
    }
    batches.removeIf(List::isEmpty);
    return batches;
  }

  private void stopAndRemove(Project project, ContainerSummary c) {
    String service = c.labels().get(ComposeLabels.SERVICE);
    Service s = service == null ? null : project.services().get(service);
    Duration grace = Applier.stopTimeout(s);
    progress.step(service, "stopping and removing " + Planner.name(c));
    audited(
        project,
        service,
        "remove",
        Planner.name(c),
        () -> {
          engine.stopContainer(c.id(), grace); // its stop signal first, as Compose does
          engine.removeContainer(c.id(), false);
        });
  }

  /**
   * Makes one change and records it in the audit log, done or failed; a failure is rethrown after
   * it is recorded.
   */
  private void audited(
      Project project, String service, String action, String target, Runnable change) {
    try {
      change.run();
    } catch (RuntimeException e) {
      // Engine messages can echo what they were given.
      String why = project.secretValues().scrub(Applier.message(e));
      record(project.name(), service, action, target, "failed", why);
      throw e;
    }
    record(project.name(), service, action, target, "done", "");
  }

  private void record(
      String project, String service, String action, String target, String outcome, String detail) {
    audit.record(
        AuditLog.Event.of(
                clock.instant(),
                owner,
                HostIdentity.of(engine),
                project,
                service,
                action,
                target,
                outcome,
                detail)
            .from(Actor.machine()));
  }
}
