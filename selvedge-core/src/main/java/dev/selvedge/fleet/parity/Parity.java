package dev.selvedge.fleet.parity;

import dev.selvedge.SelvedgeException;
import dev.selvedge.fleet.Fleet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The use case of {@code selvedge parity} and {@code GET /api/v1/parity}: which nodes each side
 * names, each node read once, and every pair compared (docs/parity.md).
 *
 * <p>A side is a node id, or {@code env:NAME}: every node whose {@code environment} is NAME. Each
 * stack (or only {@code --stack}) is compared on every pair (a node of A that runs it, a node of B
 * that runs it), so a difference between any node of staging and any node of prod shows, naming
 * both nodes. A stack that runs on A's nodes and on none of B's (or the other way round) is a
 * difference of its own. A node on both sides is not compared with itself.
 */
public final class Parity {
  /** The prefix of an environment side. */
  public static final String ENV_PREFIX = "env:";

  private final ParityCheck check;
  private final Reader reader;
  private final Executor executor;

  /** Reads a node's stacks (the real one: {@link EngineSides}; tests give their own). */
  @FunctionalInterface
  public interface Reader {
    /** Never throws for what the node does: an unreachable engine is the answer's content. */
    NodeRead read(Fleet.Node node, List<Fleet.Stack> stacks);
  }

  /**
   * What a node read gave.
   *
   * @param failed why the node as a whole could not be read, else null
   * @param stacks each stack read, by name
   * @param unreadable each stack that could not be read, by name, with why
   */
  public record NodeRead(
      String failed, Map<String, ParitySide> stacks, Map<String, String> unreadable) {
    public NodeRead {
      stacks = Map.copyOf(stacks);
      unreadable = Map.copyOf(unreadable);
    }

    public static NodeRead failed(String why) {
      return new NodeRead(why, Map.of(), Map.of());
    }
  }

  /** A side that names no node of the fleet, or a stack no node runs. */
  public static final class UnknownSideException extends SelvedgeException {
    private static final long serialVersionUID = 1L;

    public UnknownSideException(String message) {
      super(message);
    }
  }

  /**
   * @param executor reads the nodes (one task per node; at most the fleet's {@code
   *     poll.concurrency} read at once)
   */
  public Parity(ParityCheck check, Reader reader, Executor executor) {
    this.check = Objects.requireNonNull(check, "check");
    this.reader = Objects.requireNonNull(reader, "reader");
    this.executor = Objects.requireNonNull(executor, "executor");
  }

  /**
   * The nodes a side names, in the fleet file's order.
   *
   * @throws UnknownSideException naming the side when it names no node
   */
  public static List<Fleet.Node> nodes(Fleet fleet, String side) {
    if (side == null || side.isBlank()) {
      throw new UnknownSideException("a side is a node id or env:ENVIRONMENT, not empty");
    }
    if (side.startsWith(ENV_PREFIX)) {
      String env = side.substring(ENV_PREFIX.length());
      List<Fleet.Node> out = new ArrayList<>();
      for (Fleet.Node n : fleet.nodes().values()) {
        if (env.equals(n.environment())) {
          out.add(n);
        }
      }
      if (out.isEmpty()) {
        throw new UnknownSideException("no node of the fleet has environment '" + env + "'");
      }
      return out;
    }
    Fleet.Node n = fleet.nodes().get(side);
    if (n == null) {
      throw new UnknownSideException(
          "no node '" + side + "' in the fleet (a side is a node id or env:ENVIRONMENT)");
    }
    return List.of(n);
  }

  /**
   * Compares side {@code a} with side {@code b}.
   *
   * @param stack the only stack to compare, or null for every stack either side runs
   * @throws UnknownSideException when a side names no node, or no node of either side runs {@code
   *     stack}
   */
  public ParityReport run(Fleet fleet, String a, String b, String stack) {
    List<Fleet.Node> na = nodes(fleet, a);
    List<Fleet.Node> nb = nodes(fleet, b);
    Set<String> stacks = new LinkedHashSet<>();
    for (Fleet.Node n : concat(na, nb)) {
      for (String s : n.stacks().keySet()) {
        if (stack == null || stack.equals(s)) {
          stacks.add(s);
        }
      }
    }
    if (stack != null && stacks.isEmpty()) {
      throw new UnknownSideException(
          "no node of " + a + " or " + b + " runs a stack '" + stack + "'");
    }
    // Every node once, at most the fleet's poll.concurrency at a time (as the poller sweeps).
    java.util.concurrent.Semaphore gate =
        new java.util.concurrent.Semaphore(Math.max(1, fleet.poll().concurrency()));
    Map<String, CompletableFuture<NodeRead>> reads = new LinkedHashMap<>();
    for (Fleet.Node n : concat(na, nb)) {
      reads.computeIfAbsent(
          n.id(),
          id -> {
            List<Fleet.Stack> wanted = new ArrayList<>();
            for (Fleet.Stack s : n.stacks().values()) {
              if (stacks.contains(s.name())) {
                wanted.add(s);
              }
            }
            return CompletableFuture.supplyAsync(() -> gated(gate, n, wanted), executor);
          });
    }
    Map<String, NodeRead> read = new LinkedHashMap<>();
    reads.forEach((id, f) -> read.put(id, f.join()));

    List<ParityReport.Unreadable> unreadable = new ArrayList<>();
    read.forEach(
        (id, r) -> {
          if (r.failed() != null) {
            unreadable.add(new ParityReport.Unreadable(id, null, r.failed()));
          } else {
            r.unreadable()
                .forEach((s, why) -> unreadable.add(new ParityReport.Unreadable(id, s, why)));
          }
        });
    List<ParityReport.Comparison> comparisons = new ArrayList<>();
    for (String s : stacks) {
      List<ParitySide> sa = sides(na, s, read);
      List<ParitySide> sb = sides(nb, s, read);
      boolean onA = runs(na, s);
      boolean onB = runs(nb, s);
      if (onA && !onB) {
        sa.forEach(x -> comparisons.add(ParityCheck.oneSided(s, x, null)));
        continue;
      }
      if (onB && !onA) {
        sb.forEach(x -> comparisons.add(ParityCheck.oneSided(s, null, x)));
        continue;
      }
      for (ParitySide x : sa) {
        for (ParitySide y : sb) {
          if (!x.node().equals(y.node())) {
            comparisons.add(check.compare(x, y));
          }
        }
      }
    }
    return new ParityReport(a, b, stack, comparisons, unreadable);
  }

  private NodeRead gated(
      java.util.concurrent.Semaphore gate, Fleet.Node node, List<Fleet.Stack> stacks) {
    try {
      gate.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return NodeRead.failed("interrupted before it was read");
    }
    try {
      return reader.read(node, stacks);
    } finally {
      gate.release();
    }
  }

  private static boolean runs(List<Fleet.Node> nodes, String stack) {
    return nodes.stream().anyMatch(n -> n.stacks().containsKey(stack));
  }

  private static List<ParitySide> sides(
      List<Fleet.Node> nodes, String stack, Map<String, NodeRead> read) {
    List<ParitySide> out = new ArrayList<>();
    for (Fleet.Node n : nodes) {
      NodeRead r = read.get(n.id());
      ParitySide side = r == null ? null : r.stacks().get(stack);
      if (side != null) {
        out.add(side);
      }
    }
    return out;
  }

  private static List<Fleet.Node> concat(List<Fleet.Node> a, List<Fleet.Node> b) {
    List<Fleet.Node> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
