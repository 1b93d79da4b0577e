package dev.selvedge.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.selvedge.SelvedgeException;
import dev.selvedge.port.Store;
import java.time.Clock;
import org.jdbi.v3.core.Jdbi;

/**
 * Opens the store: connects, brings the schema up to date, and hands out the {@link Store} port.
 * The caller closes it.
 */
public final class Stores {
  private Stores() {}

  /** A small pool: the CLI runs one operation at a time; a few spare for lease renewal. */
  static final int POOL_SIZE = 4;

  /** The schema version this build migrates a store to (what {@code /version} reports). */
  public static String schemaVersion() {
    return Migrations.LATEST;
  }

  /** Opens the store with the system clock. */
  public static Store open(StoreConfig config) {
    return open(config, Clock.systemUTC());
  }

  /**
   * Opens the store; the times it records for the caller come from {@code clock}. Expiries that
   * several processes judge (operation leases, claims, rollout leases) are on the database's clock
   * instead, whatever {@code clock} says.
   *
   * @throws SelvedgeException when the URL is of an unsupported database, the database cannot be
   *     reached, or its schema cannot be brought up to date; the message names the URL (never the
   *     password) and what to do
   */
  public static Store open(StoreConfig config, Clock clock) {
    return open(config, clock, POOL_SIZE);
  }

  /**
   * Opens the store with a pool of {@code poolSize} connections: the server's sweeps, key checks
   * and readiness share it, where the CLI runs one operation at a time.
   */
  public static Store open(StoreConfig config, Clock clock, int poolSize) {
    String location = config.location();
    Vendor vendor = JdbcUrls.vendor(config.jdbcUrl());
    if (vendor == null) {
      throw new SelvedgeException(
          "store URL "
              + location
              + " is not supported: use jdbc:h2:file:PATH (an embedded file, the default) or"
              + " jdbc:postgresql://HOST:PORT/DATABASE in "
              + StoreConfig.URL_VAR);
    }
    if (vendor == Vendor.H2) {
      H2Files.prepare(config.jdbcUrl(), location);
      H2Files.checkReadable(config.jdbcUrl(), location);
      H2Files.serveOnLoopbackOnly();
    }
    HikariDataSource pool = connect(config, vendor, location, Math.max(2, poolSize));
    try {
      Migrations.migrate(pool, vendor, location);
      Db db = new Db(Jdbi.create(pool), location, vendor);
      return new JdbcStore(
          pool,
          location,
          new JdbcDeploymentStore(db, clock),
          new JdbcLeaseStore(db),
          new JdbcAuditLog(db),
          new JdbcApiKeyStore(db),
          new JdbcFleetStateStore(db),
          new JdbcOperationStore(db),
          new JdbcEventStore(db, vendor == Vendor.POSTGRESQL ? listener(config) : null),
          new JdbcUiSessionStore(db),
          new JdbcReplicaStore(db),
          new JdbcTenantAuditStore(db),
          new JdbcAutoUpdateStore(db),
          new JdbcRolloutStore(db),
          new JdbcNotificationStore(db),
          new JdbcClusterJobStore(db));
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /**
   * Opens a PostgreSQL connection outside the pool, for a connection that waits on notices for as
   * long as the server lives (the event stream's watch).
   */
  private static java.util.concurrent.Callable<java.sql.Connection> listener(StoreConfig config) {
    return () -> {
      java.util.Properties p = new java.util.Properties();
      if (config.user() != null) {
        p.setProperty("user", config.user());
      }
      if (config.password() != null) {
        p.setProperty("password", config.password());
      }
      p.setProperty("connectTimeout", "5");
      p.setProperty("ApplicationName", "selvedge-events");
      // Dead peers (a PostgreSQL that vanished without closing) are found by keepalive probes.
      p.setProperty("tcpKeepAlive", "true");
      return java.sql.DriverManager.getConnection(config.jdbcUrl(), p);
    };
  }

  private static HikariDataSource connect(
      StoreConfig config, Vendor vendor, String location, int poolSize) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("selvedge-store");
    if (vendor == Vendor.H2) {
      hikari.setDataSource(new H2Source(config.jdbcUrl(), config.user(), config.password()));
      hikari.setExceptionOverride(H2Source.evictBroken());
    } else {
      hikari.setJdbcUrl(config.jdbcUrl());
      hikari.setDriverClassName("org.postgresql.Driver");
      hikari.setUsername(config.user());
      hikari.setPassword(config.password());
    }
    hikari.setMaximumPoolSize(poolSize);
    // One connection stays open: for H2 closing the last one closes (and compacts) the database.
    hikari.setMinimumIdle(1);
    // An H2 connection may wait out another process taking the file over (H2Source).
    hikari.setConnectionTimeout(
        vendor == Vendor.H2 ? H2Source.PATIENCE.plusSeconds(5).toMillis() : 10_000);
    if (vendor == Vendor.POSTGRESQL) {
      hikari.addDataSourceProperty("connectTimeout", "5");
      hikari.addDataSourceProperty("ApplicationName", "selvedge");
    }
    long deadline = System.nanoTime() + H2Source.PATIENCE.toNanos();
    while (true) {
      try {
        return new HikariDataSource(hikari);
      } catch (RuntimeException e) {
        // The pool's first connection can also break while it is set up, when the process that
        // serves an H2 file exits at that moment: the next one reaches the new server.
        if (vendor == Vendor.H2
            && (H2Source.contended(e) || H2Source.broken(e))
            && System.nanoTime() < deadline) {
          H2Files.sleep(java.time.Duration.ofMillis(50));
          continue;
        }
        throw openFailure(config, vendor, location, e);
      }
    }
  }

  private static SelvedgeException openFailure(
      StoreConfig config, Vendor vendor, String location, RuntimeException e) {
    String cause = Db.sqlMessage(e);
    if (config.password() != null && cause != null) {
      cause = cause.replace(config.password(), "****");
    }
    return new SelvedgeException(
        "cannot open the store at " + location + ": " + cause + "; " + advice(vendor), e);
  }

  private static String advice(Vendor vendor) {
    return switch (vendor) {
      case POSTGRESQL ->
          "check that PostgreSQL runs there and accepts this user, or set "
              + StoreConfig.URL_VAR
              + ", "
              + StoreConfig.USER_VAR
              + " and "
              + StoreConfig.PASSWORD_VAR
              + " to a database you can reach";
      case H2 ->
          "check that the file is readable and writable by you and not opened by another program"
              + " without AUTO_SERVER=TRUE, or set "
              + StoreConfig.URL_VAR
              + " to another store";
    };
  }
}
