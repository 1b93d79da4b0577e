import dev.selvedge.Version;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.docker.DockerEngines;
import dev.selvedge.docker.EngineOptions;
import dev.selvedge.docker.SshOptions;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.evidence.Fingerprints;
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
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bench only (not part of the product): one {@link Poller#sweepAll} of a fleet file in this JVM,
 * timed, without a CLI process around it: the in-process figure of the sweep-at-scale benchmark,
 * and what to profile. Each stack is read by the use case {@code status} and {@code drift} run
 * ({@link LiveCheck}, on one shared virtual-thread executor, as the server will), through the
 * poller's {@link EngineNodeReader}.
 *
 * <pre>
 * javac -cp selvedge.jar -d DIR bench/fleet/FleetSweepHarness.java
 * java -Xmx256m -cp selvedge.jar:DIR FleetSweepHarness fleet.yaml HOME [RUNS [keep|close]]
 * </pre>
 *
 * HOME holds the fingerprint key. {@code close} (the default) closes each node's engine once its
 * sweep is done, as {@code fleet status} does; {@code keep} keeps every node's engine open for the
 * next sweep (up to four idle connections each here, one descriptor per connection: 10,000 nodes
 * need {@code ulimit -n} above 40,000). Prints one line per run and a summary.
 */
public final class FleetSweepHarness {
  private FleetSweepHarness() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]).toAbsolutePath();
    Path home = Path.of(args[1]).toAbsolutePath();
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    boolean keep = args.length > 3 && args[3].equals("keep");
    Map<String, String> env = System.getenv();
    long t0 = System.nanoTime();
    Fleet fleet = FleetFile.load(file, env);
    long loaded = System.nanoTime();
    Files.createDirectories(home);
    Fingerprints fingerprints = Fingerprints.load(home);
    ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    Clock clock = Clock.systemUTC();
    LiveCheck check = new LiveCheck(background, clock, new SocketHttpProbe());
    AtomicLong stackNanos = new AtomicLong();
    Map<Fleet.Stack, LiveCheck.Request> requests = new ConcurrentHashMap<>();
    StackReader stacks =
        (node, stack, engine) -> {
          long s = System.nanoTime();
          try {
            return check.run(
                requests.computeIfAbsent(stack, k -> request(k, env, fingerprints)), engine);
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
    EngineNodeReader engines =
        new EngineNodeReader(opener, stacks, clock, Tool.selvedge(Version.current()));
    NodeReader reader =
        keep
            ? engines
            : new NodeReader() {
              @Override
              public NodeReading read(Fleet.Node node, Duration timeout) {
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
        Poller.create(fleet, reader, new MemoryFleetState(clock), (node, took, ok) -> {})) {
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
      // What the states and the poller keep, as opposed to the garbage a sweep makes.
      System.gc();
      long live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      System.out.printf(
          "nodes %s stacks %s; peak heap %d MB; live heap %d MB; fleet file read in %d ms;"
              + " JVM up %d ms%n",
          nodePills,
          stackPills,
          peak >> 20,
          live >> 20,
          (loaded - t0) / 1_000_000,
          ManagementFactory.getRuntimeMXBean().getUptime());
    } finally {
      background.shutdownNow();
    }
  }

  /** What {@code selvedge drift --project-directory C -p P --deploy-dir D} would ask. */
  private static LiveCheck.Request request(
      Fleet.Stack stack, Map<String, String> env, Fingerprints fingerprints) {
    Path contract = stack.contract();
    boolean dir = Files.isDirectory(contract);
    LoadOptions repo =
        new LoadOptions(
            dir ? List.of() : List.of(contract),
            dir ? contract : contract.getParent(),
            stack.project(),
            List.of(),
            Set.of(),
            Map.of(),
            dir ? contract : contract.getParent());
    Path deploy = stack.deployDir() == null ? null : Path.of(stack.deployDir());
    return new LiveCheck.Request(repo, deploy, true, env, fingerprints);
  }
}
