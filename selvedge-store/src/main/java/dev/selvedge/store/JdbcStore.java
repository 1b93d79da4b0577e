package dev.selvedge.store;

import com.zaxxer.hikari.HikariDataSource;
import dev.selvedge.port.DeploymentStore;
import dev.selvedge.port.LeaseStore;
import dev.selvedge.port.Store;

/** The store over one connection pool. */
final class JdbcStore implements Store {
  private final HikariDataSource pool;
  private final Vendor vendor;
  private final String location;
  private final DeploymentStore deployments;
  private final LeaseStore leases;

  JdbcStore(
      HikariDataSource pool,
      Vendor vendor,
      String location,
      DeploymentStore deployments,
      LeaseStore leases) {
    this.pool = pool;
    this.vendor = vendor;
    this.location = location;
    this.deployments = deployments;
    this.leases = leases;
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public DeploymentStore deployments() {
    return deployments;
  }

  @Override
  public LeaseStore leases() {
    return leases;
  }

  @Override
  public void close() {
    if (vendor == Vendor.H2) {
      H2Source.awaitClients(pool);
    }
    pool.close();
  }

  @Override
  public String toString() {
    return "Store[" + location + "]";
  }
}
