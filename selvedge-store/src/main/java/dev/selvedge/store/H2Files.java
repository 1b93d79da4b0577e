package dev.selvedge.store;

import dev.selvedge.SelvedgeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The directory of an H2 file database. H2 would create it with the umask's permissions; the
 * store's history names hosts, projects and actors, so a directory it makes is private (0700).
 *
 * <p>Why {@code AUTO_SERVER=TRUE} in the default URL: H2 locks its file for one process. With
 * auto-server the first process to open it also serves it on a loopback TCP port written into the
 * lock file (with a random key), and later processes connect through that port instead of failing
 * with "database may be already in use"; when the first exits, another takes over. {@code
 * FILE_LOCK=NO} would let two processes write the same file unsynchronised and corrupt it. H2's
 * auto-server listens on every interface unless told otherwise: see {@link #serveOnLoopbackOnly}.
 */
final class H2Files {
  private H2Files() {}

  /** The database's directory for a file URL ({@code jdbc:h2:[file:]PATH[;...]}), else empty. */
  static Optional<Path> directory(String url) {
    return base(url).map(Path::getParent);
  }

  /** The database's base path for a file URL (H2 adds {@code .mv.db}), else empty. */
  static Optional<Path> base(String url) {
    String rest = url.substring("jdbc:h2:".length());
    int semi = rest.indexOf(';');
    if (semi >= 0) {
      rest = rest.substring(0, semi);
    }
    String lower = rest.toLowerCase(Locale.ROOT);
    if (lower.startsWith("file:")) {
      rest = rest.substring("file:".length());
    } else if (lower.matches("^[a-z]{2,}:.*")) {
      return Optional.empty(); // mem:, tcp:, ssl:, zip:, nio...: not a local file we should touch
    }
    if (rest.startsWith("~/")) {
      rest = System.getProperty("user.home") + rest.substring(1);
    }
    if (rest.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Path.of(rest).toAbsolutePath());
  }

  /**
   * Makes H2's auto-server listen on 127.0.0.1 only: H2 reads the {@code h2.bindAddress} system
   * property once, when its classes load, so this must run before the first H2 connection of the
   * JVM. An address the application set itself is left alone.
   */
  static void serveOnLoopbackOnly() {
    if (System.getProperty(BIND_ADDRESS) == null) {
      System.setProperty(BIND_ADDRESS, "127.0.0.1");
    }
  }

  static final String BIND_ADDRESS = "h2.bindAddress";

  /** An unencrypted H2 store file (MVStore) begins with this text: its file header. */
  private static final byte[] HEADER = "H:2,".getBytes(StandardCharsets.US_ASCII);

  /** How long an empty file may take to get its header when another process is creating it. */
  static final Duration CREATING = Duration.ofSeconds(3);

  /**
   * Refuses a store file that exists but is not an H2 database (empty, truncated to nothing,
   * overwritten): H2 would silently start a new, empty store over an empty file, and the history
   * would be gone. The file is left as it is. A file another process is creating right now (its
   * lock file is there) is empty only until its header is written, so that is waited for.
   */
  static void checkReadable(String url, String location) {
    Optional<Path> base = base(url);
    if (base.isEmpty() || url.toUpperCase(Locale.ROOT).contains(";CIPHER=")) {
      return; // not a local file, or encrypted: H2 checks that one with its password
    }
    Path file = Path.of(base.get() + ".mv.db");
    if (Files.notExists(file, LinkOption.NOFOLLOW_LINKS)) {
      return; // a new store
    }
    Path lock = Path.of(base.get() + ".lock.db");
    long deadline = System.nanoTime() + CREATING.toNanos();
    byte[] head;
    while (true) {
      head = head(file, location);
      if (head.length > 0 || !Files.exists(lock) || System.nanoTime() > deadline) {
        break;
      }
      sleep(Duration.ofMillis(20));
    }
    if (!Arrays.equals(head, HEADER)) {
      throw new SelvedgeException(
          "the store file "
              + file
              + (head.length == 0 ? " is empty" : " is not an H2 database (no H2 file header)")
              + ", so the store "
              + location
              + " cannot be read. It was left as it is: restore it from a backup, or move it"
              + " away to start a new, empty store");
    }
  }

  private static byte[] head(Path file, String location) {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(HEADER.length);
    } catch (IOException e) {
      throw new SelvedgeException(
          "the store file "
              + file
              + " cannot be read ("
              + (e instanceof java.nio.file.AccessDeniedException
                  ? "permission denied"
                  : e.getMessage())
              + "), so the store "
              + location
              + " cannot be opened; make it readable and writable by you, or set SELVEDGE_HOME or"
              + " SELVEDGE_STORE_URL elsewhere",
          e);
    }
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SelvedgeException("interrupted while opening the store", e);
    }
  }

  /** Creates the database's directory (0700) when it is missing. */
  static void prepare(String url, String location) {
    Optional<Path> dir = directory(url);
    if (dir.isEmpty() || Files.isDirectory(dir.get())) {
      return;
    }
    try {
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.createDirectories(
            dir.get(),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(dir.get());
      }
    } catch (IOException | SecurityException e) {
      throw new SelvedgeException(
          "cannot create the store's directory "
              + dir.get()
              + " (for "
              + location
              + "): "
              + e.getMessage()
              + "; make it writable, or set SELVEDGE_HOME or SELVEDGE_STORE_URL elsewhere",
          e);
    }
  }
}
