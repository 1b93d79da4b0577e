package dev.selvedge.port;

import java.time.Instant;
import java.util.List;

/**
 * The audit trail: one event per change made to something on an engine (a container restarted,
 * stopped, started or removed; a network or volume removed; a service applied), per write request
 * to the control plane (allowed or refused), per API key created or revoked, and per retention run,
 * with who did it, from where, to what and how it went. Deployments say what a stack became; this
 * says what was done and asked. Append-only: the store refuses to change or delete an event, except
 * {@link #purge} removing old ones.
 */
public interface AuditLog {

  /**
   * One change or request.
   *
   * @param id assigned by the store; 0 in an event not yet recorded
   * @param actor who: {@code key:NAME} for an API key, {@code anonymous} for a request without a
   *     valid key, the CLI's actor ({@code user@machine}, or {@code SELVEDGE_ACTOR})
   * @param source where from: the client's address for the API, the machine's name for the CLI;
   *     null when unknown
   * @param action what was done ({@code restart}, {@code stop}, {@code apply recreate}, {@code
   *     key.create}, {@code audit.retention}, {@code POST /api/v1/...}, ...)
   * @param node the fleet node's id when known (the server); null from the CLI
   * @param host the identity of the engine the change was made on ({@code docker-daemon:<ID>}),
   *     whichever endpoint reached it; null for what is not on an engine (keys, retention)
   * @param project the Compose project (the stack), or null
   * @param service the contract's service, or null for the project as a whole
   * @param target what it was done to (a container, network or volume name), or null
   * @param before what it was before, as short text (image digests, config hash, deployment id);
   *     never a secret; null when not known
   * @param after what it became, as {@code before}
   * @param outcome {@code done}, {@code failed}, an apply's service status, or for a request {@code
   *     accepted 202}, {@code refused 403}, ...
   * @param requestId the control plane's request id ({@code X-Request-Id}); null from the CLI
   * @param detail the engine's error, or the deployment and verdict; "" when there is nothing to
   *     add
   */
  record Event(
      long id,
      Instant at,
      String actor,
      String source,
      String action,
      String node,
      String host,
      String project,
      String service,
      String target,
      String before,
      String after,
      String outcome,
      String requestId,
      String detail) {
    public Event {
      if (at == null || actor == null || action == null) {
        throw new IllegalArgumentException("an audit event needs a time, an actor and an action");
      }
      outcome = outcome == null ? "" : outcome;
      detail = detail == null ? "" : detail;
    }

    /** A change on an engine, as the CLI's operations record it (no source, node or request). */
    public Event(
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
      this(
          id, at, actor, null, action, null, host, project, service, target, null, null, outcome,
          null, detail);
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

    /** This event made from {@code address} (a client's address, a machine's name). */
    public Event from(String address) {
      return new Event(
          id, at, actor, address, action, node, host, project, service, target, before, after,
          outcome, requestId, detail);
    }

    /** This event about the fleet node {@code nodeId}. */
    public Event onNode(String nodeId) {
      return new Event(
          id, at, actor, source, action, nodeId, host, project, service, target, before, after,
          outcome, requestId, detail);
    }

    /** This event with what its subject was before and became (short text, no secret). */
    public Event change(String beforeText, String afterText) {
      return new Event(
          id,
          at,
          actor,
          source,
          action,
          node,
          host,
          project,
          service,
          target,
          beforeText,
          afterText,
          outcome,
          requestId,
          detail);
    }

    /** This event as part of the control plane's request {@code id}. */
    public Event request(String id) {
      return new Event(
          this.id, at, actor, source, action, node, host, project, service, target, before, after,
          outcome, id, detail);
    }
  }

  /**
   * Which events to read, newest first. Null filters match everything.
   *
   * @param actor exactly this actor ({@code key:ops-bot}, {@code ana@box})
   * @param node this fleet node
   * @param stack this Compose project
   * @param action exactly this action
   * @param since at or after
   * @param until before
   * @param beforeId only events with a smaller id: the cursor of the next page
   * @param limit at most this many (at least 1)
   */
  record Query(
      String actor,
      String node,
      String stack,
      String action,
      Instant since,
      Instant until,
      Long beforeId,
      int limit) {
    public Query {
      if (limit < 1) {
        throw new IllegalArgumentException("an audit query needs a limit of at least 1");
      }
    }

    /** Every event, newest first, at most {@code limit}. */
    public static Query latest(int limit) {
      return new Query(null, null, null, null, null, null, null, limit);
    }
  }

  /** What a retention run removed. */
  record Purged(long removed, Instant cutoff, Event recorded) {}

  /** The action of the event a retention run records. */
  String RETENTION = "audit.retention";

  /** Records {@code event} (its id is ignored). */
  void record(Event event);

  /** The project's events on {@code host}, newest first, at most {@code limit}. */
  List<Event> recent(String host, String project, int limit);

  /** The events {@code query} selects, newest first (by id). */
  List<Event> find(Query query);

  /**
   * Retention, the one remover: deletes every event older than {@code cutoff} and records, in the
   * same transaction, an {@link #RETENTION} event by {@code actor} from {@code source} at {@code
   * at} saying how many and the cut-off. Either both happen or neither.
   */
  Purged purge(Instant cutoff, Instant at, String actor, String source);
}
