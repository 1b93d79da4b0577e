package dev.selvedge.server;

import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.fleet.StackState;
import dev.selvedge.fleet.SweepListener;
import dev.selvedge.status.Pill;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@code GET /metrics} shows, in Prometheus text: sweeps (durations, failures), nodes and
 * stacks per pill, HTTP requests by route and status, and the JVM. The poller reports its sweeps
 * here (it is the poller's {@link SweepListener}); the pill counts are taken from the fleet's view
 * at each scrape ({@link #pills}).
 */
public final class ServerMetrics implements SweepListener, AutoCloseable {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Timer sweepsOk;
  private final Timer sweepsFailed;
  private final Counter sweepFailures;
  private final Counter auditFailures;
  private final Map<Pill, AtomicLong> nodes = new EnumMap<>(Pill.class);
  private final Map<Pill, AtomicLong> stacks = new EnumMap<>(Pill.class);

  public ServerMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    sweepsOk =
        Timer.builder("selvedge.sweep.duration")
            .description("How long a sweep of one node took")
            .tag("outcome", "ok")
            .register(registry);
    sweepsFailed =
        Timer.builder("selvedge.sweep.duration")
            .description("How long a sweep of one node took")
            .tag("outcome", "failed")
            .register(registry);
    sweepFailures =
        Counter.builder("selvedge.sweep.failures")
            .description("Sweeps that could not reach the node's engine")
            .register(registry);
    auditFailures =
        Counter.builder("selvedge.audit.failures")
            .description("Write requests answered that could not be recorded in the audit log")
            .register(registry);
    for (Pill p : Pill.values()) {
      nodes.put(p, new AtomicLong());
      stacks.put(p, new AtomicLong());
      Gauge.builder("selvedge.nodes", nodes.get(p), AtomicLong::get)
          .description("Nodes per pill colour")
          .tag("pill", p.id())
          .register(registry);
      Gauge.builder("selvedge.stacks", stacks.get(p), AtomicLong::get)
          .description("Stacks per pill colour")
          .tag("pill", p.id())
          .register(registry);
    }
  }

  /** A write request was answered but could not be audited (the store failed). */
  public void auditFailed() {
    auditFailures.increment();
  }

  @Override
  public void swept(String node, Duration took, boolean reachable) {
    sweepFinished(took, !reachable);
  }

  /** A sweep of one node ended; {@code failed} when its engine could not be reached. */
  public void sweepFinished(Duration took, boolean failed) {
    (failed ? sweepsFailed : sweepsOk).record(took);
    if (failed) {
      sweepFailures.increment();
    }
  }

  /** The pill counts of these nodes (nodes and stacks never swept count nowhere). */
  public void pills(Collection<NodeView> views) {
    Map<Pill, Long> n = new EnumMap<>(Pill.class);
    Map<Pill, Long> s = new EnumMap<>(Pill.class);
    for (NodeView view : views) {
      NodeState node = view.state();
      if (node == null) {
        continue;
      }
      if (node.pill() != null) {
        n.merge(node.pill(), 1L, Long::sum);
      }
      for (StackState st : node.stacks()) {
        if (st.pill() != null) {
          s.merge(st.pill(), 1L, Long::sum);
        }
      }
    }
    for (Pill p : Pill.values()) {
      nodes.get(p).set(n.getOrDefault(p, 0L));
      stacks.get(p).set(s.getOrDefault(p, 0L));
    }
  }

  void httpRequest(String method, String route, int status, long nanos) {
    Timer.builder("selvedge.http.requests")
        .description("HTTP requests by route and status")
        .tag("method", methodTag(method))
        .tag("route", route)
        .tag("status", Integer.toString(status))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * The method as a tag from a fixed set: any client may send a made-up method, and a tag per
   * spelling would grow the registry (and /metrics) without bound.
   */
  static String methodTag(String method) {
    return switch (method) {
      case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS" -> method;
      default -> "other";
    };
  }

  /** Everything, in the Prometheus text format. */
  String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
