package dev.selvedge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.DeploymentStore;
import dev.selvedge.port.Lease;
import dev.selvedge.port.LeaseStore;
import dev.selvedge.port.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What an operation could not write to its store because the store went away after the work was
 * done — how a deployment ended, the release of its lease, its audit events — kept in files under
 * the Selvedge home until a later command opens that store and writes them there.
 *
 * <p>Without it, a PostgreSQL restart during an apply left a finished, healthy deployment looking
 * interrupted (and so no rollback target) and the project locked until the lease expired. The store
 * is tried again for a while first; only then is the record spooled, and the command says where.
 * The files are the store's own rows (summaries are scrubbed of secrets before they are stored),
 * owner-only, one per record, written whole or not at all (a temporary file moved into place), in a
 * directory per store named by a hash of its location.
 */
final class StoreSpool {
  /** How long how a deployment ended is retried before it is spooled. */
  static final Duration PATIENCE = Duration.ofSeconds(15);

  /** A replay that died (the process killed) leaves its claimed file; this old, it is retried. */
  static final Duration STALE_CLAIM = Duration.ofMinutes(5);

  private static final String CLAIMED = ".replaying";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Path directory;
  private final String location;
  private final Duration patience;
  private final Consumer<String> say;

  /** Set once the store failed us in this process: later records go to the spool at once. */
  private volatile boolean unreachable;

  StoreSpool(Path directory, String location, Duration patience, Consumer<String> say) {
    this.directory = directory;
    this.location = location;
    this.patience = patience;
    this.say = say;
  }

  /** The spool of the store at {@code location} under the Selvedge home {@code home}. */
  static Path directory(Path home, String location) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(location.getBytes(StandardCharsets.UTF_8));
      return home.resolve("spool").resolve(HexFormat.of().formatHex(digest, 0, 8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  // ---------------------------------------------------------------------------- replaying

  /**
   * Writes to {@code store} what earlier commands spooled for it, oldest first, saying each; stops
   * at the first record the store cannot take (it stays spooled for the next command).
   */
  void replay(Store store) {
    List<Path> files;
    try (Stream<Path> listing = Files.list(directory)) {
      Instant stale = Instant.now().minus(STALE_CLAIM);
      files =
          listing
              .filter(
                  f -> {
                    String n = f.getFileName().toString();
                    return n.endsWith(".json")
                        || n.endsWith(".json" + CLAIMED) && olderThan(f, stale);
                  })
              .sorted()
              .toList();
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      say.accept("warning: cannot read the store spool " + directory + ": " + e.getMessage());
      return;
    }
    for (Path file : files) {
      Path claimed = claim(file);
      if (claimed == null) {
        continue; // another process is replaying it
      }
      try {
        JsonNode record = TreeJson.readFirst(Files.readString(claimed, StandardCharsets.UTF_8));
        String done = replay(store, record);
        Files.deleteIfExists(claimed);
        say.accept("selvedge: " + done + " (spooled in " + file + ")");
      } catch (IOException | RuntimeException e) {
        unclaim(claimed, file);
        say.accept(
            "warning: could not write the spooled "
                + file
                + " to the store "
                + location
                + ": "
                + message(e)
                + "; it stays spooled for the next command");
        if (e instanceof dev.selvedge.SelvedgeException) {
          return; // the store failed (a malformed file is only that file): the rest would fail too
        }
      }
    }
  }

  private static String replay(Store store, JsonNode r) {
    String kind = text(r, "record");
    switch (kind == null ? "" : kind) {
      case "deployment-end" -> {
        long id = r.path("deployment").asLong();
        Deployment.Outcome outcome = Deployment.Outcome.valueOf(text(r, "outcome"));
        Instant finishedAt = Instant.parse(text(r, "finishedAt"));
        if (store.deployments().settle(id, outcome, text(r, "summary"), finishedAt)) {
          return "recorded how deployment "
              + id
              + store.deployments().find(id).map(d -> " of '" + d.project() + "'").orElse("")
              + " ended, "
              + outcome.id()
              + " at "
              + finishedAt
              + ", which the store could not take then";
        }
        Optional<Deployment> now = store.deployments().find(id);
        return now.isEmpty()
            ? "dropped the spooled ending of deployment "
                + id
                + ": the store has no such deployment"
            : "deployment "
                + id
                + " is recorded "
                + now.get().outcome().id()
                + " already; dropped its spooled ending ("
                + outcome.id()
                + ")";
      }
      case "lease-release" -> {
        String host = text(r, "host");
        String project = text(r, "project");
        String token = text(r, "token");
        boolean held =
            store.leases().current(host, project).filter(l -> l.token().equals(token)).isPresent();
        store.leases().release(host, project, token);
        return held
            ? "released the lease on '"
                + project
                + "' that "
                + text(r, "owner")
                + " could not give up while the store was unreachable"
            : "the lease on '"
                + project
                + "' that "
                + text(r, "owner")
                + " could not give up had expired or changed hands already";
      }
      case "audit-event" -> {
        store
            .audit()
            .record(
                new AuditLog.Event(
                    0,
                    Instant.parse(text(r, "at")),
                    text(r, "actor"),
                    text(r, "source"),
                    text(r, "action"),
                    text(r, "node"),
                    text(r, "host"),
                    text(r, "project"),
                    text(r, "service"),
                    text(r, "target"),
                    text(r, "before"),
                    text(r, "after"),
                    text(r, "outcome"),
                    text(r, "request_id"),
                    text(r, "detail")));
        return "recorded the audit event '"
            + text(r, "action")
            + "' on "
            + text(r, "target")
            + " of '"
            + text(r, "project")
            + "'";
      }
      default -> throw new IllegalArgumentException("not a spooled record: record = " + kind);
    }
  }

  private static String text(JsonNode r, String field) {
    JsonNode v = r.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static boolean olderThan(Path f, Instant when) {
    try {
      return Files.getLastModifiedTime(f).toInstant().isBefore(when);
    } catch (IOException e) {
      return false;
    }
  }

  /** Takes the file for this process (a rename only one process can win), or null. */
  private static Path claim(Path file) {
    String name = file.getFileName().toString();
    try {
      Path claimed = file;
      if (!name.endsWith(CLAIMED)) {
        claimed = file.resolveSibling(name + CLAIMED);
        Files.move(file, claimed, StandardCopyOption.ATOMIC_MOVE);
      }
      // A claim is stale only when its claimer has been at it for long.
      Files.setLastModifiedTime(claimed, FileTime.from(Instant.now()));
      return claimed;
    } catch (IOException e) {
      return null;
    }
  }

  private static void unclaim(Path claimed, Path file) {
    Path original =
        file.getFileName().toString().endsWith(CLAIMED)
            ? file.resolveSibling(file.getFileName().toString().replace(CLAIMED, ""))
            : file;
    try {
      Files.move(claimed, original, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // Left claimed: it is retried once the claim is stale.
    }
  }

  // ---------------------------------------------------------------------------- spooling

  /** {@code store} with the three late records spooled when it cannot take them. */
  Store around(Store store) {
    DeploymentStore deployments = new SpoolingDeployments(store.deployments());
    LeaseStore leases = new SpoolingLeases(store.leases());
    AuditLog audit = new SpoolingAudit(store.audit());
    return new dev.selvedge.port.ForwardingStore(store) {
      @Override
      public DeploymentStore deployments() {
        return deployments;
      }

      @Override
      public LeaseStore leases() {
        return leases;
      }

      @Override
      public AuditLog audit() {
        return audit;
      }
    };
  }

  /**
   * How a deployment ended: tried until {@link #patience} is spent, then spooled. Never throws for
   * a store that cannot be reached: the work on the engine is done, and its exit code must say how
   * that went.
   */
  private void finish(
      DeploymentStore store,
      long id,
      Deployment.Outcome outcome,
      String summary,
      Instant finishedAt) {
    long deadline = System.nanoTime() + patience.toNanos();
    RuntimeException last;
    while (true) {
      try {
        store.finish(id, outcome, summary, finishedAt);
        unreachable = false;
        return;
      } catch (IllegalArgumentException e) {
        throw e;
      } catch (RuntimeException e) {
        last = e;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      sleep(Math.min(left, Duration.ofSeconds(1).toNanos()));
    }
    unreachable = true;
    ObjectNode r = NODES.objectNode();
    r.put("record", "deployment-end");
    r.put("store", location);
    r.put("deployment", id);
    r.put("outcome", outcome.name());
    r.put("summary", summary);
    r.put("finishedAt", finishedAt.toString());
    Path file = spool("deployment-" + id, r);
    String what = "deployment " + id + " ended " + outcome.id();
    if (file == null) {
      say.accept(
          "warning: the store "
              + location
              + " could not record that "
              + what
              + " ("
              + message(last)
              + "), nor could it be spooled in "
              + directory
              + "; the store will show it interrupted");
      return;
    }
    say.accept(
        "warning: the store "
            + location
            + " could not be reached for "
            + patience.toSeconds()
            + "s to record that "
            + what
            + " ("
            + message(last)
            + "); kept in "
            + file
            + ": the next selvedge command that opens this store (selvedge history, say) records"
            + " it");
  }

  private void release(LeaseStore leases, Lease lease) {
    if (!unreachable) {
      try {
        leases.release(lease);
        return;
      } catch (RuntimeException e) {
        unreachable = true;
      }
    }
    ObjectNode r = NODES.objectNode();
    r.put("record", "lease-release");
    r.put("store", location);
    r.put("host", lease.host());
    r.put("project", lease.project());
    r.put("owner", lease.owner());
    r.put("token", lease.token());
    r.put("expiresAt", lease.expiresAt().toString());
    Path file = spool("lease-" + lease.token(), r);
    say.accept(
        "warning: could not give up the lease on '"
            + lease.project()
            + "' (the store is unreachable); "
            + (file == null
                ? "it expires at " + lease.expiresAt()
                : "kept in "
                    + file
                    + ": the next selvedge command that opens this store releases it, else it"
                    + " expires at "
                    + lease.expiresAt()));
  }

  /**
   * An audit event: spooled only once the store was found unreachable by this process; otherwise
   * the store's error stands (a guarded operation reports a change it could not audit).
   */
  private void record(AuditLog audit, AuditLog.Event e) {
    if (!unreachable) {
      audit.record(e);
      return;
    }
    ObjectNode r = NODES.objectNode();
    r.put("record", "audit-event");
    r.put("store", location);
    r.put("at", e.at().toString());
    r.put("actor", e.actor());
    r.put("host", e.host());
    r.put("project", e.project());
    r.put("service", e.service());
    r.put("action", e.action());
    r.put("target", e.target());
    r.put("outcome", e.outcome());
    r.put("detail", e.detail());
    r.put("source", e.source());
    r.put("node", e.node());
    r.put("before", e.before());
    r.put("after", e.after());
    r.put("request_id", e.requestId());
    Path file = spool("audit-" + e.at().toEpochMilli() + "-" + UUID.randomUUID(), r);
    if (file == null) {
      throw new dev.selvedge.SelvedgeException(
          "the store " + location + " is unreachable and " + directory + " cannot be written");
    }
    say.accept("warning: audit event '" + e.action() + "' on " + e.target() + " kept in " + file);
  }

  /** Writes one record, owner-only, whole or not at all; null when it cannot. */
  private Path spool(String name, ObjectNode record) {
    record.put("spooledAt", Instant.now().toString());
    Path target = directory.resolve(name + ".json");
    try {
      Files.createDirectories(directory, posix("rwx------"));
      Path tmp = Files.createTempFile(directory, "." + name, ".tmp", posix("rw-------"));
      try {
        Files.write(tmp, TreeJson.compact(record));
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
          Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
      return target;
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private static FileAttribute<?>[] posix(String mode) {
    boolean posix =
        java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    return posix
        ? new FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode))
        }
        : new FileAttribute<?>[0];
  }

  private static void sleep(long nanos) {
    try {
      Thread.sleep(Duration.ofNanos(nanos));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String message(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    // The store's errors start with where it is, which the warning says already.
    String prefix = "store " + location + ": ";
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }

  // ---------------------------------------------------------------------------- the wrappers

  private final class SpoolingDeployments implements DeploymentStore {
    private final DeploymentStore store;

    SpoolingDeployments(DeploymentStore store) {
      this.store = store;
    }

    @Override
    public Deployment begin(Deployment draft) {
      return store.begin(draft);
    }

    @Override
    public void finish(long id, Deployment.Outcome outcome, String summary, Instant finishedAt) {
      StoreSpool.this.finish(store, id, outcome, summary, finishedAt);
    }

    @Override
    public boolean settle(long id, Deployment.Outcome outcome, String summary, Instant at) {
      return store.settle(id, outcome, summary, at);
    }

    @Override
    public void pin(long id, List<Deployment.ServiceImage> images) {
      store.pin(id, images);
    }

    @Override
    public boolean discard(long id) {
      return store.discard(id);
    }

    @Override
    public Optional<Deployment> find(long id) {
      return store.find(id);
    }

    @Override
    public List<Deployment> history(String host, String project, int limit) {
      return store.history(host, project, limit);
    }

    @Override
    public Optional<Deployment> lastHealthy(String host, String project) {
      return store.lastHealthy(host, project);
    }

    @Override
    public int markInterrupted(String host, String project, Instant at) {
      return store.markInterrupted(host, project, at);
    }

    @Override
    public Adopted adopt(String endpoint, String identity) {
      return store.adopt(endpoint, identity);
    }

    @Override
    public List<Alias> aliases(String endpoint) {
      return store.aliases(endpoint);
    }
  }

  private final class SpoolingLeases implements LeaseStore {
    private final LeaseStore store;

    SpoolingLeases(LeaseStore store) {
      this.store = store;
    }

    @Override
    public Lease acquire(
        String host, String project, String owner, String op, Duration ttl, Lease.Holder holder) {
      return store.acquire(host, project, owner, op, ttl, holder);
    }

    @Override
    public Lease takeOver(Lease dead, String owner, String op, Duration ttl, Lease.Holder holder) {
      return store.takeOver(dead, owner, op, ttl, holder);
    }

    @Override
    public Lease restoring(Lease lease, Map<String, Lease.Restore> restoring) {
      return store.restoring(lease, restoring);
    }

    @Override
    public Lease renew(Lease lease, Duration ttl) {
      return store.renew(lease, ttl);
    }

    @Override
    public void release(Lease lease) {
      StoreSpool.this.release(store, lease);
    }

    @Override
    public void release(String host, String project, String token) {
      store.release(host, project, token);
    }

    @Override
    public Optional<Lease> current(String host, String project) {
      return store.current(host, project);
    }
  }

  private final class SpoolingAudit implements AuditLog {
    private final AuditLog store;

    SpoolingAudit(AuditLog store) {
      this.store = store;
    }

    @Override
    public void record(Event event) {
      StoreSpool.this.record(store, event);
    }

    @Override
    public List<Event> recent(String host, String project, int limit) {
      return store.recent(host, project, limit);
    }

    @Override
    public List<Event> find(Query query) {
      return store.find(query);
    }

    @Override
    public Purged purge(Instant cutoff, Instant at, String actor, String source) {
      return store.purge(cutoff, at, actor, source);
    }
  }
}
