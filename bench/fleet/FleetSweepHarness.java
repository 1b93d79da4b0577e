package dev.selvedge.cli;

import dev.selvedge.Version;
import dev.selvedge.docker.DockerEngines;
import dev.selvedge.docker.EngineOptions;
import dev.selvedge.docker.SshOptions;
import dev.selvedge.evidence.Tool;
import dev.selvedge.fleet.EngineNodeReader;
import dev.selvedge.fleet.EngineOpener;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.FleetFile;
import dev.selvedge.fleet.MemoryFleetState;
import dev.selvedge.fleet.NodeReader;
import dev.selvedge.fleet.NodeReading;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.Poller;
import dev.selvedge.fleet.StackReader;
import dev.selvedge.fleet.StackState;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import net.sourceforge.argparse4j.inf.ArgumentParser;
import net.sourceforge.argparse4j.inf.ArgumentParserException;
import net.sourceforge.argparse4j.inf.Namespace;

/**
 * Bench only (not part of the product): one {@link Poller#sweepAll} of a fleet file in this JVM,
 * timed, for the sweep-at-scale benchmark and its profile, without the CLI's start-up around it.
 * Each stack is read by the same code {@code selvedge drift} runs ({@link LiveCheck}, which is why
 * this sits in the CLI's package), through the poller's {@link EngineNodeReader}.
 *
 * <pre>
 * javac -cp selvedge.jar -d DIR bench/fleet/FleetSweepHarness.java
 * java -Xmx256m -cp selvedge.jar:DIR dev.selvedge.cli.FleetSweepHarness fleet.yaml [RUNS [keep|close]]
 * </pre>
 *
 * {@code close} (the default) closes each node's engine once its sweep is done, as a one-shot
 * sweep can: {@link EngineNodeReader} keeps every node's engine open for the next sweep, and each
 * of its kept connections holds three descriptors (the socket and its own selector's epoll and
 * eventfd), up to four connections per node, so {@code keep} runs out of descriptors (20,000 here)
 * at about 1,700 nodes.
 *
 * Prints one line per run ({@code sweep N ms}) and a summary: pills of nodes and stacks, the peak
 * heap (sum of the heap pools' peaks), the time to read the fleet file.
 */
public final class FleetSweepHarness {
  private FleetSweepHarness() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]).toAbsolutePath();
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    boolean keep = args.length > 2 && args[2].equals("keep");
    Map<String, String> env = System.getenv();
    long t0 = System.nanoTime();
    Fleet fleet = FleetFile.load(file, env);
    long loaded = System.nanoTime();
    PrintWriter sink = new PrintWriter(Writer.nullWriter());
    Cli cli = new Cli(sink, sink, env, Path.of("").toAbsolutePath());
    // One parsed command line per stack definition, as `selvedge drift` would get it.
    Map<Fleet.Stack, Namespace> parsed = new ConcurrentHashMap<>();
    AtomicLong stackNanos = new AtomicLong();
    StackReader stacks =
        (node, stack, engine) -> {
          long s = System.nanoTime();
          try {
            return LiveCheck.run(
                parsed.computeIfAbsent(stack, k -> parse(cli, k)), cli, () -> engine, false);
          } finally {
            stackNanos.addAndGet(System.nanoTime() - s);
          }
        };
    SshOptions ssh = SshOptions.defaults(Path.of(System.getProperty("user.home")));
    EngineOpener opener =
        (node, timeout) ->
            DockerEngines.open(
                new EngineOptions(
                    node.engine(), null, ssh, EngineOptions.DEFAULT_CONNECT_TIMEOUT, timeout),
                env);
    Clock clock = Clock.systemUTC();
    EngineNodeReader engines =
        new EngineNodeReader(opener, stacks, clock, Tool.selvedge(Version.current()));
    NodeReader reader =
        keep
            ? engines
            : new NodeReader() {
              @Override
              public NodeReading read(Fleet.Node node, java.time.Duration timeout) {
                try {
                  return engines.read(node, timeout);
                } finally {
                  engines.forget(node.id());
                }
              }

              @Override
              public void close() {
                engines.close();
              }
            };
    try (Poller poller =
        Poller.create(
            fleet,
            reader,
            new MemoryFleetState(clock),
            (node, took, reachable) -> {})) {
      List<NodeState> states = List.of();
      for (int r = 1; r <= runs; r++) {
        stackNanos.set(0);
        long s = System.nanoTime();
        states = poller.sweepAll();
        long ms = (System.nanoTime() - s) / 1_000_000;
        System.out.printf(
            "sweep %d ms (%d nodes; stack reads %d ms summed over threads)%n",
            ms, states.size(), stackNanos.get() / 1_000_000);
      }
      Map<String, Integer> nodePills = new TreeMap<>();
      Map<String, Integer> stackPills = new TreeMap<>();
      for (NodeState n : states) {
        nodePills.merge(String.valueOf(n.pill()).toLowerCase(), 1, Integer::sum);
        for (StackState st : n.stacks()) {
          stackPills.merge(String.valueOf(st.pill()).toLowerCase(), 1, Integer::sum);
        }
      }
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      System.out.printf(
          "nodes %s stacks %s; peak heap %d MB; fleet file read in %d ms; JVM up %d ms%n",
          nodePills,
          stackPills,
          peak >> 20,
          (loaded - t0) / 1_000_000,
          ManagementFactory.getRuntimeMXBean().getUptime());
    }
  }

  private static Namespace parse(Cli cli, Fleet.Stack stack) {
    ArgumentParser parser = Main.parserFor("selvedge", cli).build();
    new LiveCommand(cli, LiveCommand.View.DRIFT).configure(parser.addSubparsers().addParser("drift"));
    Path contract = stack.contract();
    boolean dir = java.nio.file.Files.isDirectory(contract);
    String[] args =
        stack.deployDir() == null
            ? new String[] {
              "drift", dir ? "--project-directory" : "-f", contract.toString(), "-p", stack.project()
            }
            : new String[] {
              "drift",
              dir ? "--project-directory" : "-f",
              contract.toString(),
              "-p",
              stack.project(),
              "--deploy-dir",
              stack.deployDir()
            };
    try {
      return parser.parseArgs(args);
    } catch (ArgumentParserException e) {
      throw new IllegalStateException(e);
    }
  }
}
