package dev.selvedge.port;

import dev.selvedge.SelvedgeException;

/** A mutating operation was refused (or lost its lease) because someone else holds the project. */
public class LeaseHeldException extends SelvedgeException {
  private static final long serialVersionUID = 1L;

  private final transient Lease holder;

  /**
   * @param holder the lease that is in the way, or null when the caller's lease is simply gone
   */
  public LeaseHeldException(String host, String project, Lease holder) {
    super(message(host, project, holder));
    this.holder = holder;
  }

  private static String message(String host, String project, Lease holder) {
    if (holder == null) {
      return "project '"
          + project
          + "' on "
          + host
          + ": this operation's lease expired and is gone";
    }
    return "project '"
        + project
        + "' on "
        + host
        + " is busy: "
        + holder.owner()
        + " has been running '"
        + holder.operation()
        + "' since "
        + holder.acquiredAt()
        + " (lease until "
        + holder.expiresAt()
        + "); wait for it to finish, or for the lease to expire if that process died";
  }

  /** The lease in the way, or null. */
  public Lease holder() {
    return holder;
  }
}
