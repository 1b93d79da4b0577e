package dev.selvedge.store;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.h2.Driver;
import org.h2.api.ErrorCode;

/**
 * Connections to an H2 file store that wait out another process taking the file over.
 *
 * <p>With {@code AUTO_SERVER} the process that opens the file first serves it, and when it exits
 * the others race to become the next server through H2's lock file. The losers of that race, and
 * processes arriving in the middle of it, are told "Lock file recently modified", "Concurrent
 * update" or "Locked by another process" although a moment later the winner serves the file and
 * they would connect through it. Those answers are retried, with a random pause (so the retries do
 * not race again in step), until a connection succeeds or {@link #PATIENCE} has passed; every other
 * failure is reported at once.
 */
final class H2Source implements DataSource {
  /** How long contention for the lock file is waited out before it is reported. */
  static final Duration PATIENCE = Duration.ofSeconds(60);

  /** How long the serving process waits for the others to disconnect before it exits. */
  static final Duration LINGER = Duration.ofSeconds(10);

  private final String url;
  private final Properties credentials = new Properties();
  private final Driver driver = new Driver();
  private final Path lockFile;

  H2Source(String url, String user, String password) {
    this.url = url;
    this.lockFile = H2Files.base(url).map(b -> Path.of(b + ".lock.db")).orElse(null);
    if (user != null) {
      credentials.setProperty("user", user);
    }
    if (password != null) {
      credentials.setProperty("password", password);
    }
  }

  @Override
  public Connection getConnection() throws SQLException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    long pause = 20;
    while (true) {
      try {
        Connection served = servesHere() ? null : viaServer();
        if (served != null) {
          return served;
        }
        Connection c = driver.connect(url, credentials);
        noteEmbedded(c);
        return c;
      } catch (SQLException e) {
        if (!contended(e) || System.nanoTime() + pause * 1_000_000 > deadline) {
          throw e;
        }
      }
      H2Files.sleep(Duration.ofMillis(pause + ThreadLocalRandom.current().nextLong(pause)));
      pause = Math.min(pause * 2, 400);
    }
  }

  /**
   * Lock files of the databases this JVM has open itself, with how many of our pools use them: a
   * new connection to one of them is an in-process session, never a connection to our own server.
   */
  private static final Map<Path, Integer> EMBEDDED = new ConcurrentHashMap<>();

  private boolean embedded;

  private boolean servesHere() {
    return lockFile != null && EMBEDDED.containsKey(lockFile);
  }

  private void noteEmbedded(Connection c) throws SQLException {
    if (lockFile == null) {
      return;
    }
    synchronized (this) {
      if (embedded) {
        return;
      }
      try (Statement st = c.createStatement();
          ResultSet mine =
              st.executeQuery(
                  "SELECT SERVER FROM INFORMATION_SCHEMA.SESSIONS"
                      + " WHERE SESSION_ID = SESSION_ID()")) {
        if (mine.next() && mine.getString(1) == null) {
          embedded = true;
          EMBEDDED.merge(lockFile, 1, Integer::sum);
        }
      }
    }
  }

  /** This pool is closed: it no longer holds the database open in this JVM. */
  synchronized void closed() {
    if (embedded) {
      embedded = false;
      EMBEDDED.computeIfPresent(lockFile, (k, n) -> n == 1 ? null : n - 1);
    }
  }

  /**
   * A connection straight to the process serving the file, as named in its lock file ({@code
   * server}, and {@code id}: the key it serves the file under); null when none is named or it does
   * not answer. H2's own way to the server first tries to take the lock file, rewriting it: with
   * several processes arriving at once, each one's attempt makes the file "recently modified" for
   * the others, and they can keep each other out for a minute.
   */
  private Connection viaServer() {
    if (lockFile == null) {
      return null;
    }
    Properties lock = new Properties();
    try (InputStream in = Files.newInputStream(lockFile)) {
      lock.load(in);
    } catch (IOException | IllegalArgumentException e) {
      return null; // none, or being written: the usual way decides
    }
    String server = lock.getProperty("server");
    String key = lock.getProperty("id");
    if (server == null || key == null || !"file".equalsIgnoreCase(lock.getProperty("method"))) {
      return null;
    }
    try {
      return driver.connect("jdbc:h2:tcp://" + server + "/" + key, credentials);
    } catch (SQLException e) {
      return null; // it has just exited: the usual way takes over or finds the next one
    }
  }

  /**
   * The lock file is changing hands, or the process serving the file is going away: the same open
   * works once the next server is up. H2 wraps the cause in its own exceptions, so the whole chain
   * is looked at.
   */
  static boolean contended(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && contended(s.getErrorCode(), s.getMessage())) {
        return true;
      }
    }
    return false;
  }

  /** The connection to the serving process broke (it exited). */
  static boolean broken(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getErrorCode() == ErrorCode.CONNECTION_BROKEN_1) {
        return true;
      }
    }
    return false;
  }

  private static boolean contended(int code, String message) {
    String m = message == null ? "" : message;
    return switch (code) {
      case ErrorCode.ERROR_OPENING_DATABASE_1 ->
          m.contains("Lock file recently modified")
              || m.contains("Concurrent update")
              || m.contains("Another process was faster");
      case ErrorCode.DATABASE_ALREADY_OPEN_1 -> m.contains("Locked by another process");
      // The server named in the lock file has just exited, or is closing the database.
      case ErrorCode.CONNECTION_BROKEN_1 -> m.contains("Connection refused");
      case ErrorCode.DATABASE_CALLED_AT_SHUTDOWN, ErrorCode.DATABASE_IS_CLOSED -> true;
      default -> false;
    };
  }

  /**
   * Before the process serving the file lets it go: waits (at most {@link #WORKING}) until no other
   * process is in the middle of a statement or transaction through it. Closing under one would
   * break its work half-way; an idle session of another process just reconnects on its next use (to
   * whichever process serves the file then: see {@link #getConnection}).
   */
  void awaitClients(DataSource pool) {
    if (lockFile != null && EMBEDDED.getOrDefault(lockFile, 0) > 1) {
      return; // another store of this JVM keeps the file open and served
    }
    long deadline = System.nanoTime() + LINGER.toNanos();
    try (Connection c = pool.getConnection();
        Statement st = c.createStatement()) {
      try (ResultSet mine =
          st.executeQuery(
              "SELECT SERVER FROM INFORMATION_SCHEMA.SESSIONS WHERE SESSION_ID = SESSION_ID()")) {
        if (!mine.next() || mine.getString(1) != null) {
          return; // a client of another process's server (or cannot tell): nothing to wait for
        }
      }
      while (System.nanoTime() < deadline) {
        try (ResultSet busy =
            st.executeQuery(
                "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE SERVER IS NOT NULL")) {
          if (!busy.next() || busy.getLong(1) == 0) {
            return;
          }
        }
        H2Files.sleep(Duration.ofMillis(20));
      }
    } catch (SQLException | RuntimeException e) {
      // Closing anyway: the others reconnect (and wait out the handover) on their own.
    }
  }

  /**
   * Tells the pool to drop a connection that failed because its server went away or the file is
   * changing hands: it would fail the same way each time it is lent out again.
   */
  static SQLExceptionOverride evictBroken() {
    return new SQLExceptionOverride() {
      @java.lang.Override
      public SQLExceptionOverride.Override adjudicate(SQLException e) {
        return contended(e) || broken(e)
            ? SQLExceptionOverride.Override.MUST_EVICT
            : SQLExceptionOverride.Override.CONTINUE_EVICT;
      }
    };
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("credentials are set once, in the store's config");
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {
    // H2's own trace settings apply
  }

  @Override
  public void setLoginTimeout(int seconds) {
    // bounded by PATIENCE
  }

  @Override
  public int getLoginTimeout() {
    return (int) PATIENCE.toSeconds();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("not a wrapper of " + iface.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }
}
