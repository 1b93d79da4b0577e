package dev.selvedge.fleet;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The fleet registry as read from a fleet file ({@code fleet.yaml}): how to poll, and every node
 * with its engine and the stacks it runs. Paths are absolute (resolved against the fleet file's
 * directory); environment overrides ({@code SELVEDGE_NODE_<ID>_<KEY>}) are already applied.
 *
 * @param file the fleet file this was read from
 * @param nodes by id, in the file's order
 * @param corsOrigins origins allowed to call the API from a browser (empty: CORS off)
 * @param retention how long the store keeps the audit log and the event stream's events
 * @param audit the cross-tenant audit's schedule and scope ({@code audit:}, docs/fleet.md)
 * @param notifications the webhooks told of notable events ({@code notifications:},
 *     docs/notifications.md), in the file's order
 */
public record Fleet(
    Path file,
    Poll poll,
    Map<String, Node> nodes,
    List<String> corsOrigins,
    Retention retention,
    Audit audit,
    List<Notification> notifications) {
  public Fleet {
    Objects.requireNonNull(poll, "poll");
    Objects.requireNonNull(retention, "retention");
    audit = audit == null ? Audit.DEFAULT : audit;
    nodes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(nodes));
    corsOrigins = List.copyOf(corsOrigins);
    notifications = notifications == null ? List.of() : List.copyOf(notifications);
  }

  /** A fleet with the defaults: retention, audit, no notifications (tests, benchmarks). */
  public Fleet(Path file, Poll poll, Map<String, Node> nodes, List<String> corsOrigins) {
    this(file, poll, nodes, corsOrigins, Retention.DEFAULT, Audit.DEFAULT, List.of());
  }

  /**
   * How long the store keeps what the control plane records ({@code retention:} in the fleet file).
   * The server's retention job removes what is older.
   *
   * @param audit audit events older than this are removed (the removal is itself audited); null:
   *     kept for ever ({@code audit: forever})
   * @param events the event stream's stored events older than this are removed
   */
  public record Retention(Duration audit, Duration events) {
    public static final Retention DEFAULT = new Retention(Duration.ofDays(400), Duration.ofDays(7));

    public Retention {
      Objects.requireNonNull(events, "events");
    }
  }

  /**
   * The cross-tenant audit ({@code selvedge fleet audit} and the server's job): when the server
   * runs it, and which Compose projects on a node it looks at.
   *
   * @param schedule when {@code serve} runs it; null: never ({@code schedule: off})
   * @param projects globs ({@code *} any run of characters) of the Compose projects the audit
   *     considers on every node; others (a monitoring stack, other tools' projects) are left out
   */
  public record Audit(AuditSchedule schedule, List<String> projects) {
    public static final Audit DEFAULT = new Audit(AuditSchedule.DEFAULT, List.of("*"));

    public Audit {
      projects = List.copyOf(projects);
    }

    /** Whether the audit looks at Compose project {@code project}. */
    public boolean considers(String project) {
      for (String glob : projects) {
        List<String> parts = new java.util.ArrayList<>();
        for (String part : glob.split("\\*", -1)) {
          parts.add(java.util.regex.Pattern.quote(part));
        }
        if (project.matches(String.join(".*", parts))) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * How nodes are swept.
   *
   * @param interval between two sweeps of one node (jitter is added)
   * @param timeout per engine call
   * @param concurrency sweeps running at once, at most
   * @param flapSweeps how many sweeps a new pill colour must hold before it is shown
   * @param backoffCap the longest wait between sweeps of a node that keeps failing
   */
  public record Poll(
      Duration interval, Duration timeout, int concurrency, int flapSweeps, Duration backoffCap) {
    public static final Poll DEFAULT =
        new Poll(Duration.ofSeconds(60), Duration.ofSeconds(10), 64, 2, Duration.ofMinutes(10));
  }

  /**
   * One engine and the stacks it runs.
   *
   * @param engine {@code unix://…}, {@code tcp://host:port} or {@code ssh://user@host[:port]}
   * @param tls client certificates for {@code tcp://} (null: none)
   * @param ssh identity and known hosts for {@code ssh://} (null: the defaults)
   * @param environment free text ({@code prod}, {@code staging}); null when not given
   * @param stacks by name, in the file's order
   * @param parityIgnore {@code parity.ignore}: keys meant to differ on this node, reported by
   *     {@code selvedge parity} as expected (docs/parity.md)
   */
  public record Node(
      String id,
      String engine,
      Tls tls,
      Ssh ssh,
      String environment,
      List<String> tags,
      Map<String, Stack> stacks,
      List<String> parityIgnore) {
    public Node {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(engine, "engine");
      tags = List.copyOf(tags);
      stacks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(stacks));
      parityIgnore = parityIgnore == null ? List.of() : List.copyOf(parityIgnore);
    }

    /** A node that declares no {@code parity}. */
    public Node(
        String id,
        String engine,
        Tls tls,
        Ssh ssh,
        String environment,
        List<String> tags,
        Map<String, Stack> stacks) {
      this(id, engine, tls, ssh, environment, tags, stacks, List.of());
    }
  }

  /** Client certificate files for a TLS engine. */
  public record Tls(Path ca, Path cert, Path key) {}

  /** SSH identity file and known-hosts file; either may be null (the defaults). */
  public record Ssh(Path identity, Path knownHosts) {}

  /**
   * A stack a node runs.
   *
   * @param contract a directory or Compose file on the control plane's side
   * @param project the Compose project name on the node (defaults to the stack's name)
   * @param deployDir where the stack is materialized on the node (null: the contract's directory)
   * @param autoUpdate {@code auto_update}: when a new digest of a service's tag is rolled out
   *     (docs/auto-update.md); null: never
   */
  public record Stack(
      String name, Path contract, String project, String deployDir, AutoUpdate autoUpdate) {}

  /**
   * A stack's {@code auto_update}: on its schedule the control plane asks the registry for the
   * digest each listed service's tag points to, and a new one starts a rollout of the stack pinned
   * to it, inside the window only (docs/auto-update.md).
   *
   * @param schedule when the registry is asked (5-field cron, UTC)
   * @param services the services whose tags are followed, as the contract names them
   * @param window when a rollout may start (UTC); null: at any time
   * @param waves the rollout's waves ({@code 1}, {@code 25%}, ..., {@code 100%}), as {@link
   *     dev.selvedge.fleet.rollout.Waves#parse(List)} checked them
   * @param gateTimeout how long each node's health gate may take
   */
  public record AutoUpdate(
      dev.selvedge.fleet.update.CronSchedule schedule,
      List<String> services,
      dev.selvedge.fleet.update.UpdateWindow window,
      List<String> waves,
      Duration gateTimeout) {
    /** Each node's gate, when not given: the CLI's default. */
    public static final Duration DEFAULT_GATE_TIMEOUT = Duration.ofMinutes(2);

    /** The waves, when not given: a canary node, then the rest. */
    public static final List<String> DEFAULT_WAVES = List.of("1", "100%");

    public AutoUpdate {
      Objects.requireNonNull(schedule, "schedule");
      Objects.requireNonNull(gateTimeout, "gateTimeout");
      services = List.copyOf(services);
      waves = List.copyOf(waves);
    }
  }
}
