package dev.selvedge.operations;

import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Readback;
import dev.selvedge.contract.model.Service;
import dev.selvedge.drift.DriftChecker;
import dev.selvedge.drift.DriftClass;
import dev.selvedge.drift.DriftFinding;
import dev.selvedge.drift.DriftInput;
import dev.selvedge.drift.DriftLayer;
import dev.selvedge.drift.DriftReport;
import dev.selvedge.drift.ReadbackResult;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.HttpProbe;
import dev.selvedge.status.Health;
import dev.selvedge.status.ServiceStatus;
import dev.selvedge.verify.EnvExample;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Waits for a freshly started container to be healthy: its Docker healthcheck says healthy (or,
 * without one, it has kept running for a moment), and its {@code x-selvedge.readback} answers as
 * the contract expects — judged by the same rules as drift's application layer. Fails at once when
 * the container exits, restarts or turns unhealthy; otherwise at the deadline, with the last
 * reason.
 */
public final class HealthGate {
  /** How long a container without a healthcheck must stay up to count as started well. */
  static final Duration SETTLE = Duration.ofSeconds(1);

  private final DockerEngine engine;
  private final HttpProbe probe;
  private final DriftChecker drift;
  private final Clock clock;

  public HealthGate(DockerEngine engine, HttpProbe probe, DriftChecker drift, Clock clock) {
    this.engine = engine;
    this.probe = probe;
    this.drift = drift;
    this.clock = clock;
  }

  /** How a gate ended. */
  public record Verdict(boolean passed, String reason) {
    static Verdict pass(String reason) {
      return new Verdict(true, reason);
    }

    static Verdict fail(String reason) {
      return new Verdict(false, reason);
    }
  }

  /**
   * Waits for the container of {@code s}.
   *
   * @param completion the service is a one-shot job a dependent waits for: it passes by exiting 0
   * @param readback also wait for the service's readback (false when restoring an old container,
   *     whose answers the new contract's expectations do not describe)
   * @param justStarted the container was started just now: nothing is known before its first
   *     healthcheck, so the first look waits for it
   * @param timeout how long to wait at most
   */
  public Verdict await(
      Project project,
      Service s,
      String containerId,
      boolean completion,
      boolean readback,
      boolean justStarted,
      Duration timeout,
      Progress progress) {
    Verdict verdict =
        awaitVerdict(project, s, containerId, completion, readback, justStarted, timeout, progress);
    progress.verdict(s.name(), verdict.passed(), verdict.reason());
    return verdict;
  }

  private Verdict awaitVerdict(
      Project project,
      Service s,
      String containerId,
      boolean completion,
      boolean readback,
      boolean justStarted,
      Duration timeout,
      Progress progress) {
    Instant deadline = clock.instant().plus(timeout);
    String last = "not checked yet";
    long pause = 100;
    if (justStarted && !completion) {
      // Nothing can be known before the first healthcheck has run (one interval after start) or
      // the settle time has passed; asking earlier only loads the engine while it starts others.
      sleep(firstLook(s).toMillis());
    }
    while (true) {
      ContainerDetails c = engine.inspectContainer(containerId);
      ContainerDetails.State st = c.state();
      Verdict verdict = judge(s, c, st, completion, justStarted);
      if (verdict != null) {
        return verdict;
      }
      // A job a dependent waits for passes only by exiting 0: running is not enough.
      String now =
          completion ? "running until it completes" : waitingReason(project, s, c, readback);
      if (now == null) {
        return Verdict.pass(summary(s, c));
      }
      if (!now.equals(last)) {
        progress.step(s.name(), "waiting: " + now);
        last = now;
      }
      if (!clock.instant().isBefore(deadline)) {
        return Verdict.fail("not healthy within " + seconds(timeout) + ": " + last);
      }
      sleep(pause);
      pause = Math.min(pause * 2, 250);
    }
  }

  /** A final verdict from the container state alone, or null to keep looking. */
  private static Verdict judge(
      Service s,
      ContainerDetails c,
      ContainerDetails.State st,
      boolean completion,
      boolean justStarted) {
    if (completion) {
      if (st.running() || "created".equals(st.status())) {
        return null;
      }
      return st.exitCode() == 0
          ? Verdict.pass("completed successfully")
          : Verdict.fail(
              "exited with code " + st.exitCode() + " (it had to complete successfully)");
    }
    // Restarts before this start are history; after it, they mean a crash loop.
    if ("restarting".equals(st.status()) || (justStarted && st.restartCount() > 0)) {
      return Verdict.fail(
          "container " + c.name() + " is restarting (last exit code " + st.exitCode() + ")");
    }
    if (!st.running()) {
      return Verdict.fail(
          "container " + c.name() + " is " + st.status() + " (exit code " + st.exitCode() + ")");
    }
    if ("unhealthy".equals(st.health())) {
      return Verdict.fail("its healthcheck reports unhealthy");
    }
    return null;
  }

  /** Why the container is not healthy yet, or null when it is. */
  private String waitingReason(
      Project project, Service s, ContainerDetails c, boolean withReadback) {
    ContainerDetails.State st = c.state();
    if ("starting".equals(st.health())) {
      return "healthcheck starting";
    }
    if (st.health() == null && !settled(st)) {
      return "started, settling";
    }
    Readback r = s.selvedge().readback();
    if (r == null || !withReadback) {
      return null;
    }
    List<ReadbackResult> results = new ArrayList<>();
    if (r.health() != null) {
      URI u = URI.create(r.health());
      results.add(
          new ReadbackResult(
              s.name(), ReadbackResult.Endpoint.HEALTH, u, probe.get(u, r.timeout())));
    }
    if (r.version() != null) {
      URI u = URI.create(r.version());
      results.add(
          new ReadbackResult(
              s.name(), ReadbackResult.Endpoint.VERSION, u, probe.get(u, r.timeout())));
    }
    DriftReport report =
        drift.check(
            DriftInput.of(project, EnvExample.absent(".env.example"), List.of(c))
                .withReadbacks(results));
    List<String> problems = new ArrayList<>();
    for (DriftFinding f : report.findings(s.name())) {
      if (f.layer() == DriftLayer.CONTAINER_APP && f.kind() != DriftClass.BLOCKED_EXTERNAL) {
        problems.add(f.message());
      }
    }
    for (var u : report.unread()) {
      if (s.name().equals(u.service()) && u.layer() == DriftLayer.CONTAINER_APP) {
        problems.add(u.reason());
      }
    }
    ServiceStatus status = report.status().service(s.name());
    if (problems.isEmpty() && status != null && status.health() == Health.DEGRADED) {
      problems.addAll(status.healthReasons());
    }
    return problems.isEmpty() ? null : "readback: " + String.join("; ", problems);
  }

  /** When the first verdict can be had: one healthcheck interval (at most 5s), else settling. */
  static Duration firstLook(Service s) {
    var h = s.healthcheck();
    if (h != null && !h.disabled() && h.interval() != null) {
      Duration i = h.interval();
      return i.compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : i;
    }
    return SETTLE;
  }

  private boolean settled(ContainerDetails.State st) {
    try {
      Instant started = Instant.parse(st.startedAt());
      return !clock.instant().isBefore(started.plus(SETTLE));
    } catch (DateTimeParseException | NullPointerException e) {
      return true;
    }
  }

  private static String summary(Service s, ContainerDetails c) {
    String how =
        c.state().health() != null ? "healthcheck healthy" : "running without a healthcheck";
    return s.selvedge().readback() != null ? how + ", readback as expected" : how;
  }

  static String seconds(Duration d) {
    return d.toSeconds() + "s";
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OperationException("interrupted while waiting for health");
    }
  }
}
