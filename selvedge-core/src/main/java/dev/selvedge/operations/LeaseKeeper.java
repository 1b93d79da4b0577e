package dev.selvedge.operations;

import dev.selvedge.port.AuditLog;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.Lease;
import dev.selvedge.port.LeaseHeldException;
import dev.selvedge.port.LeaseStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Holds a project's lease for the length of one operation: takes it, renews it in the background
 * every third of its time to live, and gives it up at the end. A crashed process stops renewing, so
 * its lease runs out and the next operation takes over; on the machine it ran on, the next
 * operation sees at once that it died ({@link LocalProcesses}), takes over then, and first finishes
 * the restores the lease says it was doing.
 *
 * <p><b>Which clock.</b> The store writes and judges a lease's expiry on its own (the database's)
 * clock: a lease taken or renewed for {@code ttl} lasts until the database's now + {@code ttl}. The
 * keeper never compares that expiry with this machine's clock, which may be minutes off. It counts
 * instead, on a monotonic timer ({@link System#nanoTime}), the time elapsed since it <em>asked</em>
 * for the last acquisition or renewal that succeeded: the database read its now after the request
 * was sent, so the lease is live for at least {@code ttl} from that moment, whatever either clock
 * says. {@link #check()} fails once that elapsed time passes {@code ttl} less a margin of a sixth
 * of it (for the change that follows a check to land before the expiry): the operation stops before
 * anyone else could have taken the lease. Its {@link Clock} only stamps audit records.
 */
public final class LeaseKeeper implements AutoCloseable {
  private final LeaseStore leases;
  private final Duration ttl;
  private final String where;
  private final Clock clock;
  private final LongSupplier nanos;
  private final ScheduledExecutorService renewer;
  private volatile Lease lease;

  /** {@link #nanos} when the last acquisition or renewal that succeeded was asked for. */
  private volatile long confirmed;

  private volatile RuntimeException lost;
  private final Map<String, Lease.Restore> restoring = new TreeMap<>();

  private LeaseKeeper(
      LeaseStore leases,
      Lease lease,
      long asked,
      Duration ttl,
      String where,
      Clock clock,
      LongSupplier nanos) {
    this.leases = leases;
    this.clock = clock;
    this.nanos = nanos;
    this.lease = lease;
    this.confirmed = asked;
    this.ttl = ttl;
    this.where = where;
    this.renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "selvedge-lease");
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(1, ttl.toMillis() / 3);
    renewer.scheduleAtFixedRate(this::renew, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Takes the lease of (engine, project) or throws {@link LeaseHeldException} naming its holder.
   * The lease is keyed by the daemon's own ID ({@link #key}), so two ways to one engine (its socket
   * and an ssh:// host, say) cannot both mutate one project at once.
   *
   * <p>A holder on this machine that died (a {@code kill -9}, a crash) is taken over at once rather
   * than when its lease expires, and the restores it recorded are finished before this returns: its
   * service is back on its previous container before anything else is planned.
   *
   * @param audit where the finished restores are recorded
   */
  public static LeaseKeeper acquire(
      LeaseStore leases,
      DockerEngine engine,
      String project,
      String owner,
      String operation,
      Duration ttl,
      Progress progress,
      AuditLog audit,
      Clock clock) {
    return acquire(
        leases,
        engine,
        project,
        owner,
        operation,
        ttl,
        progress,
        audit,
        clock,
        LocalProcesses.SYSTEM,
        System::nanoTime);
  }

  /**
   * As the public {@code acquire}, with the processes of this machine and the monotonic timer its
   * time to live is counted on ({@link System#nanoTime} but in tests).
   */
  static LeaseKeeper acquire(
      LeaseStore leases,
      DockerEngine engine,
      String project,
      String owner,
      String operation,
      Duration ttl,
      Progress progress,
      AuditLog audit,
      Clock clock,
      LocalProcesses processes,
      LongSupplier nanos) {
    String key = key(engine);
    Lease.Holder me = processes.self();
    Lease lease;
    Lease dead;
    // Taken before each request: the store's now, which the lease's time to live runs from, is
    // later.
    long asked = nanos.getAsLong();
    try {
      lease = leases.acquire(key, project, owner, operation, ttl, me);
      dead = null;
    } catch (LeaseHeldException e) {
      Lease held = e.holder();
      LocalProcesses.Liveness liveness =
          held == null ? LocalProcesses.Liveness.UNKNOWN : processes.judge(held.holder());
      if (liveness != LocalProcesses.Liveness.DEAD) {
        throw new LeaseHeldException(engine.endpoint(), project, held, advice(held, liveness));
      }
      try {
        asked = nanos.getAsLong();
        lease = leases.takeOver(held, owner, operation, ttl, me);
      } catch (LeaseHeldException again) {
        if (again.holder() == null) {
          // Another run took it over and already gave it up: the project is free, start again.
          return acquire(
              leases, engine, project, owner, operation, ttl, progress, audit, clock, processes,
              nanos);
        }
        throw new LeaseHeldException(
            engine.endpoint(),
            project,
            again.holder(),
            "it has just taken over from " + held.owner() + ", which died; wait for it to finish");
      }
      dead = held;
    }
    LeaseKeeper keeper =
        new LeaseKeeper(leases, lease, asked, ttl, engine.endpoint(), clock, nanos);
    keeper.restoring.putAll(lease.restoring());
    if (dead != null) {
      progress.step(
          null,
          "took over the lease of "
              + dead.owner()
              + ", which died during '"
              + dead.operation()
              + "' (its process is gone from this machine)");
      finishRestores(
          engine, project, owner, dead.owner(), dead.restoring(), progress, audit, keeper);
    } else if (!lease.restoring().isEmpty()) {
      // An expired holding (its holder on another machine, or gone for longer than the lease)
      // left restores under way: the store kept them with the lease, so they are finished here
      // rather than lost to the plan.
      progress.step(
          null,
          "took over an expired lease that was putting previous containers back; finishing that");
      finishRestores(
          engine, project, owner, "an earlier run", lease.restoring(), progress, audit, keeper);
    }
    return keeper;
  }

  private static String advice(Lease held, LocalProcesses.Liveness liveness) {
    if (held == null) {
      return "try again";
    }
    if (liveness == LocalProcesses.Liveness.ALIVE) {
      return "it is still running on this machine (pid "
          + held.holder().pid()
          + "): wait for it to finish";
    }
    return "it runs on another machine (or out of sight of this process), so whether it is still"
        + " alive cannot be told from here: wait for it to finish, or until "
        + held.expiresAt()
        + " by the store's clock when its lease expires if it died";
  }

  /**
   * Puts back each previous container {@code dead} was restoring: removes the successor that failed
   * its gate, gives the parked container its name again and starts it if it ran before. Every step
   * is safe to repeat, so it does not matter how far the dead process got; a service whose restore
   * cannot be finished is said, and left for the operation's plan to converge.
   */
  private static void finishRestores(
      DockerEngine engine,
      String project,
      String owner,
      String previous,
      Map<String, Lease.Restore> restores,
      Progress progress,
      AuditLog audit,
      LeaseKeeper keeper) {
    restores.forEach(
        (service, r) -> {
          String outcome = "done";
          String detail;
          try {
            progress.step(
                service,
                "finishing the restore " + previous + " was doing: putting back " + r.name());
            if (r.replacement() != null) {
              engine.removeContainer(r.replacement(), true);
            }
            var parked = engine.inspectContainer(r.parked());
            // Already renamed back when the kill came after that step; the Engine API's own
            // form of a name has a leading '/'.
            String now = parked.name().startsWith("/") ? parked.name().substring(1) : parked.name();
            if (!now.equals(r.name())) {
              engine.renameContainer(parked.id(), r.name());
            }
            if (r.start()) {
              engine.startContainer(parked.id());
            }
            detail =
                "restored "
                    + r.name()
                    + (r.start() ? " and started it" : " (it was not running before)")
                    + ", finishing the restore of "
                    + previous;
          } catch (RuntimeException e) {
            outcome = "failed";
            detail =
                "could not finish the restore of "
                    + previous
                    + ": "
                    + Applier.message(e)
                    + "; the plan converges from what is on the engine";
          }
          progress.step(service, detail);
          // Finished, or left to the plan: either way no later taker should try it again.
          keeper.restored(service);
          try {
            audit.record(
                AuditLog.Event.of(
                        keeper.clock.instant(),
                        owner,
                        key(engine),
                        project,
                        service,
                        "finish restore",
                        r.name(),
                        outcome,
                        detail)
                    .from(Actor.machine()));
          } catch (RuntimeException e) {
            progress.step(service, "could not record it in the audit log: " + Applier.message(e));
          }
        });
  }

  /**
   * Records that {@code service}'s previous container is being put back, before the first step of
   * it, so a run that takes over from this process if it dies can finish it.
   */
  public void restoring(String service, Lease.Restore restore) {
    synchronized (restoring) {
      restoring.put(service, restore);
      record();
    }
  }

  /** The restore of {@code service} ended (either way): nothing left to finish for it. */
  public void restored(String service) {
    synchronized (restoring) {
      if (restoring.remove(service) != null) {
        record();
      }
    }
  }

  private void record() {
    try {
      leases.restoring(lease, Map.copyOf(restoring));
    } catch (RuntimeException e) {
      // Putting the service back matters more than saying so; without the record a run that
      // takes over converges from the engine's state (the parked container) instead.
    }
  }

  /**
   * The lease key of an engine: its {@link HostIdentity}, the key of its deployments too. An engine
   * that refuses to say (a proxy filtering {@code /info}, say) gets no lease: nothing is changed.
   */
  public static String key(DockerEngine engine) {
    String id;
    try {
      id = engine.daemonId();
    } catch (EngineException e) {
      throw new OperationException(
          e.getMessage()
              + " when asked for its ID (GET /info); leases are kept per engine, so nothing was"
              + " changed. If a proxy filters the Engine API, allow GET /info");
    }
    return HostIdentity.of(id, engine.endpoint());
  }

  /** What the background timer runs every third of the time to live. */
  void renew() {
    if (lost != null) {
      return;
    }
    try {
      long asked = nanos.getAsLong();
      lease = leases.renew(lease, ttl);
      confirmed = asked;
    } catch (LeaseHeldException e) {
      lost = new LeaseHeldException(where, lease.project(), e.holder());
    } catch (RuntimeException e) {
      // The store was briefly unreachable: try again at the next tick; the lease outlives a miss.
    }
  }

  /**
   * Throws when the lease was lost (taken over after expiring), or when renewals have failed for so
   * long that it may have expired: stop mutating at once.
   *
   * <p>The rule: the lease is live for {@code ttl} after the last acquisition or renewal that
   * succeeded was asked for, counted on the monotonic timer, never by comparing the store's expiry
   * with this machine's clock (see the class comment). Past {@code ttl} less a sixth of it, this
   * fails closed.
   */
  public void check() {
    if (lost != null) {
      throw lost;
    }
    // The store may be unreachable from here yet reachable by others: past the time to live since
    // the last confirmed renewal (less a margin), someone else may hold the project.
    long elapsed = nanos.getAsLong() - confirmed;
    if (elapsed > ttl.minus(ttl.dividedBy(6)).toNanos()) {
      throw new LeaseHeldException(where, lease.project(), null);
    }
  }

  @Override
  public void close() {
    renewer.shutdownNow();
    try {
      renewer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (lost == null) {
      try {
        leases.release(lease);
      } catch (RuntimeException e) {
        // The work is done; an unreleased lease only makes the next operation wait for expiry.
      }
    }
  }
}
