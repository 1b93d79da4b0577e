package dev.selvedge.fleet.rollout;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.drift.DriftChecker;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.fleet.EngineOpener;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.operations.Applier;
import dev.selvedge.operations.ApplyResult;
import dev.selvedge.operations.HealthGate;
import dev.selvedge.operations.HostIdentity;
import dev.selvedge.operations.ImageResolver;
import dev.selvedge.operations.Planner;
import dev.selvedge.operations.Progress;
import dev.selvedge.operations.ResolvedImage;
import dev.selvedge.operations.Revision;
import dev.selvedge.operations.RollbackTarget;
import dev.selvedge.operations.Rollbacks;
import dev.selvedge.operations.VerifyGate;
import dev.selvedge.operations.event.Emitter;
import dev.selvedge.operations.event.EventSink;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.ForwardingStore;
import dev.selvedge.port.HttpProbe;
import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;
import dev.selvedge.port.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * A rollout's node work on the real engine: the stack's contract loaded as the poller loads it, the
 * image overrides put in, and the apply use case ({@link Applier}: the per-daemon lease, the
 * deployment snapshot, the health gate and the restore of a failed service) or the rollback use
 * case ({@link RollbackTarget}) run on the node's engine, as the CLI and the API run them.
 *
 * @param environment wins over a stack's {@code .env} (the server's or the CLI's environment)
 * @param sinks where each node's operation events go (progress, the server's events)
 * @param threads runs an apply's services of a wave at once (a thread per task)
 */
public record EngineNodeDeployer(
    EngineOpener engines,
    Store store,
    Map<String, String> environment,
    Fingerprints fingerprints,
    HttpProbe probe,
    Duration engineTimeout,
    Duration leaseTtl,
    Clock clock,
    Executor threads,
    Function<Fleet.Node, EventSink> sinks)
    implements NodeDeployer {

  /** What a deployment made by rollout {@code id} has in its actor: how a node is judged. */
  static String mark(String id) {
    return "(rollout " + id + ")";
  }

  /** The deployments' actor: who asked, and the rollout. */
  static String actor(Rollout r) {
    return r.actor() + " " + mark(r.id());
  }

  private Project load(Fleet.Node node, Rollout r) {
    Fleet.Stack stack = node.stacks().get(r.stack());
    if (stack == null) {
      throw new RolloutException("node " + node.id() + " does not run stack '" + r.stack() + "'");
    }
    Project project;
    try {
      project = ComposeLoader.load(LiveStackReader.loadOptions(stack, environment));
    } catch (SelvedgeException e) {
      throw new RolloutException(
          "the contract of stack '"
              + r.stack()
              + "' on node "
              + node.id()
              + " cannot be loaded: "
              + e.getMessage());
    }
    return withImages(project, r.images(), node);
  }

  /** {@code project} with the services' images replaced by {@code images}. */
  static Project withImages(Project project, Map<String, String> images, Fleet.Node node) {
    if (images.isEmpty()) {
      return project;
    }
    Map<String, Service> services = new LinkedHashMap<>(project.services());
    for (Map.Entry<String, String> e : images.entrySet()) {
      Service s = services.get(e.getKey());
      if (s == null) {
        throw new RolloutException(
            "--image "
                + e.getKey()
                + "="
                + e.getValue()
                + ": stack '"
                + project.name()
                + "' on node "
                + node.id()
                + " has no service '"
                + e.getKey()
                + "' (it has "
                + String.join(", ", project.services().keySet())
                + ")");
      }
      services.put(e.getKey(), s.withImage(e.getValue()));
    }
    return project.withServices(services);
  }

  @Override
  public void check(Fleet.Node node, Rollout rollout) {
    Project project = load(node, rollout);
    VerifyGate.Verdict verdict = VerifyGate.judge(project, rollout.force());
    if (verdict.decision() == VerifyGate.Decision.REFUSED) {
      List<String> rules =
          verdict.failing().stream().map(f -> f.rule() + ": " + f.message()).toList();
      throw new RolloutException(
          project
              .secretValues()
              .scrub(
                  "the contract of stack '"
                      + rollout.stack()
                      + "' on node "
                      + node.id()
                      + " fails verify ("
                      + String.join("; ", rules)
                      + "); fix it, or force the rollout"));
    }
  }

  @Override
  public Current current(Fleet.Node node, Rollout rollout) {
    Project project = load(node, rollout);
    try (DockerEngine engine = engines.open(node, engineTimeout)) {
      String host = HostIdentity.of(engine, store.deployments());
      Long previous =
          store.deployments().lastHealthy(host, project.name()).map(Deployment::id).orElse(null);
      return new Current(host, previous);
    }
  }

  @Override
  public Result apply(Fleet.Node node, Rollout rollout) {
    Project project = load(node, rollout);
    try (DockerEngine engine = engines.open(node, engineTimeout)) {
      Applier applier = applier(engine, node);
      ApplyResult result =
          applier.apply(
              new Applier.Request(
                  project,
                  Deployment.Kind.APPLY,
                  null,
                  null,
                  rollout.force(),
                  actor(rollout),
                  Revision.of(project),
                  rollout.gateTimeout(),
                  leaseTtl));
      return result(result, project);
    } catch (SelvedgeException e) {
      return Result.failed(project.secretValues().scrub(String.valueOf(e.getMessage())));
    }
  }

  private static Result result(ApplyResult result, Project project) {
    return Result.of(result, project.secretValues()::scrub);
  }

  @Override
  public Optional<Result> judge(Fleet.Node node, Rollout rollout, NodeStep step) {
    Project project = load(node, rollout);
    String host = step.host();
    if (host == null) {
      try (DockerEngine engine = engines.open(node, engineTimeout)) {
        host = HostIdentity.of(engine, store.deployments());
      }
    }
    for (Deployment d : store.deployments().history(host, project.name(), 20)) {
      if (step.previous() != null && d.id() <= step.previous()) {
        break;
      }
      if (d.actor() == null || !d.actor().endsWith(mark(rollout.id()))) {
        continue;
      }
      // Only the deployment's summary is kept, not its per-service outcomes: say whose it is.
      String summary =
          project
              .secretValues()
              .scrub(
                  "its apply by the rollout's earlier owner (deployment "
                      + d.id()
                      + ") ended "
                      + d.summary());
      return switch (d.outcome()) {
        case HEALTHY -> Optional.of(new Result(true, false, d.id(), summary));
        case ROLLED_BACK -> Optional.of(new Result(false, true, d.id(), summary));
        case FAILED -> Optional.of(new Result(false, false, d.id(), summary));
        // It died mid-apply: apply again (the apply converges from what is on the engine).
        case RUNNING, INTERRUPTED -> Optional.empty();
      };
    }
    return Optional.empty();
  }

  @Override
  public Result rollback(Fleet.Node node, Rollout rollout, long to) {
    // Secrets come from the current contract, as a rollback's always do (no image override).
    Project project = load(node, withoutImages(rollout));
    try (DockerEngine engine = engines.open(node, engineTimeout)) {
      Progress progress =
          new Emitter(
              sinks.apply(node), engine.endpoint(), project.name(), project.secretValues()::scrub);
      RollbackTarget target =
          RollbackTarget.choose(
              engine,
              store.deployments(),
              HostIdentity.of(engine, store.deployments()),
              project,
              to,
              progress);
      Rollbacks.Restored restored = target.restore(project, fingerprints);
      Map<String, ResolvedImage> pinned = target.pins(new ImageResolver(engine, progress));
      ApplyResult result =
          applier(engine, node)
              .apply(
                  target.request(
                      restored, pinned, actor(rollout), rollout.gateTimeout(), leaseTtl));
      return result(result, project);
    } catch (SelvedgeException e) {
      return Result.failed(project.secretValues().scrub(String.valueOf(e.getMessage())));
    }
  }

  private static Rollout withoutImages(Rollout r) {
    return new Rollout(
        r.id(),
        r.stack(),
        r.selector(),
        r.waves(),
        Map.of(),
        r.gateTimeout(),
        r.parallel(),
        r.force(),
        r.state(),
        r.actor(),
        r.createdAt(),
        r.updatedAt(),
        r.owner(),
        r.leaseUntil(),
        r.reason(),
        r.failedNode());
  }

  private Applier applier(DockerEngine engine, Fleet.Node node) {
    DriftChecker drift = new DriftChecker(fingerprints, clock);
    return new Applier(
        engine,
        new NodeStore(store, node.id()),
        new HealthGate(engine, probe, drift, clock),
        new Planner(engine, drift),
        fingerprints,
        clock,
        threads,
        sinks.apply(node));
  }

  /** The store, its audit events naming the fleet node; closing it is the owner's business. */
  private static final class NodeStore extends ForwardingStore {
    private final String node;

    NodeStore(Store store, String node) {
      super(store);
      this.node = node;
    }

    @Override
    public AuditLog audit() {
      AuditLog log = delegate().audit();
      return new AuditLog() {
        @Override
        public void record(Event event) {
          log.record(event.node() == null ? event.onNode(node) : event);
        }

        @Override
        public List<Event> recent(String host, String project, int limit) {
          return log.recent(host, project, limit);
        }

        @Override
        public List<Event> find(Query query) {
          return log.find(query);
        }

        @Override
        public Purged purge(Instant cutoff, Instant at, String actor, String source) {
          throw new UnsupportedOperationException("a rollout purges no audit events");
        }
      };
    }

    @Override
    public void close() {
      // The owner's store stays open.
    }
  }
}
