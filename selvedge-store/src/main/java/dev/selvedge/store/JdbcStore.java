package dev.selvedge.store;

import com.zaxxer.hikari.HikariDataSource;
import dev.selvedge.port.ApiKeyStore;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.AutoUpdateStore;
import dev.selvedge.port.DeploymentStore;
import dev.selvedge.port.EventStore;
import dev.selvedge.port.FleetStateStore;
import dev.selvedge.port.LeaseStore;
import dev.selvedge.port.NotificationStore;
import dev.selvedge.port.OperationStore;
import dev.selvedge.port.ReplicaStore;
import dev.selvedge.port.RolloutStore;
import dev.selvedge.port.Store;
import dev.selvedge.port.TenantAuditStore;
import dev.selvedge.port.UiSessionStore;

/** The store over one connection pool. */
final class JdbcStore implements Store {
  private final HikariDataSource pool;
  private final String location;
  private final DeploymentStore deployments;
  private final LeaseStore leases;
  private final AuditLog audit;
  private final ApiKeyStore apiKeys;
  private final FleetStateStore fleetState;
  private final OperationStore operations;
  private final EventStore events;
  private final UiSessionStore uiSessions;
  private final ReplicaStore replicas;
  private final TenantAuditStore tenantAudits;
  private final AutoUpdateStore autoUpdates;
  private final RolloutStore rollouts;
  private final NotificationStore notifications;
  private final dev.selvedge.port.ClusterJobStore clusterJobs;

  JdbcStore(
      HikariDataSource pool,
      String location,
      DeploymentStore deployments,
      LeaseStore leases,
      AuditLog audit,
      ApiKeyStore apiKeys,
      FleetStateStore fleetState,
      OperationStore operations,
      EventStore events,
      UiSessionStore uiSessions,
      ReplicaStore replicas,
      TenantAuditStore tenantAudits,
      AutoUpdateStore autoUpdates,
      RolloutStore rollouts,
      NotificationStore notifications,
      dev.selvedge.port.ClusterJobStore clusterJobs) {
    this.pool = pool;
    this.location = location;
    this.deployments = deployments;
    this.leases = leases;
    this.audit = audit;
    this.apiKeys = apiKeys;
    this.fleetState = fleetState;
    this.operations = operations;
    this.events = events;
    this.uiSessions = uiSessions;
    this.replicas = replicas;
    this.tenantAudits = tenantAudits;
    this.autoUpdates = autoUpdates;
    this.rollouts = rollouts;
    this.notifications = notifications;
    this.clusterJobs = clusterJobs;
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
  public AuditLog audit() {
    return audit;
  }

  @Override
  public ApiKeyStore apiKeys() {
    return apiKeys;
  }

  @Override
  public FleetStateStore fleetState() {
    return fleetState;
  }

  @Override
  public OperationStore operations() {
    return operations;
  }

  @Override
  public EventStore events() {
    return events;
  }

  @Override
  public UiSessionStore uiSessions() {
    return uiSessions;
  }

  @Override
  public ReplicaStore replicas() {
    return replicas;
  }

  @Override
  public TenantAuditStore tenantAudits() {
    return tenantAudits;
  }

  @Override
  public AutoUpdateStore autoUpdates() {
    return autoUpdates;
  }

  @Override
  public RolloutStore rollouts() {
    return rollouts;
  }

  @Override
  public NotificationStore notifications() {
    return notifications;
  }

  @Override
  public dev.selvedge.port.ClusterJobStore clusterJobs() {
    return clusterJobs;
  }

  @Override
  public void close() {
    H2Source h2 = pool.getDataSource() instanceof H2Source s ? s : null;
    if (h2 != null) {
      h2.awaitClients(pool);
    }
    pool.close();
    if (h2 != null) {
      h2.closed();
    }
  }

  @Override
  public String toString() {
    return "Store[" + location + "]";
  }
}
