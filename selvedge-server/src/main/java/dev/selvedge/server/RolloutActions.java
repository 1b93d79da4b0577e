package dev.selvedge.server;

import dev.selvedge.fleet.update.AutoUpdate;
import dev.selvedge.fleet.update.AutoUpdate.StackCheck;
import dev.selvedge.port.ApiKeyStore.ApiKey;
import dev.selvedge.port.RolloutStore.Rollout;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The rollouts' and auto-update's API code for the web UI's pages and forms: a rollout resumed,
 * aborted or rolled back from a form, and a "check now", run the very path of {@code POST
 * /api/v1/rollouts/{id}/...} and {@code POST /api/v1/autoupdate/check} (the same services, no HTTP
 * to itself), audited as the UI's requests are. A refusal is an {@link ApiError} with its status
 * and a message for people.
 */
public final class RolloutActions {
  private final Rollouts rollouts;
  private final AutoUpdates updates;
  private final RolloutRoutes rolloutRoutes;
  private final AutoUpdateRoutes updateRoutes;
  private final AuditRoutes audit;

  RolloutActions(
      ControlPlane.Settings settings, Rollouts rollouts, AutoUpdates updates, AuditRoutes audit) {
    this.rollouts = rollouts;
    this.updates = updates;
    this.rolloutRoutes = new RolloutRoutes(settings, rollouts);
    this.updateRoutes = new AutoUpdateRoutes(settings, updates);
    this.audit = audit;
  }

  /** Whether this server runs rollouts (it has operations settings): else no action is offered. */
  public boolean runsRollouts() {
    return rollouts.service() != null;
  }

  /**
   * Resumes, aborts or rolls back rollout {@code id} for {@code key} as the API does, and records
   * the request in the audit log (answered {@code 303}, from the web UI).
   *
   * @param action {@code resume}, {@code abort} or {@code rollback}
   * @return the rollout after the action
   * @throws ApiError when refused (403 scope, 404, 409 not in a state for it, 503); not audited:
   *     see {@link #audit}
   */
  public Rollout act(Context ctx, ApiKey key, String id, String action) {
    ControlPlane.actAs(ctx, key);
    Rollout after = rolloutRoutes.act(ctx, id, action);
    audit(ctx, key, "rollout." + action, 303, null);
    return after;
  }

  /** Whether this server can check registries (it has operations settings). */
  public boolean checks() {
    return updates.available();
  }

  /**
   * Checks every auto-update stack now for {@code key}, as {@code POST /api/v1/autoupdate/check}
   * does, and records the request in the audit log (answered {@code 303}).
   *
   * @throws ApiError when refused (403, 409 a check is running, 503); not audited: see {@link
   *     #audit}
   */
  public List<StackCheck> checkNow(Context ctx, ApiKey key) {
    ControlPlane.actAs(ctx, key);
    List<StackCheck> checks = updateRoutes.check(ctx, "request:" + key.name());
    audit(ctx, key, "autoupdate.check", 303, null);
    return checks;
  }

  /**
   * A stack that auto-updates as {@code GET /api/v1/autoupdate} shows it.
   *
   * @param nextCheck null when its schedule never fires again
   * @param lastCheck this server's last check of it since it started, or null
   */
  public record UpdateView(AutoUpdate.Target target, Instant nextCheck, StackCheck lastCheck) {}

  /** Every stack that auto-updates, with its next and last check. */
  public List<UpdateView> updates() {
    List<UpdateView> out = new ArrayList<>();
    for (AutoUpdates.StackView v : updates.view()) {
      Instant next =
          v.nextCheck() == null || v.nextCheck().equals(Instant.MAX) ? null : v.nextCheck();
      out.add(new UpdateView(v.target(), next, v.lastCheck()));
    }
    return List.copyOf(out);
  }

  /**
   * Records the UI's write request in the audit log once, answered {@code status}, with the key
   * (may be null), the client's address, the action and subject noted so far and, for a refusal,
   * its message.
   */
  public void audit(Context ctx, ApiKey key, String action, int status, String refusal) {
    if (key != null && ControlPlane.key(ctx) == null) {
      ControlPlane.actAs(ctx, key);
    }
    AuditNote note = AuditNote.of(ctx);
    if (note.action == null) {
      note.action(action);
    }
    if (note.operation == null && ctx.pathParamMap().containsKey("id")) {
      note.operation(ctx.pathParam("id"));
    }
    String said = refusal != null ? refusal : note.detail;
    note.detail("from the web UI" + (said == null ? "" : ": " + said));
    ctx.status(status);
    audit.audit(ctx);
  }
}
