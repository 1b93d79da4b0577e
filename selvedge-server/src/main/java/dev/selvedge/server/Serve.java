package dev.selvedge.server;

import dev.selvedge.SelvedgeException;
import dev.selvedge.Version;
import dev.selvedge.Words;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.docker.FleetEngines;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.evidence.Tool;
import dev.selvedge.fleet.EngineNodeReader;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.FleetFileException;
import dev.selvedge.fleet.FleetWatcher;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.Poller;
import dev.selvedge.fleet.SweepListener;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.keys.KeyAudit;
import dev.selvedge.operations.Actor;
import dev.selvedge.port.Store;
import dev.selvedge.server.events.EventHub;
import dev.selvedge.server.events.EventPublisher;
import dev.selvedge.server.events.PollerEvents;
import dev.selvedge.server.notify.Notifier;
import dev.selvedge.store.ServeLock;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code selvedge serve}: the composition root of the control plane. Reads the fleet file, opens
 * the store, creates the first admin key on a store that has none, starts the poller and the HTTP
 * side, reloads the fleet on change and on SIGHUP, and stops cleanly on SIGTERM (stop accepting,
 * let the poller finish or abandon its sweeps within its timeout, close the store).
 */
public final class Serve {
  /** The address {@code serve} binds when not told: loopback only. */
  public static final String DEFAULT_LISTEN = "127.0.0.1:7420";

  /**
   * What {@code serve} was asked.
   *
   * @param listen {@code HOST:PORT} ({@code [::1]:PORT} for IPv6)
   * @param storeUrl a JDBC URL, or null for the default store (as every command)
   */
  public record Options(Path fleetFile, String listen, String storeUrl) {}

  private Serve() {}

  /**
   * Serves until the process is told to stop; returns only when it cannot start (exit code 2, why
   * on {@code err}).
   *
   * @throws SelvedgeException when the store cannot be opened or the address bound
   */
  public static int run(
      Options options, Map<String, String> env, PrintWriter out, PrintWriter err) {
    String[] hostPort = hostPort(options.listen());
    if (hostPort == null) {
      err.println(
          "selvedge: --listen "
              + options.listen()
              + ": write HOST:PORT, such as 127.0.0.1:7420 or [::1]:7420");
      return 2;
    }
    Clock clock = Clock.systemUTC();
    AtomicReference<Poller> pollerRef = new AtomicReference<>();
    // Reloads are published as events too (once the stream is up): the file on disk and the fleet
    // in force may differ, and the API, the UI and webhooks say so, not only this process's stderr.
    AtomicReference<EventPublisher> reloads = new AtomicReference<>(EventPublisher.NONE);
    FleetWatcher watcher;
    try {
      watcher =
          FleetWatcher.open(
              options.fleetFile(),
              env,
              fleet -> {
                Poller p = pollerRef.get();
                if (p != null) {
                  p.update(fleet);
                }
                say(
                    err,
                    "fleet file reloaded: "
                        + Words.count(fleet.nodes().size(), "node")
                        + ", "
                        + Words.count(fleet.notifications().size(), "webhook"));
                reloads.get().publish(FleetReloads.reloaded(clock, options.fleetFile(), fleet));
              },
              rejected -> {
                say(
                    err,
                    "fleet file not reloaded, the running fleet is kept: " + rejected.getMessage());
                reloads.get().publish(FleetReloads.rejected(clock, options.fleetFile(), rejected));
              });
    } catch (FleetFileException e) {
      err.println("selvedge: " + e.getMessage());
      return 2;
    }
    List<AutoCloseable> open = new ArrayList<>();
    open.add(watcher);
    try {
      StoreConfig defaults = StoreConfig.defaults(env);
      StoreConfig config =
          options.storeUrl() == null
              ? defaults
              : new StoreConfig(options.storeUrl(), defaults.user(), defaults.password());
      // One serve per H2 file (several replicas need PostgreSQL): refused before anything starts.
      ServeLock.acquire(config).ifPresent(open::add);
      // Sweeps (claim, record, release), key checks and /readyz share the pool: more than the
      // CLI's.
      Store store = Stores.open(config, clock, STORE_POOL);
      open.add(store);
      new ApiKeys(store.apiKeys(), clock)
          .firstRun()
          .ifPresent(
              created -> {
                err.println(
                    "selvedge: the store has no API key: created the admin key '"
                        + created.key().name()
                        + "'. Its token is shown this once; keep it secret (selvedge keys"
                        + " create/list/revoke manage keys):");
                err.println(created.token());
                err.flush();
                try {
                  store
                      .audit()
                      .record(
                          KeyAudit.created(
                              created.key(),
                              Actor.of(env),
                              Actor.machine(env),
                              clock.instant(),
                              "the first run of selvedge serve on an empty store"));
                } catch (RuntimeException e) {
                  say(err, "could not audit the first admin key: " + e.getMessage());
                }
              });
      ServerMetrics metrics = new ServerMetrics();
      open.add(metrics);
      ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
      open.add(background::shutdownNow);
      SocketHttpProbe probe = new SocketHttpProbe();
      open.add(probe);
      Path home = Fingerprints.keyDirectory(env, Path.of(System.getProperty("user.home")));
      EngineNodeReader reader =
          new EngineNodeReader(
              FleetEngines.opener(env, FleetEngines.KEPT_IDLE_CONNECTIONS),
              new LiveStackReader(
                  new LiveCheck(background, clock, probe), env, Fingerprints.load(home), true),
              clock,
              Tool.selvedge(Version.current()));
      Fleet fleet = watcher.current();
      // The live stream: events stored (ids from the store), old ones deleted hourly.
      EventHub events =
          new EventHub(
              store.events(),
              clock,
              EventHub.Limits.DEFAULT,
              () -> watcher.current().retention().events());
      open.add(events);
      // Webhooks (notifications:) told of what this replica publishes, on their own threads.
      Notifier notifier =
          new Notifier(
                  watcher::current,
                  store.notifications(),
                  clock,
                  Notifier.Limits.DEFAULT,
                  line -> say(err, line))
              .start();
      open.add(notifier);
      EventPublisher published = notifier.wrap(events);
      reloads.set(published);
      Poller poller =
          Poller.create(
              fleet,
              reader,
              store.fleetState(),
              SweepListener.all(metrics, new PollerEvents(published)));
      open.add(poller);
      pollerRef.set(poller);
      // In the store's replica registry (GET /api/v1/cluster) until a clean stop.
      open.add(
          ReplicaHeartbeat.startOnDatabaseTime(
              store.replicas(), poller.replica(), ReplicaHeartbeat.PERIOD, l -> say(err, l)));
      if (shared(config)) {
        // Several replicas may share this store: each holds claims on its share of the nodes
        // across sweeps, and shows the others' sweeps from the store.
        poller.share(
            Poller.Sharing.of(
                ReplicaHeartbeat.aliveCount(store.replicas(), poller.replica()),
                CLAIM_EXPIRY,
                fleet));
        // Webhook reminders only for the nodes this replica sweeps now.
        notifier.sweptHere(() -> java.util.Set.copyOf(poller.held())::contains);
      }
      ControlPlane plane =
          ControlPlane.start(
              new ControlPlane.Settings(
                  hostPort[0],
                  Integer.parseInt(hostPort[1]),
                  store,
                  FleetView.of(poller),
                  metrics,
                  clock,
                  Stores.schemaVersion(),
                  events,
                  published,
                  OperationSettings.defaults(
                          FleetEngines.opener(env, FleetEngines.KEPT_IDLE_CONNECTIONS),
                          env,
                          Fingerprints.load(home),
                          probe)
                      .withReplica(poller.replica())));
      open.add(plane);
      plane.notifications().attach(notifier);
      // Retention and the cross-tenant audit: once per schedule across the replicas.
      ClusterJobs jobs = new ClusterJobs(store.clusterJobs(), poller.replica(), l -> say(err, l));
      events.retainThrough(jobs);
      notifier.onceAcross(jobs);
      plane.tenantAudits().onceAcross(jobs).start(); // audit.schedule; closed with the plane
      // auto_update: new digests rolled out by this server's rollout service
      plane
          .autoUpdates()
          .starter(plane.rolloutStarter())
          .onceAcross(jobs)
          .start(); // closed with the plane
      plane.startRollouts(); // expired rollouts taken over, now and periodically
      open.add(
          new AuditRetention(
                  store.audit(),
                  () -> watcher.current().retention(),
                  clock,
                  Actor.machine(env),
                  line -> say(err, line))
              .onceAcross(jobs)
              .start());
      poller.start();
      watcher.start(FleetWatcher.DEFAULT_INTERVAL);
      boolean hup = Hangup.onSignal(watcher::reloadNow);
      if (!hup) {
        say(
            err,
            "SIGHUP cannot reload the fleet file in this process (it was started with SIGHUP"
                + " ignored, e.g. under nohup): it is still reloaded when it changes");
      }
      say(
          err,
          "serving http://"
              + (hostPort[0].contains(":") ? "[" + hostPort[0] + "]" : hostPort[0])
              + ":"
              + plane.port()
              + " ("
              + Words.count(fleet.nodes().size(), "node")
              + " from "
              + options.fleetFile()
              + (hup ? "; SIGHUP reloads it" : "")
              + "; store "
              + store.location()
              + ")");
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    say(err, "stopping");
                    closeAll(open, err);
                    say(err, "stopped");
                    stopped.countDown();
                  },
                  "selvedge-shutdown"));
      stopped.await();
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeAll(open, err);
      return 0;
    } catch (RuntimeException e) {
      closeAll(open, err);
      throw e;
    }
  }

  /** Closes in reverse order of opening: the HTTP side first, the store last. */
  private static void closeAll(List<AutoCloseable> open, PrintWriter err) {
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception e) {
        say(err, "while stopping: " + e.getMessage());
      }
    }
    open.clear();
  }

  /**
   * How long a replica's sweep claims outlive its last renewal: as long as its heartbeat counts
   * (three beats), so a dead replica's claims expire when the others stop counting it.
   */
  static final java.time.Duration CLAIM_EXPIRY =
      ReplicaHeartbeat.PERIOD.multipliedBy(ReplicaHeartbeat.ALIVE_BEATS);

  /** Whether several replicas can share the store (PostgreSQL; an H2 file takes one). */
  static boolean shared(StoreConfig config) {
    return config.jdbcUrl().startsWith("jdbc:postgresql:");
  }

  /** Store connections of a server. */
  static final int STORE_POOL = 16;

  private static void say(PrintWriter err, String line) {
    synchronized (err) {
      err.println("selvedge: " + Secrets.maskUrlPasswords(line, SecretValues.MASK));
      err.flush();
    }
  }

  /** {@code [host, port]}; null when not HOST:PORT with a port from 0 to 65535. */
  static String[] hostPort(String listen) {
    if (listen == null) {
      return null;
    }
    String host;
    String port;
    if (listen.startsWith("[")) {
      int end = listen.indexOf("]:");
      if (end < 0) {
        return null;
      }
      host = listen.substring(1, end);
      port = listen.substring(end + 2);
    } else {
      int colon = listen.lastIndexOf(':');
      if (colon <= 0 || listen.indexOf(':') != colon) {
        return null;
      }
      host = listen.substring(0, colon);
      port = listen.substring(colon + 1);
    }
    if (host.isBlank() || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
      return null;
    }
    return new String[] {host, port};
  }
}
