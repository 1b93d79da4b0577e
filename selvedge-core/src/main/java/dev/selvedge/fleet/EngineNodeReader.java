package dev.selvedge.fleet;

import dev.selvedge.SelvedgeException;
import dev.selvedge.drift.DriftJson;
import dev.selvedge.drift.DriftReport;
import dev.selvedge.evidence.Tool;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.status.StackStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The real node sweep: opens the node's engine, asks it for its facts, then reads each stack as
 * {@code status} and {@code drift} do. An engine that does not answer makes the node unreachable
 * and its stacks unknown; a stack that cannot be read is unknown with why, and the others are still
 * read.
 *
 * <p>A long-running process keeps each node's engine across sweeps ({@link Engines#KEPT}: its
 * kept-alive connections, one SSH session); a one-shot sweep closes each node's engine as soon as
 * its sweep is done ({@link Engines#CLOSED_AFTER_SWEEP}), so the descriptors held are those of the
 * sweeps under way (at most {@code poll.concurrency}), not of every node swept.
 */
public final class EngineNodeReader implements NodeReader {
  private final EngineOpener opener;
  private final StackReader stacks;
  private final Clock clock;
  private final Tool tool;
  private final Engines keeping;
  private final boolean reports;
  private final Map<String, Open> engines = new ConcurrentHashMap<>();

  /** What becomes of a node's engine once its sweep is done. */
  public enum Engines {
    /** Kept open for the node's next sweep (the server). */
    KEPT,
    /** Closed (a one-shot sweep: {@code selvedge fleet status}). */
    CLOSED_AFTER_SWEEP
  }

  /** An engine opened for a node as it was defined then (a changed entry opens a new one). */
  private record Open(Fleet.Node node, Duration timeout, DockerEngine engine) {}

  /** A reader that keeps every node's engine across sweeps ({@link Engines#KEPT}). */
  public EngineNodeReader(EngineOpener opener, StackReader stacks, Clock clock, Tool tool) {
    this(opener, stacks, clock, tool, Engines.KEPT, true);
  }

  /**
   * A reader that writes every stack's evidence report, keeping engines as {@code keeping} says.
   */
  public EngineNodeReader(
      EngineOpener opener, StackReader stacks, Clock clock, Tool tool, Engines keeping) {
    this(opener, stacks, clock, tool, keeping, true);
  }

  /**
   * @param keeping what becomes of a node's engine once its sweep is done
   * @param reports whether each stack's evidence report is written as JSON ({@link
   *     NodeReading.StackReading#report}): the server keeps and serves it; a one-shot {@code fleet
   *     status} prints only pills and reasons, and writing it was a sixth of a node's CPU
   */
  public EngineNodeReader(
      EngineOpener opener,
      StackReader stacks,
      Clock clock,
      Tool tool,
      Engines keeping,
      boolean reports) {
    this.opener = opener;
    this.stacks = stacks;
    this.clock = clock;
    this.tool = tool;
    this.keeping = keeping;
    this.reports = reports;
  }

  @Override
  public NodeReading read(Fleet.Node node, Duration timeout) {
    try {
      return readOpen(node, timeout);
    } finally {
      if (keeping == Engines.CLOSED_AFTER_SWEEP) {
        drop(node.id());
      }
    }
  }

  /** How many nodes' engines are open now (for tests of what is kept). */
  public int openEngines() {
    return engines.size();
  }

  private NodeReading readOpen(Fleet.Node node, Duration timeout) {
    DockerEngine engine;
    try {
      engine = engine(node, timeout);
    } catch (SelvedgeException e) {
      return unreachable(node, e.getMessage());
    }
    EngineFacts facts;
    try {
      facts = engine.facts();
    } catch (EngineUnreachableException | EngineException e) {
      drop(node.id());
      return unreachable(node, e.getMessage());
    }
    List<NodeReading.StackReading> read = new ArrayList<>();
    for (Fleet.Stack stack : node.stacks().values()) {
      try {
        DriftReport report = stacks.read(node, stack, engine);
        StackStatus status = report.status();
        read.add(
            new NodeReading.StackReading(
                stack.name(),
                stack.project(),
                status.sync(),
                status.health(),
                status.pill(),
                status.pillReasons(),
                reports ? DriftJson.write(report, tool, clock) : null));
      } catch (EngineUnreachableException e) {
        // Gone in the middle of the sweep: the node is unreachable, not its stacks unreadable.
        drop(node.id());
        return unreachable(node, e.getMessage());
      } catch (SelvedgeException e) {
        read.add(NodeReading.StackReading.unread(stack, "cannot be read: " + e.getMessage()));
      }
    }
    return new NodeReading(node.id(), clock.instant(), true, List.of(), facts, read);
  }

  private NodeReading unreachable(Fleet.Node node, String why) {
    String reason = "engine unreachable: " + why;
    List<NodeReading.StackReading> unknown = new ArrayList<>();
    for (Fleet.Stack s : node.stacks().values()) {
      unknown.add(NodeReading.StackReading.unread(s, reason));
    }
    return new NodeReading(node.id(), clock.instant(), false, List.of(reason), null, unknown);
  }

  private DockerEngine engine(Fleet.Node node, Duration timeout) {
    Open open = engines.get(node.id());
    if (open != null && open.node().equals(node) && open.timeout().equals(timeout)) {
      return open.engine();
    }
    if (open != null) {
      engines.remove(node.id(), open);
      open.engine().close();
    }
    DockerEngine engine = opener.open(node, timeout);
    engines.put(node.id(), new Open(node, timeout, engine));
    return engine;
  }

  private void drop(String node) {
    Open open = engines.remove(node);
    if (open != null) {
      try {
        open.engine().close();
      } catch (RuntimeException e) {
        // closing a connection that failed already: nothing more to do
      }
    }
  }

  @Override
  public void forget(String node) {
    drop(node);
  }

  @Override
  public void close() {
    for (String id : List.copyOf(engines.keySet())) {
      drop(id);
    }
  }
}
