package dev.selvedge.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.docker.RegistryClient;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.Scheduler;
import dev.selvedge.fleet.update.AutoUpdate;
import dev.selvedge.fleet.update.AutoUpdate.ServiceCheck;
import dev.selvedge.fleet.update.AutoUpdate.StackCheck;
import dev.selvedge.fleet.update.AutoUpdate.State;
import dev.selvedge.fleet.update.AutoUpdateJson;
import dev.selvedge.fleet.update.RolloutStarter;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.RegistryDigests;
import dev.selvedge.port.Store;
import dev.selvedge.server.events.EventPublisher;
import dev.selvedge.server.events.ServerEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The server's auto-update job (docs/auto-update.md): each stack with {@code auto_update} is
 * checked on its cron schedule (a time outside its window moves to the window's next opening), and
 * on request ({@code POST /api/v1/autoupdate/check}); a new digest starts a rollout through the
 * {@link RolloutStarter} {@code serve} gives it. Each check is published ({@code
 * autoupdate.checked}, {@code autoupdate.started}, {@code autoupdate.skipped}) and each start
 * audited. The fleet file is read again before each wait, so a reload applies.
 */
final class AutoUpdates implements AutoCloseable {
  /** Who a scheduled check names. */
  static final String SCHEDULE = "schedule";

  /** The actor of the audit events it records. */
  static final String ACTOR = "auto-update";

  /** The longest wait between looks at the fleet file (a reload may add a stack). */
  static final Duration RECHECK = Duration.ofMinutes(10);

  /** How long the registry may take to answer. */
  static final Duration REGISTRY_TIMEOUT = Duration.ofSeconds(30);

  private final Store store;
  private final Supplier<Fleet> fleet;
  private final Clock clock;
  private final EventPublisher events;
  private final RegistryDigests registry;
  private final AutoUpdate.Images images;
  private final Consumer<String> log;
  private final ReentrantLock running = new ReentrantLock();
  private volatile RolloutStarter starter =
      RolloutStarter.unavailable("this server has no rollout service to start a rollout with");
  private final Map<String, Planned> planned = new HashMap<>();
  private final Map<String, StackCheck> last = new LinkedHashMap<>();
  private volatile boolean closed;
  private Scheduler timer;

  /** A stack's next check under the policy it was planned with. */
  private record Planned(Fleet.AutoUpdate policy, Instant at) {}

  /**
   * @param registry null: it cannot check (a read-only server); closed by {@link #close} when it is
   *     {@link AutoCloseable}
   * @param images each stack's services and images from its contract
   */
  AutoUpdates(
      Store store,
      Supplier<Fleet> fleet,
      Clock clock,
      EventPublisher events,
      RegistryDigests registry,
      AutoUpdate.Images images,
      Consumer<String> log) {
    this.store = store;
    this.fleet = fleet;
    this.clock = clock;
    this.events = events;
    this.registry = registry;
    this.images = images;
    this.log = log;
  }

  /** The shortest time between two scheduled checks of one stack across the replicas. */
  static final Duration ONCE_AT_LEAST = Duration.ofSeconds(30);

  private volatile ClusterJobs jobs = ClusterJobs.ALONE;

  /** Over the control plane's settings: the docker CLI config and environment of operations. */
  AutoUpdates(ControlPlane.Settings settings, Consumer<String> log) {
    this(
        settings.store(),
        () -> settings.fleet().fleet(),
        settings.clock(),
        settings.events(),
        settings.operations() == null
            ? null
            : RegistryClient.fromEnvironment(settings.operations().environment(), REGISTRY_TIMEOUT),
        settings.operations() == null
            ? null
            : AutoUpdate.Images.contracts(settings.operations().environment()),
        log);
  }

  /** Sets what starts the rollouts (until set: a starter that refuses, saying why). */
  AutoUpdates starter(RolloutStarter starter) {
    this.starter = starter;
    return this;
  }

  /** Whether the server can check (it reads contracts and registries with operations settings). */
  boolean available() {
    return registry != null;
  }

  /** What {@code GET /api/v1/autoupdate} shows of one stack. */
  record StackView(AutoUpdate.Target target, Instant nextCheck, StackCheck lastCheck) {}

  /** Every stack that auto-updates, with its next check and last check. */
  List<StackView> view() {
    List<StackView> out = new ArrayList<>();
    Instant now = clock.instant();
    synchronized (planned) {
      for (AutoUpdate.Target t : AutoUpdate.targets(fleet.get())) {
        Planned p = planned.get(t.name());
        Instant next =
            p != null && p.policy().equals(t.policy())
                ? p.at()
                : AutoUpdate.nextCheck(t.policy(), now);
        out.add(new StackView(t, next, last.get(t.name())));
      }
    }
    return out;
  }

  /**
   * Checks every stack now (the window and the no-retry rule apply as to a scheduled check); empty
   * when a check is under way.
   *
   * @param trigger {@link #SCHEDULE} or {@code request:<key name>}
   */
  java.util.Optional<List<StackCheck>> checkNow(String trigger) {
    if (!running.tryLock()) {
      return java.util.Optional.empty();
    }
    try {
      List<StackCheck> out = new ArrayList<>();
      for (AutoUpdate.Target t : AutoUpdate.targets(fleet.get())) {
        out.add(check(t, trigger));
      }
      return java.util.Optional.of(out);
    } finally {
      running.unlock();
    }
  }

  private StackCheck check(AutoUpdate.Target target, String trigger) {
    StackCheck c = new AutoUpdate(registry, store, images, starter, clock).check(target, true);
    synchronized (planned) {
      last.put(target.name(), c);
    }
    publish(c, trigger);
    if (c.rolloutId() != null) {
      audit(c, "started", "rollout " + c.rolloutId() + ": " + pins(c));
      log.accept("auto-update of " + c.stack() + ": rollout " + c.rolloutId() + " started");
    } else if (c.skipped() != null && !c.due().isEmpty()) {
      audit(c, "skipped", c.skipped());
      log.accept("auto-update of " + c.stack() + " not started: " + c.skipped());
    }
    return c;
  }

  private static String pins(StackCheck c) {
    List<String> parts = new ArrayList<>();
    c.images().forEach((service, image) -> parts.add(service + "=" + image));
    return String.join(", ", parts);
  }

  private void audit(StackCheck c, String outcome, String detail) {
    List<String> before = new ArrayList<>();
    for (ServiceCheck s : c.services()) {
      if (s.state() == State.DUE || s.state() == State.STARTED) {
        before.add(s.service() + "=" + String.join("|", s.running()));
      }
    }
    store
        .audit()
        .record(
            new AuditLog.Event(
                0,
                c.at(),
                ACTOR,
                null,
                "autoupdate.start",
                null,
                null,
                c.stack(),
                null,
                c.rolloutId(),
                before.isEmpty() ? null : String.join(", ", before),
                c.images().isEmpty() ? null : pins(c),
                outcome,
                null,
                detail));
  }

  private void publish(StackCheck c, String trigger) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode checked = f.objectNode();
    checked.put("trigger", trigger);
    ArrayNode services = checked.putArray("services");
    for (ServiceCheck s : c.services()) {
      services.add(AutoUpdateJson.service(s));
    }
    events.publish(
        ServerEvent.of("autoupdate.checked", c.at(), null, c.stack(), null, null, checked));
    for (ServiceCheck s : c.services()) {
      if (s.state() == State.ATTEMPTED || s.state() == State.FAILED) {
        ObjectNode d = AutoUpdateJson.service(s);
        d.put("reason", s.message());
        events.publish(
            ServerEvent.of("autoupdate.skipped", c.at(), null, c.stack(), s.service(), null, d));
      }
    }
    if (c.skipped() != null) {
      ObjectNode d = f.objectNode();
      d.put("reason", c.skipped());
      d.put("retry", c.retry());
      ArrayNode due = d.putArray("due");
      c.due().forEach(s -> due.add(s.service()));
      events.publish(ServerEvent.of("autoupdate.skipped", c.at(), null, c.stack(), null, null, d));
    }
    if (c.rolloutId() != null) {
      ObjectNode d = f.objectNode();
      d.put("rollout", c.rolloutId());
      ObjectNode imgs = d.putObject("images");
      c.images().forEach(imgs::put);
      events.publish(ServerEvent.of("autoupdate.started", c.at(), null, c.stack(), null, null, d));
    }
  }

  /**
   * Runs each scheduled check on one replica only (the {@code cluster_job} lease of {@code
   * auto-update:STACK}); {@link ClusterJobs#ALONE} until called.
   */
  AutoUpdates onceAcross(ClusterJobs jobs) {
    this.jobs = java.util.Objects.requireNonNull(jobs, "jobs");
    return this;
  }

  /** Checks on each stack's schedule until closed, on a timer of its own. */
  AutoUpdates start() {
    return start(Scheduler.ownThread("selvedge-auto-update"));
  }

  /** Checks on {@code scheduler} (which it closes when closed); a check blocks its thread. */
  AutoUpdates start(Scheduler scheduler) {
    if (!available()) {
      scheduler.close();
      return this;
    }
    timer = scheduler;
    scheduleNext();
    return this;
  }

  private void scheduleNext() {
    Instant now = clock.instant();
    Instant soonest = now.plus(RECHECK);
    synchronized (planned) {
      Map<String, Planned> kept = new HashMap<>();
      for (AutoUpdate.Target t : AutoUpdate.targets(fleet.get())) {
        Planned p = planned.get(t.name());
        if (p == null || !p.policy().equals(t.policy())) {
          Instant at = AutoUpdate.nextCheck(t.policy(), now);
          p = new Planned(t.policy(), at == null ? Instant.MAX : at);
        }
        kept.put(t.name(), p);
        if (p.at().isBefore(soonest)) {
          soonest = p.at();
        }
      }
      planned.clear();
      planned.putAll(kept);
    }
    Duration wait = Duration.between(now, soonest);
    timer.schedule(wait.isNegative() ? Duration.ZERO : wait, this::scheduled);
  }

  private void scheduled() {
    try {
      Instant now = clock.instant();
      for (AutoUpdate.Target t : AutoUpdate.targets(fleet.get())) {
        Planned p;
        synchronized (planned) {
          p = planned.get(t.name());
        }
        if (p == null || !p.policy().equals(t.policy()) || p.at().isAfter(now)) {
          continue;
        }
        running.lock();
        try {
          // Once per planned check across the replicas (each has its own timer): due again after
          // half the gap to the stack's next check.
          Duration every =
              ClusterJobs.halfTheGap(
                  now, AutoUpdate.nextCheck(t.policy(), now.plusSeconds(1)), ONCE_AT_LEAST);
          jobs.once("auto-update:" + t.name(), every, () -> check(t, SCHEDULE));
        } catch (RuntimeException e) {
          log.accept(
              "auto-update of "
                  + t.name()
                  + " failed, tried again at its next check: "
                  + e.getMessage());
        } finally {
          running.unlock();
          Instant next = AutoUpdate.nextCheck(t.policy(), clock.instant());
          synchronized (planned) {
            planned.put(t.name(), new Planned(t.policy(), next == null ? Instant.MAX : next));
          }
        }
      }
    } catch (RuntimeException e) {
      log.accept("auto-update failed, tried again at its next check: " + e.getMessage());
    } finally {
      if (!closed) {
        scheduleNext();
      }
    }
  }

  /** Stops the timer, then closes the registry client when it has one to close (it owns it). */
  @Override
  public void close() {
    closed = true;
    if (timer != null) {
      timer.close();
    }
    if (registry instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        log.accept("auto-update: cannot close the registry client: " + e.getMessage());
      }
    }
  }
}
