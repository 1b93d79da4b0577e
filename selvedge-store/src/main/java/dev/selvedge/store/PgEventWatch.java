package dev.selvedge.store;

import dev.selvedge.port.EventStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * PostgreSQL's {@code LISTEN} on the channel every event append notifies, on a connection of its
 * own (outside the pool: it waits on the server's notices for as long as the hub lives). A broken
 * connection (PostgreSQL restarted) is opened again on the next wait, which then answers true: a
 * notice may have been missed meanwhile.
 */
final class PgEventWatch implements EventStore.Watch {
  /** The channel {@link JdbcEventStore} notifies after every append. */
  static final String CHANNEL = "selvedge_events";

  private final Callable<Connection> connect;
  private Connection connection;
  private volatile boolean closed;

  PgEventWatch(Callable<Connection> connect) {
    this.connect = connect;
  }

  @Override
  public synchronized boolean await(Duration timeout) throws InterruptedException {
    if (closed) {
      return false;
    }
    if (connection == null) {
      try {
        Connection c = connect.call();
        try (Statement st = c.createStatement()) {
          st.execute("LISTEN " + CHANNEL);
        } catch (Exception e) {
          c.close(); // outside the pool: a failed LISTEN must not keep its connection
          throw e;
        }
        connection = c;
        return true; // appends between the last notice and now were not heard
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        // PostgreSQL away: the reader's fallback poll carries on; try again after the timeout
        Thread.sleep(Math.max(1, timeout.toMillis()));
        return true;
      }
    }
    try {
      // 0 would wait for ever: at least a millisecond.
      PGNotification[] notices =
          connection
              .unwrap(PGConnection.class)
              .getNotifications((int) Math.max(1, Math.min(timeout.toMillis(), Integer.MAX_VALUE)));
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      return notices != null && notices.length > 0;
    } catch (SQLException e) {
      drop();
      return true;
    }
  }

  private void drop() {
    Connection c = connection;
    connection = null;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // gone already
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (this) {
      drop();
    }
  }
}
