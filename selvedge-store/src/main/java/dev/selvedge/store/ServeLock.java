package dev.selvedge.store;

import dev.selvedge.SelvedgeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One {@code selvedge serve} per H2 file: H2 is the single-replica store (its auto-server lets the
 * CLI in beside a server, but two servers would sweep, schedule and stream events each on its own).
 * {@code serve} holds an operating-system lock on {@code BASE.serve.lock} beside the database for
 * the life of its process; the operating system drops it with the process, also after {@code kill
 * -9}, so a stale lock never has to be cleaned up by hand. The file holds the holder's pid, for the
 * message of a refused second server. PostgreSQL stores take no lock: several replicas share them.
 */
public final class ServeLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private ServeLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the serve lock of an H2 file store; empty for other stores (PostgreSQL, in-memory H2).
   *
   * @throws SelvedgeException when another live {@code serve} holds it (naming the file and what to
   *     do), or the lock file cannot be written
   */
  public static Optional<ServeLock> acquire(StoreConfig config) {
    if (JdbcUrls.vendor(config.jdbcUrl()) != Vendor.H2) {
      return Optional.empty();
    }
    Optional<Path> base = H2Files.base(config.jdbcUrl());
    if (base.isEmpty()) {
      return Optional.empty();
    }
    H2Files.prepare(config.jdbcUrl(), config.location());
    Path file = base.get().resolveSibling(base.get().getFileName() + ".serve.lock");
    FileChannel channel;
    try {
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException | SecurityException e) {
      throw new SelvedgeException(
          "cannot write the serve lock " + file + " of the H2 store: " + e.getMessage(), e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // this JVM holds it already
    } catch (IOException e) {
      close(channel);
      throw new SelvedgeException(
          "cannot lock the serve lock " + file + " of the H2 store: " + e.getMessage(), e);
    }
    if (lock == null) {
      String holder = holder(channel);
      close(channel);
      throw new SelvedgeException(
          "another selvedge serve"
              + (holder.isEmpty() ? "" : " (pid " + holder + ")")
              + " already serves the H2 store "
              + base.get()
              + ".mv.db (it holds "
              + file
              + "): an H2 store takes one server; stop that one, or run several replicas on"
              + " PostgreSQL (set "
              + StoreConfig.URL_VAR
              + "=jdbc:postgresql://HOST:PORT/DATABASE for every replica)");
    }
    try {
      byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(pid), 0);
      channel.force(false);
    } catch (IOException e) {
      // the pid is only for messages: the lock itself is held
    }
    return Optional.of(new ServeLock(channel, lock));
  }

  private static String holder(FileChannel channel) {
    try {
      ByteBuffer b = ByteBuffer.allocate(32);
      int n = channel.read(b, 0);
      if (n <= 0) {
        return "";
      }
      String text = new String(b.array(), 0, n, StandardCharsets.US_ASCII).trim();
      return text.matches("[0-9]{1,19}") ? text : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static void close(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing held
    }
  }

  /** Lets go of the lock (a clean stop); the file stays, empty of meaning once unlocked. */
  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel releases it too
    }
    close(channel);
  }
}
