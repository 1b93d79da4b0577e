package dev.selvedge.port;

/**
 * The database: deployment snapshots, leases, the audit trail, the fleet's state, the API keys, the
 * API's operations and the control plane's events. Adapters live in {@code selvedge-store}.
 */
public interface Store extends AutoCloseable {

  /** Where it is, for messages, without credentials ({@code jdbc:h2:/root/.local/...}). */
  String location();

  DeploymentStore deployments();

  LeaseStore leases();

  AuditLog audit();

  ApiKeyStore apiKeys();

  /** The fleet's last known state, pill history and sweep claims (the control plane's poller). */
  FleetStateStore fleetState();

  /** The operations the control plane runs for API clients. */
  OperationStore operations();

  /** The control plane's events, kept for clients of the live stream that resume. */
  EventStore events();

  /** The web UI's sign-in sessions. */
  UiSessionStore uiSessions();

  /** The control-plane replicas sharing this store. */
  ReplicaStore replicas();

  /** The cross-tenant audit's runs. */
  TenantAuditStore tenantAudits();

  /** Auto-update's seen digests and attempts. */
  AutoUpdateStore autoUpdates();

  /** Rollouts of a stack across the fleet in waves. */
  RolloutStore rollouts();

  /** The webhook notifications' delivery attempts. */
  NotificationStore notifications();

  /** Jobs run once per schedule across the replicas sharing this store. */
  ClusterJobStore clusterJobs();

  @Override
  void close();
}
