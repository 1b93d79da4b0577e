package dev.selvedge.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.model.Project;
import dev.selvedge.port.ApiKeyStore.ApiKey;
import dev.selvedge.port.OperationStore;
import dev.selvedge.server.OperationRunner.Action;
import io.javalin.http.Context;
import java.util.Locale;

/**
 * The operations API's code for the web UI's forms and panels: an action started from a form runs
 * the very path of {@code POST /api/v1/.../apply} (and rollback, restart, stop, start), the logs
 * and the plan are the API's answers. The UI's routes use the API's path parameter names ({@code
 * node}, {@code stack}, {@code service}), so the request's context is handed over as it is. A
 * refusal is an {@link ApiError} with its status and a message for people.
 */
public final class StackActions {
  /** The header (or, from a plain form, the field) that confirms a self-critical service's stop. */
  public static final String CONFIRM = OperationRoutes.CONFIRM;

  private final OperationRoutes routes;
  private final AuditRoutes audit;

  StackActions(OperationRoutes routes, AuditRoutes audit) {
    this.routes = routes;
    this.audit = audit;
  }

  /** The actions, as the UI names them ({@code apply}, {@code rollback}, ...). */
  public static boolean known(String action) {
    for (Action a : Action.values()) {
      if (a.id().equals(action)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the action is on one service ({@code restart}, {@code stop}, {@code start}). */
  public static boolean perService(String action) {
    return action(action).verb() != null;
  }

  private static Action action(String id) {
    return Action.valueOf(id.toUpperCase(Locale.ROOT));
  }

  /**
   * Starts {@code action} on the request's node and stack (and service) for {@code key}, as the API
   * does: the request is audited (answered {@code 303}) and the operation recorded before it runs.
   *
   * @param to the rollback's target deployment, or null
   * @param confirmed whether the request confirms a self-critical service's restart or stop
   * @return the operation's id
   * @throws ApiError when refused (403 scope, 404, 409 busy, 422 verify, 428 confirmation, ...)
   */
  public String start(
      Context ctx, ApiKey key, String action, Long to, boolean force, boolean confirmed) {
    ControlPlane.actAs(ctx, key);
    Action a = action(action);
    AuditNote.of(ctx).action(a.id()).detail("from the web UI");
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    if (a == Action.ROLLBACK && to != null) {
      body.put("to", to);
    }
    if (a == Action.APPLY && force) {
      body.put("force", true);
    }
    return routes.start(ctx, a, body, force, to, confirmed, null, 303).operation().id();
  }

  /**
   * Records the UI's write request in the audit log, answered {@code status} (once: a started
   * operation's request already is), with the key (may be null), the client's address and, for a
   * refusal, its message.
   */
  public void audit(Context ctx, ApiKey key, String action, int status, String refusal) {
    if (key != null && ControlPlane.key(ctx) == null) {
      ControlPlane.actAs(ctx, key);
    }
    AuditNote note = AuditNote.of(ctx);
    if (note.action == null) {
      note.action(action);
    }
    if (note.node == null) {
      note.subject(
          ctx.pathParamMap().get("node"),
          ctx.pathParamMap().get("stack"),
          ctx.pathParamMap().get("service"));
    }
    note.detail("from the web UI" + (refusal == null ? "" : ": " + refusal));
    ctx.status(status);
    audit.audit(ctx);
  }

  /** The plan of the request's stack, scrubbed: the API's answer. */
  public JsonNode plan(Context ctx) {
    return routes.planAnswer(ctx);
  }

  /** The request's service's bounded, scrubbed log tail: the API's answer. */
  public JsonNode logs(Context ctx) {
    return routes.logAnswer(ctx);
  }

  /** The request's stack's contract, as an operation loads it. */
  public Project contract(Context ctx) {
    return routes.contract(ctx);
  }

  /** The operations' store. */
  public OperationStore operations() {
    return routes.operations();
  }
}
