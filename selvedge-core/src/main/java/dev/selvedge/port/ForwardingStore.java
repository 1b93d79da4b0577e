package dev.selvedge.port;

import java.util.Objects;

/**
 * A {@link Store} that hands every part to another store: the base of a wrapper that replaces one
 * or two parts (the CLI's spooling of late records, the server's audit log that names the fleet
 * node) without restating the others, so a part added to the store is forwarded everywhere at once.
 */
public abstract class ForwardingStore implements Store {
  private final Store delegate;

  protected ForwardingStore(Store delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The store handed to. */
  protected final Store delegate() {
    return delegate;
  }

  @Override
  public String location() {
    return delegate.location();
  }

  @Override
  public DeploymentStore deployments() {
    return delegate.deployments();
  }

  @Override
  public LeaseStore leases() {
    return delegate.leases();
  }

  @Override
  public AuditLog audit() {
    return delegate.audit();
  }

  @Override
  public ApiKeyStore apiKeys() {
    return delegate.apiKeys();
  }

  @Override
  public FleetStateStore fleetState() {
    return delegate.fleetState();
  }

  @Override
  public OperationStore operations() {
    return delegate.operations();
  }

  @Override
  public EventStore events() {
    return delegate.events();
  }

  @Override
  public UiSessionStore uiSessions() {
    return delegate.uiSessions();
  }

  @Override
  public ReplicaStore replicas() {
    return delegate.replicas();
  }

  @Override
  public TenantAuditStore tenantAudits() {
    return delegate.tenantAudits();
  }

  @Override
  public AutoUpdateStore autoUpdates() {
    return delegate.autoUpdates();
  }

  @Override
  public RolloutStore rollouts() {
    return delegate.rollouts();
  }

  @Override
  public NotificationStore notifications() {
    return delegate.notifications();
  }

  @Override
  public ClusterJobStore clusterJobs() {
    return delegate.clusterJobs();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
