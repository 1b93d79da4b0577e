package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.EventStore;
import dev.selvedge.port.EventStore.StoredEvent;
import dev.selvedge.port.Store;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The event store's contract on the real PostgreSQL of {@code scripts/test-services.sh}, in a
 * database of its own ({@code selvedge_test_<random>}) dropped afterwards.
 */
class PostgresEventStoreIT extends EventStoreContract {
  private static StoreConfig config;

  @BeforeAll
  static void createDatabase() throws SQLException {
    config = StoreServices.createDatabase();
  }

  @AfterAll
  static void dropDatabase() throws SQLException {
    StoreServices.dropDatabase(config);
  }

  @Override
  protected StoreConfig config() {
    return config;
  }

  private static StoredEvent event(String type) {
    return new StoredEvent(0, type, Instant.now(), null, null, null, null, "{}");
  }

  /**
   * Replicas' appends commit in id order: an append waits for another's transaction (here a raw one
   * holding the order lock) before it draws its id, so its id is greater than every id that
   * transaction draws, even one drawn after the append began.
   */
  @Test
  void anAppendDrawsItsIdOnlyAfterAnotherAppendersTransactionCommitted() throws Exception {
    try (Store store = Stores.open(config);
        Connection other =
            DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password())) {
      other.setAutoCommit(false);
      try (PreparedStatement lock = other.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        lock.setLong(1, JdbcEventStore.ORDER_LOCK);
        lock.executeQuery().close();
      }
      CompletableFuture<Long> append =
          CompletableFuture.supplyAsync(() -> store.events().append(event("test.late")));
      // The append is seen waiting on the lock (not finished: it would have drawn a smaller id).
      try (Connection watch =
          DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password())) {
        while (!waitingOnTheOrderLock(watch)) {
          assertThat(append).as("the append waits for the order lock").isNotDone();
          Thread.onSpinWait();
        }
      }
      long drawn;
      try (PreparedStatement insert =
          other.prepareStatement(
              "INSERT INTO server_event (type, at, data) VALUES ('test.first', now(), '{}')"
                  + " RETURNING id")) {
        try (ResultSet rs = insert.executeQuery()) {
          rs.next();
          drawn = rs.getLong(1);
        }
      }
      other.commit();
      assertThat(append.get(30, java.util.concurrent.TimeUnit.SECONDS)).isGreaterThan(drawn);
    }
  }

  private static boolean waitingOnTheOrderLock(Connection c) throws SQLException {
    try (PreparedStatement st =
        c.prepareStatement(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                + " AND database = (SELECT oid FROM pg_database WHERE datname ="
                + " current_database())")) {
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getInt(1) > 0;
      }
    }
  }

  /** A watch wakes when another store (replica) appends, and times out when nobody does. */
  @Test
  void aWatchHearsTheAppendsOfAnotherStoreOnTheDatabase() throws Exception {
    try (Store mine = Stores.open(config);
        Store theirs = Stores.open(config);
        EventStore.Watch watch = mine.events().watch().orElseThrow()) {
      assertThat(watch.await(Duration.ofMillis(10))).as("listening from now on").isTrue();
      assertThat(watch.await(Duration.ofMillis(50))).as("nothing appended").isFalse();
      theirs.events().append(event("test.watched"));
      assertThat(watch.await(Duration.ofSeconds(30))).isTrue();
      theirs.events().appendAll(java.util.List.of(event("test.a"), event("test.b")));
      assertThat(watch.await(Duration.ofSeconds(30))).isTrue();
    }
  }

  /**
   * A watch whose connection PostgreSQL ended (as a restart does) says so (read the store: notices
   * may be lost), listens again on a new connection, and hears the appends after that.
   */
  @Test
  void aWatchWhoseConnectionWasEndedListensAgain() throws Exception {
    try (Store mine = Stores.open(config);
        Store theirs = Stores.open(config);
        EventStore.Watch watch = mine.events().watch().orElseThrow();
        Connection admin =
            DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password())) {
      assertThat(watch.await(Duration.ofMillis(10))).isTrue(); // connected, listening
      int ended;
      try (PreparedStatement st =
          admin.prepareStatement(
              "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                  + " WHERE application_name = 'selvedge-events' AND datname = current_database()")) {
        try (ResultSet rs = st.executeQuery()) {
          rs.next();
          ended = rs.getInt(1);
        }
      }
      assertThat(ended).isEqualTo(1);
      assertThat(watch.await(Duration.ofSeconds(30))).as("the broken connection is told").isTrue();
      assertThat(watch.await(Duration.ofMillis(10))).as("listening again").isTrue();
      assertThat(watch.await(Duration.ofMillis(50))).isFalse();
      theirs.events().append(event("test.after-restart"));
      assertThat(watch.await(Duration.ofSeconds(30))).isTrue();
    }
  }
}
