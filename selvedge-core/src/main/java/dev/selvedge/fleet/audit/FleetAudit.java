package dev.selvedge.fleet.audit;

import dev.selvedge.SelvedgeException;
import dev.selvedge.drift.DriftInput;
import dev.selvedge.fleet.EngineOpener;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.NetworkSummary;
import dev.selvedge.port.VolumeSummary;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;

/**
 * The use case of {@code selvedge fleet audit} and the server's audit job: every node read (at most
 * the fleet's {@code poll.concurrency} at once), then {@link TenantAudit} over all of them. Nothing
 * is changed on any node.
 */
public final class FleetAudit {
  private final TenantAudit audit;
  private final Reader reader;
  private final Executor executor;
  private final Clock clock;

  /** Reads a node: its Compose resources and its stacks' layers. */
  @FunctionalInterface
  public interface Reader {
    /** Never throws for what the node does: an unreachable engine is the answer's content. */
    TenantAudit.NodeRead read(Fleet.Node node);
  }

  public FleetAudit(TenantAudit audit, Reader reader, Executor executor, Clock clock) {
    this.audit = Objects.requireNonNull(audit, "audit");
    this.reader = Objects.requireNonNull(reader, "reader");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Audits every node of {@code fleet}. */
  public AuditReport run(Fleet fleet) {
    Semaphore gate = new Semaphore(Math.max(1, fleet.poll().concurrency()));
    Map<String, CompletableFuture<TenantAudit.NodeRead>> reads = new LinkedHashMap<>();
    for (Fleet.Node n : fleet.nodes().values()) {
      reads.put(n.id(), CompletableFuture.supplyAsync(() -> gated(gate, n), executor));
    }
    Map<String, TenantAudit.NodeRead> read = new LinkedHashMap<>();
    reads.forEach((id, f) -> read.put(id, f.join()));
    return audit.audit(fleet, read, clock.instant());
  }

  private TenantAudit.NodeRead gated(Semaphore gate, Fleet.Node node) {
    try {
      gate.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return TenantAudit.NodeRead.failed("interrupted before it was read");
    }
    try {
      return reader.read(node);
    } finally {
      gate.release();
    }
  }

  /**
   * The real reader: the node's engine opened from its fleet entry, its Compose-labelled
   * containers, networks and volumes listed (three round trips), and each stack read by {@link
   * LiveStackReader#input} as {@code selvedge parity} reads it.
   */
  public static Reader engines(EngineOpener opener, LiveStackReader stacks, Duration timeout) {
    return node -> {
      DockerEngine engine;
      try {
        engine = opener.open(node, timeout);
      } catch (SelvedgeException e) {
        return TenantAudit.NodeRead.failed("engine unreachable: " + e.getMessage());
      }
      try (engine) {
        List<TenantAudit.Resource> resources = new ArrayList<>();
        Map<String, String> any = new HashMap<>();
        any.put(TenantAudit.PROJECT_LABEL, null);
        try {
          for (ContainerSummary c : engine.listContainers(any, true)) {
            String name = c.names().isEmpty() ? c.id() : c.names().get(0);
            resources.add(
                new TenantAudit.Resource(
                    "container",
                    name.startsWith("/") ? name.substring(1) : name,
                    c.labels().get(TenantAudit.PROJECT_LABEL)));
          }
          for (NetworkSummary n : engine.listNetworks(any)) {
            resources.add(
                new TenantAudit.Resource(
                    "network", n.name(), n.labels().get(TenantAudit.PROJECT_LABEL)));
          }
          for (VolumeSummary v : engine.listVolumes(any)) {
            resources.add(
                new TenantAudit.Resource(
                    "volume", v.name(), v.labels().get(TenantAudit.PROJECT_LABEL)));
          }
        } catch (SelvedgeException e) {
          return TenantAudit.NodeRead.failed("engine unreachable: " + e.getMessage());
        }
        Map<String, DriftInput> read = new LinkedHashMap<>();
        Map<String, String> failed = new LinkedHashMap<>();
        for (Fleet.Stack stack : node.stacks().values()) {
          try {
            read.put(stack.name(), stacks.input(stack, engine));
          } catch (EngineUnreachableException e) {
            return TenantAudit.NodeRead.failed("engine unreachable: " + e.getMessage());
          } catch (SelvedgeException e) {
            failed.put(stack.name(), "cannot be read: " + e.getMessage());
          }
        }
        return new TenantAudit.NodeRead(null, resources, read, failed);
      }
    };
  }
}
