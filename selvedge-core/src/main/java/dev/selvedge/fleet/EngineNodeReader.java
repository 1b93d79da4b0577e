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
 * The real node sweep: opens the node's engine once and keeps it across sweeps (a kept-alive
 * connection, one SSH session), asks it for its facts, then reads each stack as {@code status} and
 * {@code drift} do. An engine that does not answer makes the node unreachable and its stacks
 * unknown; a stack that cannot be read is unknown with why, and the others are still read.
 */
public final class EngineNodeReader implements NodeReader {
  private final EngineOpener opener;
  private final StackReader stacks;
  private final Clock clock;
  private final Tool tool;
  private final boolean reports;
  private final Map<String, Open> engines = new ConcurrentHashMap<>();

  /** An engine opened for a node as it was defined then (a changed entry opens a new one). */
  private record Open(Fleet.Node node, Duration timeout, DockerEngine engine) {}

  public EngineNodeReader(EngineOpener opener, StackReader stacks, Clock clock, Tool tool) {
    this(opener, stacks, clock, tool, true);
  }

  /**
   * @param reports whether each stack's evidence report is written as JSON ({@link
   *     NodeReading.StackReading#report}): the server keeps and serves it; a one-shot {@code fleet
   *     status} prints only pills and reasons, and writing it was a sixth of a node's CPU
   */
  public EngineNodeReader(
      EngineOpener opener, StackReader stacks, Clock clock, Tool tool, boolean reports) {
    this.opener = opener;
    this.stacks = stacks;
    this.clock = clock;
    this.tool = tool;
    this.reports = reports;
  }

  @Override
  public NodeReading read(Fleet.Node node, Duration timeout) {
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
