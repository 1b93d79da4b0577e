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
    this(
        host,
        project,
        holder,
        "wait for it to finish, or for the lease to expire if that process died");
  }

  /**
   * @param advice what the reader can do about {@code holder}, which was found alive or could not
   *     be judged
   */
  public LeaseHeldException(String host, String project, Lease holder, String advice) {
    super(message(host, project, holder, advice));
    this.holder = holder;
  }

  private static String message(String host, String project, Lease holder, String advice) {
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
        + "); "
        + advice;
  }

  /** The lease in the way, or null. */
  public Lease holder() {
    return holder;
  }
}
