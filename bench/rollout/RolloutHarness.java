import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.rollout.NodeDeployer;
import dev.selvedge.fleet.rollout.RolloutListener;
import dev.selvedge.fleet.rollout.RolloutRequest;
import dev.selvedge.fleet.rollout.RolloutService;
import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;
import dev.selvedge.port.Store;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bench only (not part of the product): a rollout of one stack to N simulated nodes through the
 * real RolloutService on a real store (H2 file, or SELVEDGE_STORE_URL), each node's apply and gate
 * simulated by a stand-in that takes a fixed time (no engine): what the rollout itself costs
 * (planning, the store's steps and leases, waves, parallelism), and how long a failed canary takes
 * to halt the rollout once its gate has failed.
 *
 * <p>Arguments: STORE_DIR NODES WAVES PARALLEL APPLY_MS
 */
public final class RolloutHarness {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    String waves = args[2];
    int parallel = Integer.parseInt(args[3]);
    long applyMs = Long.parseLong(args[4]);
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String id = "node-" + i;
      nodes.put(
          id,
          new Fleet.Node(
              id, "unix:///standin/" + id, null, null, "prod", List.of(),
              Map.of("shop", new Fleet.Stack("shop", dir, "shop", null, null))));
    }
    Fleet fleet = new Fleet(dir.resolve("fleet.yaml"), Fleet.Poll.DEFAULT, nodes, List.of());
    String url = System.getenv("SELVEDGE_STORE_URL");
    StoreConfig config =
        url != null
            ? new StoreConfig(url, System.getenv("SELVEDGE_STORE_USER"), System.getenv("SELVEDGE_STORE_PASSWORD"))
            : new StoreConfig("jdbc:h2:file:" + dir.resolve("store") + ";AUTO_SERVER=TRUE", null, null);
    try (Store store = Stores.open(config, Clock.systemUTC())) {
      Stand stand = new Stand(applyMs);
      AtomicLong gateFailedAt = new AtomicLong();
      AtomicLong haltedAt = new AtomicLong();
      RolloutListener listener =
          (type, r, node, wave, detail) -> {
            if (type.equals(RolloutListener.HALTED)) {
              haltedAt.set(System.nanoTime());
            }
          };
      stand.onFail = () -> gateFailedAt.set(System.nanoTime());
      RolloutService service =
          new RolloutService(
              store.rollouts(), () -> fleet, stand, listener, Clock.systemUTC(),
              "bench pid " + ProcessHandle.current().pid(), Duration.ofSeconds(60),
              task -> Thread.ofVirtual().start(task));
      // 1. every node healthy
      long t0 = System.nanoTime();
      Rollout r = service.create(request(waves, parallel));
      Rollout end = service.run(r.id());
      long total = System.nanoTime() - t0;
      List<NodeStep> steps = service.steps(r.id());
      int waveCount = steps.get(steps.size() - 1).wave() + 1;
      long ideal = 0;
      Map<Integer, Integer> perWave = new LinkedHashMap<>();
      steps.forEach(s -> perWave.merge(s.wave(), 1, Integer::sum));
      for (int size : perWave.values()) {
        ideal += ((size + parallel - 1) / parallel) * applyMs;
      }
      System.out.printf(
          "rollout of %d nodes, waves %s (%d waves: %s), parallel %d, apply %d ms: %s in %d ms"
              + " (the applies alone: %d ms; the rollout's own cost: %d ms, %.1f ms a node)%n",
          n, waves, waveCount, perWave.values(), parallel, applyMs, end.state().label(),
          total / 1_000_000, ideal, total / 1_000_000 - ideal,
          (total / 1_000_000.0 - ideal) / n);
      // 2. the canary fails its gate: time from the failed gate to the halt recorded
      stand.failing = "node-0";
      Rollout f = service.create(request(waves, parallel));
      Rollout halted = service.run(f.id());
      System.out.printf(
          "failed canary: %s at %s; %d node(s) applied; failed gate → halt recorded in %.1f ms%n",
          halted.state().label(), halted.failedNode(), stand.applies.get() - n,
          (haltedAt.get() - gateFailedAt.get()) / 1e6);
    }
  }

  private static RolloutRequest request(String waves, int parallel) {
    return new RolloutRequest(
        "shop", null, null, waves, Map.of(), Duration.ofSeconds(60), parallel, false, "bench");
  }

  /** A node's apply and gate, simulated: a fixed time, healthy unless it is the failing node. */
  static final class Stand implements NodeDeployer {
    final long applyMs;
    final AtomicInteger applies = new AtomicInteger();
    final AtomicLong ids = new AtomicLong();
    volatile String failing;
    volatile Runnable onFail = () -> {};

    Stand(long applyMs) {
      this.applyMs = applyMs;
    }

    @Override
    public void check(Fleet.Node node, Rollout rollout) {}

    @Override
    public Current current(Fleet.Node node, Rollout rollout) {
      return new Current("standin:" + node.id(), null);
    }

    @Override
    public Result apply(Fleet.Node node, Rollout rollout) {
      applies.incrementAndGet();
      try {
        Thread.sleep(applyMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (node.id().equals(failing)) {
        onFail.run();
        return new Result(false, true, ids.incrementAndGet(), "gate failed (simulated)");
      }
      return new Result(true, false, ids.incrementAndGet(), "healthy (simulated)");
    }

    @Override
    public Optional<Result> judge(Fleet.Node node, Rollout rollout, NodeStep step) {
      return Optional.empty();
    }

    @Override
    public Result rollback(Fleet.Node node, Rollout rollout, long to) {
      return new Result(true, false, ids.incrementAndGet(), "back (simulated)");
    }
  }
}
