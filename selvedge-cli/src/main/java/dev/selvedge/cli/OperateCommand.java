package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.contract.model.Project;
import dev.selvedge.drift.DriftChecker;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.operations.Actor;
import dev.selvedge.operations.Applier;
import dev.selvedge.operations.ApplyResult;
import dev.selvedge.operations.HealthGate;
import dev.selvedge.operations.HostIdentity;
import dev.selvedge.operations.ImageResolver;
import dev.selvedge.operations.Plan;
import dev.selvedge.operations.Planner;
import dev.selvedge.operations.Progress;
import dev.selvedge.operations.ResolvedImage;
import dev.selvedge.operations.Revision;
import dev.selvedge.operations.RollbackTarget;
import dev.selvedge.operations.Rollbacks;
import dev.selvedge.operations.VerifyGate;
import dev.selvedge.operations.event.Emitter;
import dev.selvedge.operations.render.OperationsRender;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.Store;
import dev.selvedge.verify.Finding;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.ArgumentGroup;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code selvedge plan}, {@code apply} and {@code rollback}: the dry run, the health-gated apply
 * and the return to an earlier healthy deployment, all on the operations domain.
 */
final class OperateCommand implements Command {
  /** Which of the three. */
  enum Kind {
    PLAN,
    APPLY,
    ROLLBACK
  }

  private final Cli cli;
  private final Kind kind;

  OperateCommand(Cli cli, Kind kind) {
    this.cli = cli;
    this.kind = kind;
  }

  @Override
  public String name() {
    return kind.name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public String summary() {
    return switch (kind) {
      case PLAN -> "show what apply would change, service by service (changes nothing)";
      case APPLY -> "apply the contract to the engine, gated on health, rolling back on failure";
      case ROLLBACK -> "go back to the last healthy deployment (or --to ID)";
    };
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        switch (kind) {
          case PLAN ->
              "Show what apply would do per service: create, recreate and why, start, nothing;"
                  + " orphans to remove; networks and volumes to create. Pulls nothing. Exit 0"
                  + " when nothing would change, 1 when something would, 2 when the contract or"
                  + " engine cannot be read.";
          case APPLY ->
              "Apply the contract on the engine: pull and pin images, create networks and"
                  + " volumes, then services in depends_on order, each new container gated on its"
                  + " healthcheck and readback. A service that fails its gate is put back as it"
                  + " was and the apply stops. Exit 0 when every service is healthy, 1 when a"
                  + " gate failed or verify refused the contract, 2 when it could not run.";
          case ROLLBACK ->
              "Apply an earlier healthy deployment again, from its snapshot and pinned images:"
                  + " by default the newest healthy one before the latest deployment. Secrets"
                  + " come from the current contract's values. Exit codes as for apply.";
        });
    ProjectOptions.configure(p);
    RuntimeOptions.configure(p);
    p.addArgument("--format").choices("text", "json").setDefault("text").help("text or json");
    if (kind == Kind.PLAN) {
      return;
    }
    OperateOptions.configureStore(p);
    ArgumentGroup g = p.addArgumentGroup("apply");
    OperateOptions.configureGate(g);
    if (kind == Kind.APPLY) {
      g.addArgument("--force")
          .action(Arguments.storeTrue())
          .help("apply even when verify reports errors (recorded in the deployment)");
    } else {
      g.addArgument("--to").type(Long.class).metavar("ID").help("the deployment to go back to");
    }
  }

  @Override
  public int run(Namespace ns) {
    if (kind == Kind.PLAN) {
      return operate(ns, null);
    }
    // Opening the store (connect, schema check) overlaps loading and verifying the contract.
    CompletableFuture<Store> opening =
        CompletableFuture.supplyAsync(() -> OperateOptions.store(ns, cli));
    try {
      return operate(ns, opening);
    } finally {
      // Whoever joined the store closes it; when an error came first, nobody did.
      if (!joined) {
        // Wait for the open to end (a migration must not be cut off by the exit), then close.
        try {
          opening.join().close();
        } catch (RuntimeException e) {
          // It failed to open, or to close: nothing of this run depends on it.
        }
      }
    }
  }

  private boolean joined;

  private Store join(CompletableFuture<Store> opening) {
    joined = true;
    try {
      return opening.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw e;
    }
  }

  private int operate(Namespace ns, CompletableFuture<Store> opening) {
    Project project = ProjectOptions.load(ns, cli);
    try {
      return operate(ns, opening, project);
    } catch (SelvedgeException e) {
      throw OperateOptions.scrubbed(e, project);
    }
  }

  private int operate(Namespace ns, CompletableFuture<Store> opening, Project project) {
    cli.warn(project.warnings());
    Fingerprints fingerprints = LiveOptions.fingerprints(cli);
    Clock clock = Clock.systemUTC();
    boolean json = "json".equals(ns.getString("format"));
    if (kind == Kind.PLAN) {
      try (DockerEngine engine = RuntimeOptions.engine(ns, cli)) {
        Plan plan = Planner.dryRun(engine, project, fingerprints, clock);
        cli.out()
            .print(
                json
                    ? OperationsRender.pretty(OperationsRender.planJson(plan))
                    : OperationsRender.planText(plan));
        return plan.changes() ? ExitCode.FINDINGS : ExitCode.OK;
      }
    }
    // Bad input is refused before the contract is verified or the engine is asked anything.
    java.time.Duration gateTimeout = OperateOptions.gateTimeout(ns);
    boolean forced = false;
    if (kind == Kind.APPLY) {
      VerifyGate.Verdict verdict = VerifyGate.judge(project, ns.getBoolean("force"));
      for (Finding f : verdict.failing()) {
        cli.err().println("verify: " + f.severity().id() + " " + f.rule() + ": " + f.message());
      }
      if (verdict.decision() == VerifyGate.Decision.REFUSED) {
        cli.err()
            .println(
                "selvedge: apply refused: the contract fails verify ("
                    + verdict.failing().size()
                    + " finding(s) above). Fix them, or pass --force to apply anyway (it is"
                    + " recorded in the deployment)");
        return ExitCode.FINDINGS; // the store, opened or not, is closed by run()
      }
      if (verdict.forced()) {
        cli.err().println("warning: applying despite verify errors (--force, recorded)");
        forced = true;
      }
    }
    TerminalProgress terminal =
        new TerminalProgress(
            cli.err(), TerminalProgress.isTerminal(cli), project.secretValues()::scrub);
    try (DockerEngine engine = RuntimeOptions.engine(ns, cli);
        Store store = join(opening);
        SocketHttpProbe probe = new SocketHttpProbe()) {
      DriftChecker drift = new DriftChecker(fingerprints, clock);
      Applier applier =
          new Applier(
              engine,
              store,
              new HealthGate(engine, probe, drift, clock),
              new Planner(engine, drift),
              fingerprints,
              clock,
              OperateOptions.THREADS,
              terminal);
      Applier.Request request;
      if (kind == Kind.APPLY) {
        request =
            new Applier.Request(
                project,
                Deployment.Kind.APPLY,
                null,
                null,
                forced,
                Actor.of(cli.environment()),
                Revision.of(project),
                gateTimeout,
                OperateOptions.leaseTtl(cli));
      } else {
        Progress progress =
            new Emitter(terminal, engine.endpoint(), project.name(), project.secretValues()::scrub);
        RollbackTarget target =
            RollbackTarget.choose(
                engine,
                store.deployments(),
                HostIdentity.of(engine, store.deployments()),
                project,
                ns.get("to"),
                progress);
        Rollbacks.Restored restored = target.restore(project, fingerprints);
        cli.warn(restored.warnings());
        Map<String, ResolvedImage> pinned = target.pins(new ImageResolver(engine, progress));
        request =
            target.request(
                restored,
                pinned,
                Actor.of(cli.environment()),
                gateTimeout,
                OperateOptions.leaseTtl(cli));
      }
      ApplyResult result = applier.apply(request);
      cli.out()
          .print(
              json
                  ? OperationsRender.pretty(OperationsRender.resultJson(result))
                  : OperationsRender.resultText(result));
      return result.exitCode();
    }
  }
}
