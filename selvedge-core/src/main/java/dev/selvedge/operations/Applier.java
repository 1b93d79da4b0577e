package dev.selvedge.operations;

import dev.selvedge.contract.model.Dependency;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.operations.ApplyResult.ServiceResult;
import dev.selvedge.operations.ApplyResult.Status;
import dev.selvedge.operations.event.Emitter;
import dev.selvedge.operations.event.EventSink;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.ContainerCreate;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.Lease;
import dev.selvedge.port.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;

/**
 * Our own reconciler on the Engine API: applies a contract to a project on one engine, service by
 * service in {@code depends_on} waves (the services of a wave in parallel), each new container
 * gated on its health. A service that fails its gate is put back as it was — the previous
 * container, with its configuration and image, started again and waited for — and the apply stops
 * there, saying what was applied, what was restored and what was not reached.
 *
 * <p>Holds the project's lease for the whole operation and records it as a deployment snapshot.
 */
public final class Applier {
  /** Suffix of the name a replaced container has while its successor is gated. */
  static final String OLD_SUFFIX = "-selvedge-old";

  /** At most this many services of a wave are applied at once. */
  static final int MAX_PARALLEL = 32;

  private final DockerEngine engine;
  private final Store store;
  private final HealthGate gate;
  private final Planner planner;
  private final Fingerprints fingerprints;
  private final Clock clock;
  // Runs a wave's services at once (at most MAX_PARALLEL): must start every task it is given
  // without waiting for others to end (a thread per task, virtual threads).
  private final Executor executor;
  private final EventSink events;
  // The apply under way's (see the private constructor); NONE in the instance callers hold.
  private final Progress progress;

  public Applier(
      DockerEngine engine,
      Store store,
      HealthGate gate,
      Planner planner,
      Fingerprints fingerprints,
      Clock clock,
      Executor executor,
      EventSink events) {
    this.engine = engine;
    this.store = store;
    this.gate = gate;
    this.planner = planner;
    this.fingerprints = fingerprints;
    this.clock = clock;
    this.executor = executor;
    this.events = events;
    this.progress = Progress.NONE;
  }

  /** {@code from} for one apply: its steps told to {@code progress}. */
  private Applier(Applier from, Progress progress) {
    this.engine = from.engine;
    this.store = from.store;
    this.gate = from.gate;
    this.planner = from.planner;
    this.fingerprints = from.fingerprints;
    this.clock = from.clock;
    this.executor = from.executor;
    this.events = from.events;
    this.progress = progress;
  }

  /**
   * What to apply.
   *
   * @param pinned images to use as they are (a rollback's recorded pins); null = resolve each
   *     service's image by its pull policy
   * @param forced applied despite verify errors (recorded)
   * @param gateTimeout how long each service may take to become healthy
   * @param leaseTtl how long the lease lives without renewal (renewed every third of it)
   */
  public record Request(
      Project project,
      Deployment.Kind kind,
      Long rollbackOf,
      Map<String, ResolvedImage> pinned,
      boolean forced,
      String actor,
      String revision,
      Duration gateTimeout,
      Duration leaseTtl) {}

  /**
   * Applies {@code req}: its events (started, steps, pulls, gate verdicts, finished) go to the
   * sink, on this engine's endpoint and the project's name.
   */
  public ApplyResult apply(Request req) {
    Project project = req.project();
    String operation = req.kind() == Deployment.Kind.ROLLBACK ? "rollback" : "apply";
    Emitter emitter =
        new Emitter(events, engine.endpoint(), project.name(), project.secretValues()::scrub);
    emitter.started(operation);
    ApplyResult result;
    try {
      result = new Applier(this, emitter).applyAs(req);
    } catch (RuntimeException e) {
      emitter.finished(operation, "error", message(e));
      throw e;
    }
    emitter.finished(operation, result.outcome().id(), result.summary());
    return result;
  }

  private ApplyResult applyAs(Request req) {
    Project project = req.project();
    SpecBuilder specs = new SpecBuilder(project);
    // Refuse what cannot be deployed before touching anything.
    for (Service s : project.services().values()) {
      specs.check(s);
    }
    List<List<String>> waves = Planner.waves(project);
    String owner = req.actor() + " (pid " + ProcessHandle.current().pid() + ")";
    String operation = req.kind() == Deployment.Kind.ROLLBACK ? "rollback" : "apply";
    try (LeaseKeeper lease =
        LeaseKeeper.acquire(
            store.leases(),
            engine,
            project.name(),
            owner,
            operation,
            req.leaseTtl(),
            progress,
            store.audit(),
            clock)) {
      int interrupted =
          store
              .deployments()
              .markInterrupted(
                  HostIdentity.of(engine, store.deployments()), project.name(), clock.instant());
      if (interrupted > 0) {
        progress.step(
            null,
            interrupted
                + " earlier deployment(s) of this project were interrupted; converging from what"
                + " is on the engine");
      }
      // Recorded before the first change to the engine (a pull is one), so a crash at any point
      // of the run leaves a deployment for the next run to mark interrupted; its images are
      // recorded once resolved, and it is removed again when there turns out to be nothing to do.
      Deployment started =
          store
              .deployments()
              .begin(
                  new Deployment(
                      0,
                      HostIdentity.of(engine),
                      project.name(),
                      req.kind(),
                      req.revision(),
                      req.actor(),
                      clock.instant(),
                      null,
                      Deployment.Outcome.RUNNING,
                      req.forced(),
                      ComposeConfig.redacted().render(project).toString(),
                      List.of(),
                      envFingerprints(project),
                      req.rollbackOf(),
                      ""));
      Plan unchanged;
      boolean changing = false;
      boolean discarded = false;
      try {
        Map<String, ResolvedImage> images = resolve(project, req.pinned());
        lease.check();
        Plan plan = planner.plan(specs, images);
        if (plan.changes()) {
          try {
            PortCheck.check(project, plan, engine);
          } catch (RuntimeException e) {
            // Refused before anything changed: there is no deployment to remember.
            store.deployments().discard(started.id());
            discarded = true;
            throw e;
          }
          store.deployments().pin(started.id(), pins(images));
          changing = true;
          progress.step(null, "deployment " + started.id() + " started");
          ApplyResult result = run(req, specs, plan, images, waves, started.id(), lease);
          store
              .deployments()
              .finish(started.id(), result.outcome(), result.summary(), clock.instant());
          audit(req, specs, owner, operation, result);
          return result;
        }
        unchanged = plan;
      } catch (RuntimeException e) {
        if (discarded) {
          throw e;
        }
        // Engine messages can echo what they were given (driver options, environment).
        String why =
            (e instanceof EngineUnreachableException
                    ? "the engine became unreachable during the apply: "
                    : "")
                + project.secretValues().scrub(message(e));
        store
            .deployments()
            .finish(
                started.id(),
                Deployment.Outcome.FAILED,
                changing
                    ? "stopped by an error: "
                        + why
                        + "; the stack may be partly applied: run apply again to converge"
                    : "stopped before any container changed: " + why,
                clock.instant());
        if (!changing) {
          throw e; // nothing but images was touched: the error says all there is
        }
        if (e instanceof dev.selvedge.SelvedgeException) {
          throw new OperationException(why + "; the stack may be partly applied: run apply again");
        }
        throw e;
      }
      store.deployments().discard(started.id());
      return unchanged(req, unchanged);
    }
  }

  /**
   * Records in the audit log each container the apply changed: one event per service it created,
   * replaced, started or put back, and per container it removed. The deployment is recorded
   * already, so a store that cannot take these is said, not an error.
   */
  private void audit(
      Request req, SpecBuilder specs, String owner, String operation, ApplyResult result) {
    Project project = req.project();
    List<AuditLog.Event> events = new ArrayList<>();
    for (ServiceResult r : result.services()) {
      if (r.status() != Status.UNCHANGED && r.status() != Status.NOT_REACHED) {
        events.add(
            event(
                    owner,
                    project.name(),
                    r.service(),
                    operation + " " + r.action().id(),
                    specs.containerName(project.services().get(r.service())),
                    r.status().id(),
                    "deployment " + result.deploymentId() + ": " + r.detail())
                .change(null, "deployment " + result.deploymentId()));
      }
    }
    for (String removed : result.removed()) {
      events.add(
          event(
              owner,
              project.name(),
              null,
              operation + " remove",
              removed,
              "done",
              "deployment " + result.deploymentId()));
    }
    try {
      events.forEach(store.audit()::record);
    } catch (RuntimeException e) {
      progress.step(
          null,
          "could not record this apply in the audit log (deployment "
              + result.deploymentId()
              + " is recorded): "
              + message(e));
    }
  }

  private AuditLog.Event event(
      String owner,
      String project,
      String service,
      String action,
      String target,
      String outcome,
      String detail) {
    return AuditLog.Event.of(
            clock.instant(),
            owner,
            HostIdentity.of(engine),
            project,
            service,
            action,
            target,
            outcome,
            detail)
        .from(Actor.machine());
  }

  private Map<String, ResolvedImage> resolve(Project project, Map<String, ResolvedImage> pinned) {
    Map<String, ResolvedImage> images = new TreeMap<>();
    ImageResolver resolver = new ImageResolver(engine, progress);
    for (Service s : project.services().values()) {
      ResolvedImage p = pinned == null ? null : pinned.get(s.name());
      images.put(s.name(), p != null ? p : resolver.resolve(s));
    }
    return images;
  }

  private ApplyResult run(
      Request req,
      SpecBuilder builder,
      Plan plan,
      Map<String, ResolvedImage> images,
      List<List<String>> waves,
      long deploymentId,
      LeaseKeeper lease) {
    Project project = req.project();
    // Every container spec is built before anything changes: a service that cannot be created as
    // written stops the apply here, not after earlier waves ran.
    Map<String, ContainerCreate> specs = new TreeMap<>();
    Map<String, String> names = new TreeMap<>();
    for (Service s : project.services().values()) {
      specs.put(s.name(), builder.build(s, images.get(s.name()), deploymentId));
      names.put(s.name(), builder.containerName(s));
    }
    for (Plan.Resource n : plan.networks()) {
      if (n.presence() == Plan.Presence.CREATE) {
        lease.check();
        progress.step(null, "creating network " + n.engineName());
        var def = project.networks().get(n.key());
        Map<String, String> labels = new TreeMap<>(def.labels());
        labels.put(ComposeLabels.PROJECT, project.name());
        labels.put(ComposeLabels.NETWORK, n.key());
        labels.put(ComposeLabels.VERSION, ComposeLabels.COMPOSE_VERSION);
        engine.createNetwork(
            new dev.selvedge.contract.model.NetworkDef(
                n.engineName(),
                def.driver(),
                def.driverOpts(),
                false,
                def.internal(),
                def.attachable(),
                def.enableIpv6(),
                def.ipam(),
                labels));
      }
    }
    for (Plan.Resource v : plan.volumes()) {
      if (v.presence() == Plan.Presence.CREATE) {
        lease.check();
        progress.step(null, "creating volume " + v.engineName());
        var def = project.volumes().get(v.key());
        Map<String, String> labels = new TreeMap<>(def == null ? Map.of() : def.labels());
        labels.put(ComposeLabels.PROJECT, project.name());
        labels.put(ComposeLabels.VOLUME, v.key());
        labels.put(ComposeLabels.VERSION, ComposeLabels.COMPOSE_VERSION);
        engine.createVolume(
            new dev.selvedge.contract.model.VolumeDef(
                v.engineName(),
                def == null ? null : def.driver(),
                def == null ? Map.of() : def.driverOpts(),
                false,
                labels));
      }
    }

    Set<String> mustComplete = Planner.jobs(project);
    Set<String> mustBeHealthy = Planner.waitedFor(project, Dependency.HEALTHY);

    Map<String, ServiceResult> results = new LinkedHashMap<>();
    boolean failed = false;
    // Most of a service's time is waiting for its healthcheck, so a whole wave runs at once.
    int threads =
        Math.max(1, Math.min(MAX_PARALLEL, waves.stream().mapToInt(List::size).max().orElse(1)));
    try (Bounded pool = new Bounded(executor, threads)) {
      for (List<String> wave : waves) {
        if (failed) {
          for (String name : wave) {
            results.put(
                name,
                new ServiceResult(
                    name,
                    plan.step(name).action(),
                    Status.NOT_REACHED,
                    "not reached: an earlier service failed"));
          }
          continue;
        }
        lease.check();
        Map<String, Future<ServiceResult>> running = new LinkedHashMap<>();
        for (String name : wave) {
          Service s = project.services().get(name);
          Plan.Step step = plan.step(name);
          Gate gate =
              new Gate(
                  mustComplete.contains(name), mustBeHealthy.contains(name), req.gateTimeout());
          running.put(
              name,
              pool.submit(
                  () -> guarded(project, s, step, specs.get(name), names.get(name), gate, lease)));
        }
        // Every task of the wave ends with a result (none throws), so all are collected.
        for (Map.Entry<String, Future<ServiceResult>> e : running.entrySet()) {
          ServiceResult r = join(e.getKey(), plan.step(e.getKey()).action(), e.getValue());
          results.put(e.getKey(), r);
          failed |= r.status() == Status.ROLLED_BACK || r.status() == Status.FAILED;
        }
      }
    }

    if (failed) {
      // A service that failed because the engine went away is not a failed gate: when the engine
      // cannot be reached now, that is the error (exit 2), not a result to render (exit 1).
      engine.info();
    }
    // A deployment is recorded healthy only when the whole stack is: what it did not change, and
    // what passed its gate a wave ago, are judged as they stand now.
    List<String> unhealthy = new ArrayList<>();
    if (!failed) {
      unhealthy = judgeAtEnd(project, plan, names, results, req.gateTimeout());
      failed = !unhealthy.isEmpty();
      if (failed) {
        engine.info(); // as above: an engine gone away is the error, not an unhealthy service
      }
    }

    List<String> removed = new ArrayList<>();
    if (!failed) {
      for (Plan.Orphan o : plan.orphans()) {
        lease.check();
        progress.step(o.service(), "removing orphan container " + o.name());
        stopAndRemove(o.containerId(), null);
        removed.add(o.name() + " (service '" + o.service() + "' is not in the contract)");
      }
      for (Plan.Step st : plan.services()) {
        for (String id : st.leftovers()) {
          lease.check();
          stopAndRemove(id, project.services().get(st.service()));
          removed.add(Planner.shortId(id) + " (a second container of '" + st.service() + "')");
        }
      }
    }

    List<ServiceResult> ordered = new ArrayList<>();
    for (Plan.Step st : plan.services()) { // in depends_on order
      ServiceResult r = results.get(st.service());
      // Engine messages can echo what they were given: scrub before anything is shown or stored.
      ordered.add(
          new ServiceResult(
              r.service(), r.action(), r.status(), project.secretValues().scrub(r.detail())));
    }
    Deployment.Outcome outcome = outcome(ordered);
    String summary = summary(outcome, ordered, removed);
    if (!unhealthy.isEmpty()) {
      summary +=
          "; not healthy at the end of the apply: "
              + String.join(", ", unhealthy)
              + " (see selvedge status and selvedge logs)";
    }
    return new ApplyResult(deploymentId, outcome, plan, ordered, removed, summary);
  }

  /**
   * Judges every service's container as it stands once the waves are done, and turns the result of
   * each that is not healthy into a failure; returns their names.
   */
  private List<String> judgeAtEnd(
      Project project,
      Plan plan,
      Map<String, String> names,
      Map<String, ServiceResult> results,
      Duration gateTimeout) {
    Map<String, String> byName = new TreeMap<>();
    for (var c : engine.listContainers(Map.of(ComposeLabels.PROJECT, project.name()), true)) {
      byName.put(Planner.name(c), c.id());
    }
    Map<String, String> containers = new LinkedHashMap<>();
    for (Plan.Step st : plan.services()) {
      containers.put(st.service(), byName.get(names.get(st.service())));
    }
    Map<String, HealthGate.Verdict> verdicts = standing(project, containers, gateTimeout);
    List<String> unhealthy = new ArrayList<>();
    verdicts.forEach(
        (service, v) -> {
          if (v.passed()) {
            return;
          }
          ServiceResult r = results.get(service);
          String detail =
              r.status() == Status.UNCHANGED
                  ? "unchanged but not healthy at the end of the apply: " + v.reason()
                  : r.detail() + "; but not healthy at the end of the apply: " + v.reason();
          results.put(service, new ServiceResult(service, r.action(), Status.FAILED, detail));
          unhealthy.add(service);
        });
    return unhealthy;
  }

  /**
   * How long a look at what already runs may wait (a readback that does not answer, a healthcheck
   * still starting): it had its time to start, so the full gate timeout would only delay the
   * verdict.
   */
  static final Duration STANDING_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Gates each service's container as it stands, all at once, without waiting for a first
   * healthcheck (nothing was started for it). A service without a container fails.
   */
  private Map<String, HealthGate.Verdict> standing(
      Project project, Map<String, String> containers, Duration gateTimeout) {
    Duration timeout = gateTimeout.compareTo(STANDING_TIMEOUT) < 0 ? gateTimeout : STANDING_TIMEOUT;
    Set<String> jobs = Planner.jobs(project);
    Map<String, Future<HealthGate.Verdict>> running = new LinkedHashMap<>();
    int threads = Math.max(1, Math.min(MAX_PARALLEL, containers.size()));
    try (Bounded pool = new Bounded(executor, threads)) {
      containers.forEach(
          (service, id) -> {
            Service s = project.services().get(service);
            running.put(
                service,
                id == null
                    ? java.util.concurrent.CompletableFuture.completedFuture(
                        new HealthGate.Verdict(false, "it has no container"))
                    : pool.submit(
                        () ->
                            gate.await(
                                project,
                                s,
                                id,
                                jobs.contains(service),
                                true,
                                false,
                                timeout,
                                progress)));
          });
    }
    Map<String, HealthGate.Verdict> verdicts = new LinkedHashMap<>();
    running.forEach((service, f) -> verdicts.put(service, verdict(f)));
    return verdicts;
  }

  /**
   * How long a restored previous container may take to be healthy again. Not the gate timeout
   * alone: a short gate is chosen to give up on a new version quickly, and must not cut short the
   * return of the old one, which needs as long as it ever needed to start.
   */
  static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(2);

  static Duration restoreTimeout(Duration gateTimeout) {
    return gateTimeout.compareTo(RESTORE_TIMEOUT) > 0 ? gateTimeout : RESTORE_TIMEOUT;
  }

  /** How one service is gated: as a job, as a dependency others wait for, and for how long. */
  private record Gate(boolean completion, boolean dependedOn, Duration timeout) {}

  private static ServiceResult join(String service, Plan.Action action, Future<ServiceResult> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ServiceResult(service, action, Status.FAILED, "interrupted while applying");
    } catch (ExecutionException e) {
      return new ServiceResult(
          service, action, Status.FAILED, "stopped by an error: " + message(e.getCause()));
    }
  }

  /** Runs one service's step; an unexpected error becomes a FAILED result, never an escape. */
  private ServiceResult guarded(
      Project project,
      Service s,
      Plan.Step step,
      ContainerCreate spec,
      String wanted,
      Gate gate,
      LeaseKeeper lease) {
    try {
      return service(project, s, step, spec, wanted, gate, lease);
    } catch (RuntimeException e) {
      return new ServiceResult(
          s.name(),
          step.action(),
          Status.FAILED,
          (e instanceof EngineUnreachableException
                  ? "the engine became unreachable: "
                  : "stopped by an error: ")
              + message(e)
              + "; check it with selvedge status and run apply again to converge");
    }
  }

  /**
   * Nothing to change: not a deployment (recording it would make the running state look like a
   * newer deployment than itself, and {@code rollback} would go back to what runs already), but
   * what runs must still be healthy for the apply to succeed: every service is gated as it stands,
   * all at once, without waiting for a first healthcheck (nothing was started).
   */
  private ApplyResult unchanged(Request req, Plan plan) {
    Project project = req.project();
    Map<String, String> containers = new LinkedHashMap<>();
    for (Plan.Step st : plan.services()) {
      containers.put(st.service(), st.containerId());
    }
    Map<String, HealthGate.Verdict> verdicts = standing(project, containers, req.gateTimeout());
    List<ServiceResult> results = new ArrayList<>();
    List<String> unhealthy = new ArrayList<>();
    for (Plan.Step st : plan.services()) {
      HealthGate.Verdict v = verdicts.get(st.service());
      // Engine messages can echo what they were given: scrubbed as in a changing apply.
      String reason = project.secretValues().scrub(v.reason());
      if (v.passed()) {
        results.add(
            new ServiceResult(
                st.service(), st.action(), Status.UNCHANGED, "up to date; " + reason));
      } else {
        results.add(
            new ServiceResult(
                st.service(), st.action(), Status.FAILED, "up to date but not healthy: " + reason));
        unhealthy.add(st.service());
      }
    }
    if (!unhealthy.isEmpty()) {
      engine.info(); // an engine that went away is the error (exit 2), not an unhealthy stack
    }
    Deployment latest =
        store.deployments().history(HostIdentity.of(engine), project.name(), 1).stream()
            .findFirst()
            .orElse(null);
    long last = latest == null ? 0 : latest.id();
    // The latest deployment is named as the one that runs; when it did not end healthy (a crash
    // after its last change, say) that is said, so the reader does not take it for a good one.
    String latestNote =
        latest == null || latest.outcome() == Deployment.Outcome.HEALTHY
            ? ""
            : "; the latest deployment, "
                + last
                + ", ended "
                + latest.outcome().id()
                + ", yet what runs now is what the contract says";
    if (unhealthy.isEmpty()) {
      return new ApplyResult(
          last,
          Deployment.Outcome.HEALTHY,
          plan,
          results,
          List.of(),
          "nothing to do: the engine runs what the contract says, and it is healthy" + latestNote);
    }
    return new ApplyResult(
        last,
        Deployment.Outcome.FAILED,
        plan,
        results,
        List.of(),
        "nothing to change, but not healthy: "
            + String.join(", ", unhealthy)
            + " (the engine runs what the contract says; see `selvedge status` and `selvedge"
            + " logs`)"
            + latestNote);
  }

  private static HealthGate.Verdict verdict(Future<HealthGate.Verdict> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new HealthGate.Verdict(false, "interrupted while checking");
    } catch (ExecutionException e) {
      return new HealthGate.Verdict(false, "could not be checked: " + message(e.getCause()));
    }
  }

  static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** Applies one service's step and gates it; restores the previous state when the gate fails. */
  private ServiceResult service(
      Project project,
      Service s,
      Plan.Step step,
      ContainerCreate spec,
      String wanted,
      Gate gate,
      LeaseKeeper lease) {
    switch (step.action()) {
      case NOTHING -> {
        if (!gate.dependedOn()) {
          return new ServiceResult(s.name(), step.action(), Status.UNCHANGED, "up to date");
        }
        // Dependents wait for it to be healthy: unchanged is not enough, it must be healthy now.
        HealthGate.Verdict v =
            this.gate.await(
                project, s, step.containerId(), false, true, false, gate.timeout(), progress);
        return new ServiceResult(
            s.name(),
            step.action(),
            v.passed() ? Status.UNCHANGED : Status.FAILED,
            v.passed()
                ? "up to date; " + v.reason()
                : "unchanged but not healthy, and dependents wait for it: " + v.reason());
      }
      case START -> {
        progress.step(s.name(), "starting " + wanted);
        try {
          engine.startContainer(step.containerId());
        } catch (EngineException e) {
          return new ServiceResult(
              s.name(), step.action(), Status.FAILED, "could not start: " + e.getMessage());
        }
        HealthGate.Verdict v =
            this.gate.await(
                project,
                s,
                step.containerId(),
                gate.completion(),
                true,
                true,
                gate.timeout(),
                progress);
        if (v.passed()) {
          return new ServiceResult(s.name(), step.action(), Status.APPLIED, v.reason());
        }
        engine.stopContainer(step.containerId(), stopTimeout(s));
        return new ServiceResult(
            s.name(),
            step.action(),
            Status.ROLLED_BACK,
            "gate failed: " + v.reason() + "; stopped it again, as it was");
      }
      case CREATE -> {
        progress.step(s.name(), "creating " + wanted);
        String id;
        try {
          id = engine.createContainer(wanted, spec);
        } catch (EngineException | IllegalArgumentException e) {
          return new ServiceResult(
              s.name(),
              step.action(),
              Status.ROLLED_BACK,
              "could not create: " + e.getMessage() + "; nothing was created");
        }
        try {
          engine.startContainer(id);
        } catch (EngineException e) {
          engine.removeContainer(id, true);
          return new ServiceResult(
              s.name(),
              step.action(),
              Status.ROLLED_BACK,
              "could not start: " + e.getMessage() + "; removed the new container");
        }
        HealthGate.Verdict v =
            this.gate.await(
                project, s, id, gate.completion(), true, true, gate.timeout(), progress);
        if (v.passed()) {
          return new ServiceResult(s.name(), step.action(), Status.APPLIED, v.reason());
        }
        engine.stopContainer(id, stopTimeout(s));
        return new ServiceResult(
            s.name(),
            step.action(),
            Status.ROLLED_BACK,
            "gate failed: "
                + v.reason()
                + "; there was no previous container: stopped the new one (kept for its logs)");
      }
      case RECREATE -> {
        return recreate(project, s, step, spec, wanted, gate, lease);
      }
      case RESUME -> {
        return resume(project, s, step, wanted, gate, lease);
      }
    }
    throw new IllegalStateException("unknown action " + step.action());
  }

  private ServiceResult recreate(
      Project project,
      Service s,
      Plan.Step step,
      ContainerCreate spec,
      String wanted,
      Gate gate,
      LeaseKeeper lease) {
    String oldId = step.containerId();
    var old = engine.inspectContainer(oldId);
    String oldName = old.name();
    // A parked container is one an interrupted apply stopped: it ran before that.
    boolean wasRunning = old.state().running() || oldName.endsWith(OLD_SUFFIX);
    progress.step(s.name(), "stopping " + oldName);
    engine.stopContainer(oldId, stopTimeout(s));
    String parked = oldName.endsWith(OLD_SUFFIX) ? oldName : wanted + OLD_SUFFIX;
    String failure;
    String newId = null;
    try {
      if (!parked.equals(oldName)) {
        engine.renameContainer(oldId, parked);
      }
      // A container holding the name (an interrupted run's ungated one) goes first.
      removeIfPresent(wanted, oldId);
      progress.step(s.name(), "creating " + wanted);
      newId = engine.createContainer(wanted, spec);
      engine.startContainer(newId);
      HealthGate.Verdict v =
          this.gate.await(
              project, s, newId, gate.completion(), true, true, gate.timeout(), progress);
      if (v.passed()) {
        return new ServiceResult(
            s.name(),
            step.action(),
            Status.APPLIED,
            v.reason() + "; replaced " + oldName + removeParked(oldId));
      }
      failure = "gate failed: " + v.reason();
    } catch (RuntimeException e) {
      failure =
          (e instanceof EngineUnreachableException
                  ? "the engine became unreachable: "
                  : newId == null ? "could not create the new container: " : "could not start it: ")
              + message(e);
    }
    return restore(
        project, s, step, oldId, oldName, newId, wanted, wasRunning, failure, gate, lease);
  }

  /**
   * Puts the previous container back after {@code failure}: removes the new one, gives the old one
   * its name again, starts it and waits for its healthcheck. Best effort at every step: what could
   * not be done is said, with where the previous container is.
   */
  private ServiceResult restore(
      Project project,
      Service s,
      Plan.Step step,
      String oldId,
      String oldName,
      String newId,
      String wanted,
      boolean wasRunning,
      String failure,
      Gate gate,
      LeaseKeeper lease) {
    String restoredName = oldName.endsWith(OLD_SUFFIX) ? wanted : oldName;
    // Recorded under the lease before the first step, so that if this process dies the next run
    // on this machine finishes it at once instead of leaving the service down.
    lease.restoring(s.name(), new Lease.Restore(oldId, restoredName, newId, wasRunning));
    try {
      return putBack(
          project, s, step, oldId, newId, wanted, wasRunning, failure, gate, restoredName);
    } finally {
      lease.restored(s.name());
    }
  }

  private ServiceResult putBack(
      Project project,
      Service s,
      Plan.Step step,
      String oldId,
      String newId,
      String wanted,
      boolean wasRunning,
      String failure,
      Gate gate,
      String restoredName) {
    progress.step(
        s.name(), project.secretValues().scrub(failure) + "; restoring the previous container");
    try {
      if (newId != null) {
        engine.removeContainer(newId, true);
      }
      engine.renameContainer(oldId, restoredName);
      if (!wasRunning) {
        return new ServiceResult(
            s.name(),
            step.action(),
            Status.ROLLED_BACK,
            failure + "; put back " + restoredName + " (it was not running before, left stopped)");
      }
      engine.startContainer(oldId);
    } catch (RuntimeException e) {
      return new ServiceResult(
          s.name(),
          step.action(),
          Status.FAILED,
          failure
              + "; restoring the previous container "
              + Planner.shortId(oldId)
              + " failed too: "
              + message(e)
              + ". It is stopped, possibly still named "
              + wanted
              + OLD_SUFFIX
              + "; run apply again to converge");
    }
    HealthGate.Verdict back =
        this.gate.await(
            project,
            s,
            oldId,
            gate.completion(),
            false,
            true,
            restoreTimeout(gate.timeout()),
            progress);
    if (back.passed()) {
      return new ServiceResult(
          s.name(),
          step.action(),
          Status.ROLLED_BACK,
          failure + "; restored " + restoredName + " (" + back.reason() + ")");
    }
    return new ServiceResult(
        s.name(),
        step.action(),
        Status.FAILED,
        failure + "; restored " + restoredName + " but it is not healthy either: " + back.reason());
  }

  /**
   * Finishes what an interrupted apply started: the current container gets its gate; it stays when
   * it passes (the parked previous one is removed), else the parked one is put back.
   */
  private ServiceResult resume(
      Project project, Service s, Plan.Step step, String wanted, Gate gate, LeaseKeeper lease) {
    String current = step.containerId();
    String failure;
    try {
      progress.step(s.name(), "resuming an interrupted apply: gating " + wanted);
      var state = engine.inspectContainer(current).state();
      boolean running = state.running();
      boolean jobDone = gate.completion() && !running && state.exitCode() == 0;
      if (!running && !jobDone) {
        engine.startContainer(current);
      }
      HealthGate.Verdict v =
          this.gate.await(
              project,
              s,
              current,
              gate.completion(),
              true,
              !running && !jobDone,
              gate.timeout(),
              progress);
      if (v.passed()) {
        String removed = removeParked(step.parkedId());
        return new ServiceResult(
            s.name(),
            step.action(),
            Status.APPLIED,
            v.reason() + (removed.isEmpty() ? "; removed the parked previous container" : removed));
      }
      failure = "gate failed: " + v.reason();
    } catch (RuntimeException e) {
      failure = "could not gate it: " + message(e);
    }
    String parkedName = wanted + OLD_SUFFIX;
    return restore(
        project, s, step, step.parkedId(), parkedName, current, wanted, true, failure, gate, lease);
  }

  private void removeIfPresent(String name, String keep) {
    try {
      var c = engine.inspectContainer(name);
      if (!c.id().equals(keep)) {
        engine.removeContainer(c.id(), true);
      }
    } catch (EngineException e) {
      if (e.status() != 404) {
        throw e;
      }
    }
  }

  /** Stops a container with its grace period (SIGKILL only after it), then removes it. */
  private void stopAndRemove(String id, Service s) {
    try {
      engine.stopContainer(id, stopTimeout(s));
    } catch (EngineException e) {
      if (e.status() == 404) {
        return; // gone already (removed earlier in this apply)
      }
      throw e;
    }
    engine.removeContainer(id, false);
  }

  /**
   * Removes the previous container once its successor passed: "" when done, else a note that it is
   * still parked (the new one stays; the next apply removes the old one).
   */
  private String removeParked(String oldId) {
    try {
      engine.removeContainer(oldId, false);
      return "";
    } catch (RuntimeException e) {
      return "; the previous container "
          + Planner.shortId(oldId)
          + " could not be removed ("
          + message(e)
          + ") and stays parked: the next apply removes it";
    }
  }

  /** The service's stop grace period, Compose's 10 s when it sets none (or is not known). */
  static Duration stopTimeout(Service s) {
    Duration d = s == null ? null : s.options().stopGracePeriod();
    return d == null ? Duration.ofSeconds(10) : d;
  }

  private static Deployment.Outcome outcome(List<ServiceResult> results) {
    boolean rolledBack = false;
    for (ServiceResult r : results) {
      if (r.status() == Status.FAILED) {
        return Deployment.Outcome.FAILED;
      }
      rolledBack |= r.status() == Status.ROLLED_BACK;
    }
    return rolledBack ? Deployment.Outcome.ROLLED_BACK : Deployment.Outcome.HEALTHY;
  }

  private static String summary(
      Deployment.Outcome outcome, List<ServiceResult> results, List<String> removed) {
    Map<Status, List<String>> by = new TreeMap<>();
    for (ServiceResult r : results) {
      by.computeIfAbsent(r.status(), k -> new ArrayList<>()).add(r.service());
    }
    StringBuilder out = new StringBuilder();
    out.append(outcome.id());
    for (Map.Entry<Status, List<String>> e : by.entrySet()) {
      out.append("; ").append(e.getKey().id()).append(": ").append(String.join(", ", e.getValue()));
    }
    if (!removed.isEmpty()) {
      out.append("; removed ").append(removed.size()).append(" container(s)");
    }
    if (outcome != Deployment.Outcome.HEALTHY && by.containsKey(Status.APPLIED)) {
      out.append("; the stack is partly applied: ")
          .append(String.join(", ", by.get(Status.APPLIED)))
          .append(" run the new version");
    }
    return out.toString();
  }

  private static List<Deployment.ServiceImage> pins(Map<String, ResolvedImage> images) {
    List<Deployment.ServiceImage> out = new ArrayList<>();
    images.forEach(
        (service, i) ->
            out.add(
                new Deployment.ServiceImage(
                    service, i.reference(), i.imageId(), i.repoDigestReference())));
    return out;
  }

  private Map<String, Map<String, String>> envFingerprints(Project project) {
    Map<String, Map<String, String>> out = new TreeMap<>();
    for (Service s : project.services().values()) {
      Map<String, String> keys = new TreeMap<>();
      s.environment()
          .forEach(
              (k, v) -> {
                if (v != null) {
                  keys.put(k, fingerprints.of(v));
                }
              });
      out.put(s.name(), keys);
    }
    return out;
  }
}
