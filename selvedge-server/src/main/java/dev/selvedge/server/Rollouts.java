package dev.selvedge.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.fleet.rollout.EngineNodeDeployer;
import dev.selvedge.fleet.rollout.RolloutException;
import dev.selvedge.fleet.rollout.RolloutListener;
import dev.selvedge.fleet.rollout.RolloutRequest;
import dev.selvedge.fleet.rollout.RolloutService;
import dev.selvedge.fleet.update.RolloutStarter;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.RolloutStore;
import dev.selvedge.port.RolloutStore.Rollout;
import dev.selvedge.server.events.ServerEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The server's rollouts: the {@link RolloutService} on the server's store, fleet and operation
 * settings, its steps published as {@code rollout.*} events and audited; rollouts whose owner's
 * lease ran out (a replica or a CLI that died, this server's own earlier run) taken over at start
 * and then every half lease.
 */
final class Rollouts implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Rollouts.class.getName());

  /** The rollout lease's time to live; renewed every third of it while a rollout runs. */
  static final Duration LEASE = Duration.ofSeconds(60);

  private final ControlPlane.Settings settings;
  private final RolloutService service;
  private final Object lock = new Object();
  private boolean closed;
  private Thread sweeper;

  Rollouts(ControlPlane.Settings settings) {
    this.settings = settings;
    OperationSettings ops = settings.operations();
    Executor threads = task -> Thread.ofVirtual().name("selvedge-rollout").start(task);
    this.service =
        ops == null
            ? null
            : new RolloutService(
                settings.store().rollouts(),
                () -> settings.fleet().fleet(),
                new EngineNodeDeployer(
                    ops.engines(),
                    settings.store(),
                    ops.environment(),
                    ops.fingerprints(),
                    ops.probe(),
                    ops.engineTimeout(),
                    ops.leaseTtl(),
                    settings.clock(),
                    threads,
                    node -> event -> {}),
                this::publish,
                settings.clock(),
                owner(ops),
                LEASE,
                threads);
  }

  /**
   * This server's name as a rollout's owner: its replica id (unique per process, also in containers
   * that share a hostname and pid 1), with the machine for the operator.
   */
  static String owner(OperationSettings ops) {
    return "serve "
        + ops.replica()
        + " on "
        + dev.selvedge.operations.Actor.machine(ops.environment());
  }

  /** How many nodes of a wave an auto-update's rollout applies at once (the CLI's default). */
  static final int AUTO_UPDATE_PARALLEL = 4;

  /** Who an auto-update's rollouts name as their actor. */
  static final String AUTO_UPDATE_ACTOR = "auto-update";

  /**
   * How auto-update starts its rollouts here: the same service as {@code POST /api/v1/rollouts},
   * refused as busy while the stack has one under way (auto-update tries again at its next check).
   */
  RolloutStarter starter() {
    if (service == null) {
      return RolloutStarter.unavailable("this server runs no operations");
    }
    return (stack, images, waves, gateTimeout, reason) -> {
      try {
        return service.start(
            new RolloutRequest(
                stack,
                null,
                null,
                String.join(",", waves),
                images,
                gateTimeout,
                AUTO_UPDATE_PARALLEL,
                false,
                AUTO_UPDATE_ACTOR));
      } catch (RolloutStore.Busy e) {
        throw new RolloutStarter.Refused(e.getMessage(), true);
      } catch (RolloutException e) {
        throw new RolloutStarter.Refused(e.getMessage(), false);
      }
    };
  }

  /** The use case, or null when this server runs no operations. */
  RolloutService service() {
    return service;
  }

  /** Takes over expired rollouts now and then every half lease, until closed. */
  void start() {
    if (service == null) {
      return;
    }
    synchronized (lock) {
      if (sweeper != null || closed) {
        return;
      }
      sweeper = Thread.ofVirtual().name("selvedge-rollout-resume").start(this::sweep);
    }
  }

  private void sweep() {
    while (true) {
      try {
        List<String> taken = service.resumeExpired();
        if (!taken.isEmpty()) {
          LOG.log(System.Logger.Level.INFO, "took over rollout(s) " + String.join(", ", taken));
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot look for rollouts to take over: " + e);
      }
      synchronized (lock) {
        long until = System.nanoTime() + LEASE.toNanos() / 2;
        long left;
        while (!closed && (left = until - System.nanoTime()) > 0) {
          try {
            lock.wait(Math.max(1, left / 1_000_000));
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
      }
    }
  }

  private void publish(String type, Rollout r, String node, Integer wave, String detail) {
    if (type.equals(RolloutListener.NODE_APPLYING)) {
      return; // progress only
    }
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("rollout", r.id());
    data.put("state", r.state().label());
    if (wave != null) {
      data.put("wave", wave);
    }
    if (detail != null) {
      data.put("detail", detail);
    }
    try {
      settings
          .events()
          .publish(
              ServerEvent.of(
                  type, settings.clock().instant(), node, r.stack(), null, r.id(), data));
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot publish a rollout's event", e);
    }
    try {
      settings
          .store()
          .audit()
          .record(
              new AuditLog.Event(
                  0,
                  settings.clock().instant(),
                  r.actor(),
                  null,
                  type,
                  node,
                  null,
                  r.stack(),
                  null,
                  null,
                  null,
                  null,
                  r.state().label(),
                  null,
                  "rollout " + r.id() + (detail == null ? "" : ": " + shorten(detail))));
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot audit a rollout's step", e);
    }
  }

  private static String shorten(String s) {
    return s.length() <= 300 ? s : s.substring(0, 299) + "\u2026";
  }

  /**
   * A clean stop: no further take-over, and the rollouts this server works on start no further node
   * and end their lease now, so another replica or {@code resume} takes them over at once.
   */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    if (service != null) {
      List<String> released = service.releaseLeases();
      if (!released.isEmpty()) {
        LOG.log(
            System.Logger.Level.INFO,
            "released rollout(s) " + String.join(", ", released) + " for another replica");
      }
    }
  }
}
