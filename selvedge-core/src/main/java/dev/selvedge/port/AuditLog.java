package dev.selvedge.port;

import java.time.Instant;
import java.util.List;

/**
 * The audit trail: one event per change made to something on an engine (a container restarted,
 * stopped, started or removed; a network or volume removed; a service applied), with who did it,
 * where and how it went. Deployments say what a stack became; this says what was done to it.
 */
public interface AuditLog {

  /**
   * One change.
   *
   * @param id assigned by the store; 0 in an event not yet recorded
   * @param actor who ({@code user@machine (pid N)})
   * @param host the identity of the engine the change was made on ({@code docker-daemon:<ID>}),
   *     whichever endpoint reached it
   * @param service the contract's service, or null for the project as a whole
   * @param action what was done ({@code restart}, {@code stop}, {@code remove}, {@code apply
   *     recreate}, ...)
   * @param target what it was done to (a container, network or volume name)
   * @param outcome {@code done}, {@code failed}, or an apply's service status
   * @param detail the engine's error, or the deployment and verdict; "" when there is nothing to
   *     add
   */
  record Event(
      long id,
      Instant at,
      String actor,
      String host,
      String project,
      String service,
      String action,
      String target,
      String outcome,
      String detail) {
    public Event {
      if (at == null || actor == null || host == null || project == null || action == null) {
        throw new IllegalArgumentException(
            "an audit event needs a time, an actor, a host, a project and an action");
      }
      outcome = outcome == null ? "" : outcome;
      detail = detail == null ? "" : detail;
    }

    /** An event not yet recorded: the store assigns its id. */
    public static Event of(
        Instant at,
        String actor,
        String host,
        String project,
        String service,
        String action,
        String target,
        String outcome,
        String detail) {
      return new Event(0, at, actor, host, project, service, action, target, outcome, detail);
    }
  }

  /** Records {@code event} (its id is ignored). */
  void record(Event event);

  /** The project's events on {@code host}, newest first, at most {@code limit}. */
  List<Event> recent(String host, String project, int limit);
}
