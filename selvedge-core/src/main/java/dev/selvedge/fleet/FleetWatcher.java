package dev.selvedge.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps the control plane's registry in step with its fleet file: a changed file that validates
 * replaces the registry; one that does not is reported and the running registry kept.
 *
 * <p>The file is polled (its size, modification time and file key, then a hash of its content)
 * rather than watched with {@code WatchService}: editors save by writing a new file and renaming it
 * over the old one, configuration managers swap symlinks, and a directory watch misses or doubles
 * those in ways that differ per platform; a stat a second costs next to nothing. A change is acted
 * on only once two looks in a row saw the same file, so a file caught half-written is not reported
 * as broken. Content equal to what was last loaded (a {@code touch}) changes nothing.
 *
 * <p>{@link #reloadNow()} loads at once whatever the file holds (the server calls it on SIGHUP).
 * Listeners are called on the thread that looked (the watcher's, or the caller's), one at a time.
 */
public final class FleetWatcher implements AutoCloseable {
  /** How often {@link #start(Duration)} callers usually look: a second. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

  /**
   * A file modified this close to when it was read may have changed again within the same timestamp
   * tick (coarse file systems); such a file is hashed again until it is older.
   */
  private static final Duration RACY = Duration.ofSeconds(2);

  private final Path file;
  private final Map<String, String> environment;
  private final Consumer<Fleet> onReload;
  private final Consumer<FleetFileException> onRejected;
  private final Clock clock;
  private final Object lock = new Object();

  private volatile Fleet current;
  // Guarded by lock.
  private Stat actedStat;
  private byte[] actedHash;
  private long actedAtMillis;
  private Stat lastSeen;
  private ScheduledExecutorService ownScheduler;
  private ScheduledFuture<?> task;

  private FleetWatcher(
      Path file,
      Map<String, String> environment,
      Consumer<Fleet> onReload,
      Consumer<FleetFileException> onRejected,
      Clock clock) {
    this.file = file;
    this.environment = Map.copyOf(environment);
    this.onReload = Objects.requireNonNull(onReload, "onReload");
    this.onRejected = Objects.requireNonNull(onRejected, "onRejected");
    this.clock = clock;
  }

  /**
   * Loads {@code file} (as {@link FleetFile#load}) and returns a watcher holding it; nothing is
   * watched until {@link #start}.
   *
   * @param onReload gets each new registry that validated
   * @param onRejected gets why a changed file was not taken (its message names file:line and key)
   * @throws FleetFileException when the file does not validate now: there is nothing to keep
   */
  public static FleetWatcher open(
      Path file,
      Map<String, String> environment,
      Consumer<Fleet> onReload,
      Consumer<FleetFileException> onRejected) {
    return open(file, environment, onReload, onRejected, Clock.systemUTC());
  }

  static FleetWatcher open(
      Path file,
      Map<String, String> environment,
      Consumer<Fleet> onReload,
      Consumer<FleetFileException> onRejected,
      Clock clock) {
    FleetWatcher w = new FleetWatcher(file, environment, onReload, onRejected, clock);
    synchronized (w.lock) {
      Stat stat = stat(file);
      byte[] bytes = FleetFile.read(file);
      w.current = FleetFile.load(file, bytes, w.environment);
      w.acted(stat, bytes);
      w.lastSeen = stat;
    }
    return w;
  }

  /** The registry in force: the last one that validated. */
  public Fleet current() {
    return current;
  }

  /** Looks at the file every {@code interval} on a daemon thread of its own. */
  public void start(Duration interval) {
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "selvedge-fleet-watch");
              t.setDaemon(true);
              return t;
            });
    synchronized (lock) {
      ownScheduler = scheduler;
    }
    start(scheduler, interval);
  }

  /** Looks at the file every {@code interval} on {@code scheduler} (shared by the caller). */
  public void start(ScheduledExecutorService scheduler, Duration interval) {
    synchronized (lock) {
      if (task != null) {
        throw new IllegalStateException("the fleet watcher is already started");
      }
      long every = Math.max(1, interval.toMillis());
      task = scheduler.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * One look at the file, as the timer makes: acts on a change once this look and the one before
   * saw the same file. Tests drive the watcher with it.
   *
   * @return whether a listener was called
   */
  public boolean checkNow() {
    synchronized (lock) {
      Stat stat = stat(file);
      boolean settled = stat.equals(lastSeen);
      lastSeen = stat;
      if (!settled) {
        return false;
      }
      if (stat.equals(actedStat) && !racy()) {
        return false;
      }
      byte[] bytes;
      try {
        bytes = read(file);
      } catch (FleetFileException e) {
        return reject(stat, null, e);
      }
      if (Arrays.equals(hash(bytes), actedHash)) {
        acted(stat, bytes);
        return false;
      }
      load(stat, bytes); // calls one listener or the other
      return true;
    }
  }

  /**
   * Loads the file now, whatever it holds and however recently it changed (SIGHUP). A file that
   * validates is handed to the reload listener even when its content did not change.
   *
   * @return whether the file was taken; when not, the rejection listener was told why
   */
  public boolean reloadNow() {
    synchronized (lock) {
      Stat stat = stat(file);
      lastSeen = stat;
      byte[] bytes;
      try {
        bytes = read(file);
      } catch (FleetFileException e) {
        reject(stat, null, e);
        return false;
      }
      return load(stat, bytes);
    }
  }

  /**
   * Stops looking; a scheduler given to {@link #start(ScheduledExecutorService, Duration)} stays.
   */
  @Override
  public void close() {
    ScheduledExecutorService own;
    synchronized (lock) {
      if (task != null) {
        task.cancel(false);
      }
      own = ownScheduler;
      ownScheduler = null;
    }
    if (own != null) {
      own.shutdownNow();
    }
  }

  private void tick() {
    try {
      checkNow();
    } catch (RuntimeException e) {
      // A listener failed: say so, and keep watching (an escaping exception would end the timer).
      Thread t = Thread.currentThread();
      t.getUncaughtExceptionHandler().uncaughtException(t, e);
    }
  }

  /** Loads {@code bytes} and tells one listener; true when they were taken. */
  private boolean load(Stat stat, byte[] bytes) {
    Fleet fleet;
    try {
      fleet = FleetFile.load(file, bytes, environment);
    } catch (FleetFileException e) {
      reject(stat, bytes, e);
      return false;
    }
    acted(stat, bytes);
    current = fleet;
    onReload.accept(fleet);
    return true;
  }

  /** Tells the rejection listener; returns true (a listener was called). */
  private boolean reject(Stat stat, byte[] bytes, FleetFileException e) {
    // Remembered as acted on: the same broken file is reported once, not at every look.
    actedStat = stat;
    actedHash = bytes == null ? null : hash(bytes);
    actedAtMillis = clock.millis();
    onRejected.accept(e);
    return true;
  }

  private void acted(Stat stat, byte[] bytes) {
    actedStat = stat;
    actedHash = hash(bytes);
    actedAtMillis = clock.millis();
  }

  private boolean racy() {
    return actedStat.modifiedMillis() >= actedAtMillis - RACY.toMillis();
  }

  /** What a stat says of the file; {@link #MISSING} when it is not there. */
  private record Stat(long size, long modifiedMillis, Object fileKey) {
    static final Stat MISSING = new Stat(-1, Long.MIN_VALUE, null);
  }

  private static Stat stat(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return new Stat(a.size(), a.lastModifiedTime().toMillis(), a.fileKey());
    } catch (IOException e) {
      return Stat.MISSING;
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw FleetFile.whole(file, "no such file; the fleet file was removed or renamed away");
    } catch (IOException e) {
      throw FleetFile.whole(file, "cannot read it: " + e.getMessage());
    }
  }

  private static byte[] hash(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
