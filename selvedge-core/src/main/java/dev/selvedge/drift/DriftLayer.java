package dev.selvedge.drift;

/**
 * Which two layers disagree in a finding: the upper one says what should be, the lower one what is.
 * The layers are repo truth (contract and {@code .env.example}), host materialization (the Compose
 * files and {@code .env} in the deploy directory), running containers, and application readback.
 * Adjacent layers are compared; {@link #REPO_CONTAINER} stands in for the middle two when no host
 * layer was read.
 */
public enum DriftLayer {
  REPO_HOST("repo/host"),
  HOST_CONTAINER("host/container"),
  REPO_CONTAINER("repo/container"),
  CONTAINER_APP("container/app");

  private final String id;

  DriftLayer(String id) {
    this.id = id;
  }

  /** The wire name: {@code repo/host}, {@code host/container}, ... */
  public String id() {
    return id;
  }
}
