package dev.selvedge.port;

/** The database: deployment snapshots and leases. Adapters live in {@code selvedge-store}. */
public interface Store extends AutoCloseable {

  /** Where it is, for messages, without credentials ({@code jdbc:h2:/root/.local/...}). */
  String location();

  DeploymentStore deployments();

  LeaseStore leases();

  @Override
  void close();
}
