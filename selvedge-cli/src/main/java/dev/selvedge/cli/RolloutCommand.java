package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.docker.FleetEngines;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.FleetFile;
import dev.selvedge.fleet.FleetFileException;
import dev.selvedge.fleet.rollout.EngineNodeDeployer;
import dev.selvedge.fleet.rollout.RolloutJson;
import dev.selvedge.fleet.rollout.RolloutListener;
import dev.selvedge.fleet.rollout.RolloutRequest;
import dev.selvedge.fleet.rollout.RolloutService;
import dev.selvedge.json.TreeJson;
import dev.selvedge.operations.Actor;
import dev.selvedge.operations.event.EventSink;
import dev.selvedge.operations.event.OperationEvent;
import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;
import dev.selvedge.port.RolloutStore.State;
import dev.selvedge.port.Store;
import dev.selvedge.port.StoreException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.ArgumentGroup;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code selvedge rollout}: a stack rolled out across the fleet in waves, run by this process on
 * the same store (leases, deployments, history) as the server's; and {@code rollout status|resume
 * |abort|rollback ID}. Exit 0 every node healthy (or put back), 1 halted or aborted (or continued
 * by another process), 2 could not run (bad input, the store unreachable mid-rollout).
 */
final class RolloutCommand implements Command {
  private final Cli cli;

  RolloutCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "rollout";
  }

  @Override
  public String summary() {
    return "roll a stack out across the fleet in waves, each node gated on health";
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        "selvedge rollout --fleet FILE --stack S [--tag T | --environment E] --waves 1,25%,100%:"
            + " applies the stack on the nodes that run it, wave by wave (counts or cumulative"
            + " percentages of the selected nodes), each node with apply's health gate; the next"
            + " wave starts when every node of the current one is healthy, the first failed gate"
            + " halts the rollout (that node rolled back, no further node touched). Then: rollout"
            + " status ID, resume ID, abort ID, rollback ID (every node it changed back to its"
            + " previous deployment). Exit 0 every node healthy, 1 halted or aborted (or continued by"
            + " another process), 2 could not run (bad input, the store unreachable mid-rollout)"
            + " (docs/rollouts.md).");
    p.addArgument("action")
        .nargs("*")
        .metavar("ACTION ID")
        .help("status|resume|abort|rollback and the rollout's id; none: start a rollout");
    p.addArgument("--fleet")
        .metavar("FILE")
        .setDefault("fleet.yaml")
        .help("the fleet file (default: fleet.yaml in the working directory)");
    p.addArgument("--stack").metavar("S").help("the stack to roll out");
    p.addArgument("--tag").metavar("T").help("only the nodes with this tag");
    p.addArgument("--environment").metavar("E").help("only the nodes of this environment");
    p.addArgument("--waves")
        .metavar("W")
        .setDefault("1,25%,100%")
        .help("counts or cumulative percentages (default 1,25%,100%)");
    p.addArgument("--image")
        .metavar("SERVICE=REF")
        .action(Arguments.append())
        .help("run SERVICE on image REF instead of the contract's (repeatable)");
    p.addArgument("--parallel")
        .type(Integer.class)
        .setDefault(4)
        .help("at most this many nodes of a wave at once (default 4)");
    p.addArgument("--force")
        .action(Arguments.storeTrue())
        .help("apply even when verify reports errors (recorded in the deployments)");
    p.addArgument("--format").choices("text", "json").setDefault("text").help("text or json");
    OperateOptions.configureStore(p);
    ArgumentGroup g = p.addArgumentGroup("gate");
    OperateOptions.configureGate(g);
  }

  @Override
  public int run(Namespace ns) {
    List<String> args = ns.getList("action");
    String action = args.isEmpty() ? "start" : args.get(0);
    if (!List.of("start", "status", "resume", "abort", "rollback").contains(action)
        || (action.equals("start") ? args.size() != 0 : args.size() != 2)) {
      cli.err()
          .println(
              "selvedge: rollout: give no action (start a rollout with --stack), or one of status,"
                  + " resume, abort, rollback and the rollout's id");
      return ExitCode.INPUT;
    }
    Duration gate = OperateOptions.gateTimeout(ns);
    RolloutRequest request = null;
    if (action.equals("start")) {
      request = request(ns, gate);
    }
    Fleet fleet = null;
    if (action.equals("start") || action.equals("resume") || action.equals("rollback")) {
      Path file = cli.workingDir().resolve(ns.getString("fleet")).normalize();
      try {
        fleet = FleetFile.load(file, cli.environment());
      } catch (FleetFileException e) {
        cli.err().println("selvedge: " + e.getMessage());
        return ExitCode.INPUT;
      }
    }
    boolean json = "json".equals(ns.getString("format"));
    Fleet registry = fleet;
    try (Store store = OperateOptions.store(ns, cli);
        SocketHttpProbe probe = new SocketHttpProbe()) {
      Clock clock = Clock.systemUTC();
      PrintWriter err = cli.err();
      EngineNodeDeployer deployer =
          new EngineNodeDeployer(
              FleetEngines.opener(cli.environment()),
              store,
              cli.environment(),
              LiveOptions.fingerprints(cli),
              probe,
              Duration.ofSeconds(30),
              OperateOptions.leaseTtl(cli),
              clock,
              OperateOptions.THREADS,
              node -> progress(err, node));
      RolloutService rollouts =
          new RolloutService(
              store.rollouts(),
              () -> registry,
              deployer,
              teller(err),
              clock,
              // unique per process: containers share hostnames and pid 1
              "cli "
                  + Actor.of(cli.environment())
                  + " pid "
                  + ProcessHandle.current().pid()
                  + " "
                  + java.util.UUID.randomUUID(),
              OperateOptions.leaseTtl(cli),
              task -> Thread.ofPlatform().name("selvedge-rollout").start(task));
      Rollout end;
      String id = args.size() > 1 ? args.get(1) : null;
      try {
        switch (action) {
          case "status" -> {
            end = rollouts.find(args.get(1));
            print(json, end, rollouts);
            return switch (end.state()) {
              case FINISHED, ROLLED_BACK, RUNNING, ROLLING_BACK -> ExitCode.OK;
              case HALTED, ABORTED -> ExitCode.FINDINGS;
            };
          }
          case "abort" -> {
            end = rollouts.abort(args.get(1), "aborted by " + Actor.of(cli.environment()));
            print(json, end, rollouts);
            return ExitCode.OK;
          }
          case "resume" -> {
            rollouts.prepareResume(args.get(1));
            end = rollouts.run(args.get(1));
          }
          case "rollback" -> {
            rollouts.prepareRollback(args.get(1));
            end = rollouts.run(args.get(1));
          }
          default -> {
            Rollout r = rollouts.create(request); // says it started
            id = r.id();
            end = rollouts.run(r.id());
          }
        }
      } catch (StoreException e) {
        if (id == null) {
          throw e;
        }
        // Not bad input: the store went away mid-rollout. Exit 2 (could not run), as every
        // command does for an unreachable store or engine.
        err.println(
            "selvedge: rollout "
                + id
                + ": the store did not answer mid-rollout ("
                + Secrets.maskUrlPasswords(e.getMessage(), SecretValues.MASK)
                + "); the rollout is left as recorded: `selvedge rollout resume "
                + id
                + "` (or a server on the store, once this process's lease ran out) continues it");
        err.flush();
        return ExitCode.INPUT;
      }
      print(json, end, rollouts);
      return exitCode(end, rollouts.owner(), err);
    }
  }

  /**
   * The exit code of a rollout this process ran, as it ended: a rollout still under way is said
   * (continued by another process, or left for a take-over after this process lost its lease),
   * never reported as halted.
   */
  static int exitCode(Rollout end, String me, PrintWriter err) {
    if (end.state().active()) {
      // This process stopped working on it while it is still under way.
      if (end.owner() != null && !end.owner().equals(me)) {
        err.println(
            "selvedge: rollout "
                + end.id()
                + " is "
                + end.state().label()
                + ", being continued by another process ("
                + end.owner()
                + "): `selvedge rollout status "
                + end.id()
                + "` follows it");
        err.flush();
        return ExitCode.FINDINGS;
      }
      err.println(
          "selvedge: rollout "
              + end.id()
              + " is "
              + end.state().label()
              + " but this process lost its lease (the store did not confirm it): `selvedge"
              + " rollout resume "
              + end.id()
              + "` (or a server on the store) continues it");
      err.flush();
      return ExitCode.INPUT;
    }
    return end.state() == State.FINISHED || end.state() == State.ROLLED_BACK
        ? ExitCode.OK
        : ExitCode.FINDINGS;
  }

  private RolloutRequest request(Namespace ns, Duration gate) {
    String stack = ns.getString("stack");
    if (stack == null || stack.isBlank()) {
      throw new SelvedgeException("rollout: --stack is required to start a rollout");
    }
    Map<String, String> images = new TreeMap<>();
    List<String> raw = ns.getList("image");
    if (raw != null) {
      for (String i : raw) {
        int eq = i.indexOf('=');
        if (eq <= 0 || eq == i.length() - 1) {
          throw new SelvedgeException("--image " + i + ": write SERVICE=REF (api=registry/api:2)");
        }
        images.put(i.substring(0, eq).strip(), i.substring(eq + 1).strip());
      }
    }
    return new RolloutRequest(
        stack,
        ns.getString("tag"),
        ns.getString("environment"),
        ns.getString("waves"),
        images,
        gate,
        ns.getInt("parallel"),
        Boolean.TRUE.equals(ns.getBoolean("force")),
        Actor.of(cli.environment()));
  }

  private void print(boolean json, Rollout r, RolloutService rollouts) {
    if (json) {
      cli.out().println(TreeJson.pretty(RolloutJson.full(r, rollouts.steps(r.id()))));
    } else {
      cli.out().print(TerminalText.escapeControls(RolloutJson.text(r, rollouts.steps(r.id()))));
    }
    cli.out().flush();
  }

  /** The rollout's progress on standard error, one line per event, its words the table's. */
  static RolloutListener teller(PrintWriter err) {
    return new RolloutListener() {
      @Override
      public void event(String type, Rollout r, String node, Integer wave, String detail) {
        String what =
            switch (type) {
              case RolloutListener.STARTED ->
                  "stack " + r.stack() + ("resumed".equals(detail) ? " resumed" : " started");
              case RolloutListener.WAVE_STARTED -> RolloutJson.wave(wave) + " started";
              case RolloutListener.NODE_APPLYING -> "node " + node + ": applying";
              case RolloutListener.NODE_HEALTHY -> "node " + node + ": healthy";
              case RolloutListener.NODE_FAILED ->
                  "node "
                      + node
                      + (r.state() == State.ROLLING_BACK ? ": not put back" : ": failed");
              case RolloutListener.HALTED -> "halted";
              case RolloutListener.FINISHED -> "finished";
              case RolloutListener.ABORTED -> "aborted";
              case RolloutListener.ROLLED_BACK -> "rolled back";
              default -> type;
            };
        if ("resumed".equals(detail)) {
          detail = null;
        }
        say(err, r, what, detail);
      }

      @Override
      public void node(String type, Rollout r, NodeStep step) {
        // The step's own word (healthy, rolled-back, failed), as the summary's table has it.
        say(err, r, "node " + step.node() + ": " + step.step().label(), step.detail());
      }
    };
  }

  private static void say(PrintWriter err, Rollout r, String what, String detail) {
    synchronized (err) {
      err.println(
          "rollout "
              + r.id()
              + ": "
              + what
              + (detail == null || detail.isBlank()
                  ? ""
                  : " (" + TerminalText.escapeControls(detail.replace('\n', ' ')) + ")"));
      err.flush();
    }
  }

  private static final String RESTORING = "; restoring the previous container";

  /** A gate's verdict, given how the service's previous one ended (null: none). */
  private static String verdict(Boolean before, OperationEvent.GateVerdict v) {
    if (before == null) {
      return v.service() + ": gate " + (v.passed() ? "passed" : "failed: " + v.reason());
    }
    if (!before) {
      // After a failed gate: the previous container, put back.
      return v.service()
          + (v.passed()
              ? ": the previous container is healthy again"
              : ": the previous container is not healthy either: " + v.reason());
    }
    return v.passed() ? null : v.service() + ": not healthy at the end of the apply: " + v.reason();
  }

  /** A node's apply steps and gate verdicts on standard error, prefixed with the node. */
  static EventSink progress(PrintWriter err, Fleet.Node node) {
    // A service is gated more than once in an apply: its own gate, then as it stands at the end
    // (or its previous container's, once put back). Its own gate is said; a later verdict only
    // when it says something new.
    Map<String, Boolean> gated = new java.util.concurrent.ConcurrentHashMap<>();
    return event -> {
      String line =
          switch (event) {
            case OperationEvent.Step s ->
                (s.service() == null ? "" : s.service() + ": ")
                    + (Boolean.FALSE.equals(s.service() == null ? null : gated.get(s.service()))
                            && s.message().startsWith("gate failed: ")
                            && s.message().endsWith(RESTORING)
                        ? RESTORING.substring(2) // the failed gate was just said
                        : s.message());
            case OperationEvent.GateVerdict v -> verdict(gated.put(v.service(), v.passed()), v);
            default -> null;
          };
      if (line != null) {
        synchronized (err) {
          err.println("  [" + node.id() + "] " + TerminalText.escapeControls(line));
          err.flush();
        }
      }
    };
  }
}
