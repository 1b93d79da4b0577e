package dev.selvedge.status;

/** The sync axis: does what runs match what the contract says? */
public enum Sync {
  /** Every layer read and no drift found. */
  IN_SYNC("in-sync"),
  /** At least one drift finding (blocked_external does not count). */
  DRIFTED("drifted"),
  /** No drift found, but a layer could not be read (readback unreachable, digest not verified). */
  UNKNOWN("unknown");

  private final String id;

  Sync(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }
}
