package dev.selvedge.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.json.TreeJson;
import dev.selvedge.operations.HostIdentity;
import dev.selvedge.operations.Rollbacks;
import dev.selvedge.port.ApiKeyStore.ApiKey;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.OperationStore.Operation;
import dev.selvedge.port.StoreException;
import dev.selvedge.server.ApiError;
import dev.selvedge.server.StackActions;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The web UI's actions: apply, rollback, restart, stop and start behind a confirmation page that
 * says what will happen, run by the operations API's own code ({@link StackActions}) for operate
 * keys, then followed on an operation page that polls its progress; and each service's logs and the
 * stack's plan on demand. Everything works as plain pages and forms; htmx only swaps panels in
 * place. A refusal is a page with a readable message and is audited like the API's.
 */
public final class ActionPages {
  private static final System.Logger LOG = System.getLogger(ActionPages.class.getName());
  private static final String STACK = "/ui/nodes/{node}/stacks/{stack}";
  private static final String SERVICE = STACK + "/services/{service}";
  private static final List<String> VERBS = List.of("restart", "stop", "start");

  /** The form field that confirms a self-critical service's restart or stop. */
  static final String CONFIRM_FIELD = "confirm_self_restart";

  private static final int HISTORY = 500;

  private final WebUi web;
  private final StackActions actions;

  ActionPages(WebUi web, StackActions actions) {
    this.web = web;
    this.actions = actions;
  }

  void register(RoutesConfig routes) {
    routes.get(STACK + "/apply", web.page(ctx -> confirm(ctx, "apply")));
    routes.post(STACK + "/apply", web.page(ctx -> run(ctx, "apply")));
    routes.get(STACK + "/rollback", web.page(ctx -> confirm(ctx, "rollback")));
    routes.post(STACK + "/rollback", web.page(ctx -> run(ctx, "rollback")));
    for (String verb : VERBS) {
      routes.get(SERVICE + "/" + verb, web.page(ctx -> confirm(ctx, verb)));
      routes.post(SERVICE + "/" + verb, web.page(ctx -> run(ctx, verb)));
    }
    routes.get(STACK + "/plan", web.page(this::plan));
    routes.get(SERVICE + "/logs", web.page(this::logs));
    routes.get("/ui/operations/{id}", web.page(this::operation));
    routes.get("/ui/operations/{id}/progress", web.page(this::progress));
  }

  // ------------------------------------------------------------------------ the stack page

  /**
   * What the stack page offers: every signed-in key gets the plan and each service's logs; an
   * operate key also the actions, each control marked {@code data-action}.
   *
   * @param operate whether the actions are shown
   * @param base the stack page's path
   * @param rollbackTargets the deployments a rollback may name (healthy, not the one that runs)
   */
  public record Controls(boolean operate, String base, Set<Long> rollbackTargets) {
    public boolean target(long deployment) {
      return operate && rollbackTargets.contains(deployment);
    }
  }

  /** The stack page's controls; null on a server without operations. */
  static Controls controls(
      ActionPages pages,
      SessionAuth.Signed signed,
      String node,
      String stack,
      List<Deployment> deployments) {
    if (pages == null) {
      return null;
    }
    boolean operate = signed.key().scope().covers(Scope.OPERATE);
    Set<Long> targets = new LinkedHashSet<>();
    if (operate) {
      OptionalLong current = current(deployments);
      for (Deployment d : deployments) {
        if (Rollbacks.isTarget(d, current)) {
          targets.add(d.id());
        }
      }
    }
    return new Controls(operate, stackPath(node, stack), Set.copyOf(targets));
  }

  /**
   * The deployment taken to run now: the page reads no engine, so as when no container says which
   * runs, the newest healthy one (the rule of {@link Rollbacks#current}).
   */
  private static OptionalLong current(List<Deployment> history) {
    return Rollbacks.current(history, OptionalLong.of(0));
  }

  static String stackPath(String node, String stack) {
    return "/ui/nodes/" + node + "/stacks/" + stack;
  }

  // ------------------------------------------------------------------------- confirmation

  /**
   * A confirmation: what will happen, in words.
   *
   * @param what sentences saying what the action does here
   * @param target the rollback's deployment (null otherwise)
   * @param selfCritical whether the service is self-critical and the action may cut access off
   * @param post where the form posts
   * @param planUrl the stack's plan (apply), loaded into the page, or a link without JavaScript
   */
  public record Confirmation(
      String action,
      String verb,
      String node,
      String stack,
      String project,
      String service,
      List<String> what,
      Deployment target,
      boolean selfCritical,
      String post,
      String cancel,
      String planUrl) {}

  private void confirm(Context ctx, String action) {
    SessionAuth.Signed signed = web.signedIn(ctx);
    requireOperate(signed.key());
    Fleet.Node node = web.nodeView(ctx).node();
    Fleet.Stack stack = stack(ctx, node);
    Project project = contract(ctx);
    String service = null;
    boolean selfCritical = false;
    List<String> what = new ArrayList<>();
    Deployment target = null;
    String where =
        "stack '"
            + stack.name()
            + "' (project "
            + stack.project()
            + ") on node '"
            + node.id()
            + "'";
    switch (action) {
      case "apply" -> {
        what.add("Apply the contract of " + where + " as it is now.");
        what.add(
            "Services whose configuration or image changed are re-created one at a time, each"
                + " waiting to become healthy; a service that does not is put back as it was.");
      }
      case "rollback" -> {
        target = rollbackTarget(ctx, node, stack);
        what.add(
            "Roll "
                + where
                + " back to deployment #"
                + target.id()
                + " ("
                + (target.revision() == null
                    ? "no revision recorded"
                    : "revision " + target.revision())
                + ", "
                + target.kind().name().toLowerCase(Locale.ROOT)
                + " by "
                + target.actor()
                + " at "
                + target.startedAt()
                + ").");
        what.add(
            "Each service is re-created from that deployment's configuration, with the images it"
                + " ran:");
      }
      default -> {
        service = ctx.pathParam("service");
        Service s = project.services().get(service);
        if (s == null) {
          throw UiError.notFound(
              "Stack '"
                  + stack.name()
                  + "' has no service '"
                  + service
                  + "'; its services are "
                  + String.join(", ", project.services().keySet())
                  + ".");
        }
        selfCritical = s.selvedge().selfCritical() && !action.equals("start");
        what.add(
            switch (action) {
              case "restart" ->
                  "Restart the containers of service '" + service + "' of " + where + ".";
              case "stop" ->
                  "Stop the containers of service '"
                      + service
                      + "' of "
                      + where
                      + ": it stays stopped (shown red) until started or applied again.";
              default ->
                  "Start the stopped containers of service '" + service + "' of " + where + ".";
            });
      }
    }
    String base = stackPath(node.id(), stack.name());
    String post =
        service == null ? base + "/" + action : base + "/services/" + service + "/" + action;
    Map<String, Object> p = new HashMap<>();
    p.put("page", Page.of(title(action, service, stack.name()), signed, web.assets(), ""));
    p.put(
        "c",
        new Confirmation(
            action,
            verb(action),
            node.id(),
            stack.name(),
            stack.project(),
            service,
            List.copyOf(what),
            target,
            selfCritical,
            post,
            base,
            action.equals("apply") ? base + "/plan" : null));
    web.html(ctx, "confirm.jte", p);
  }

  private static String title(String action, String service, String stack) {
    return "Confirm: "
        + verb(action).toLowerCase(Locale.ROOT)
        + " "
        + (service != null ? service : stack);
  }

  public static String verb(String action) {
    return switch (action) {
      case "apply" -> "Apply";
      case "rollback" -> "Roll back";
      case "restart" -> "Restart";
      case "stop" -> "Stop";
      default -> "Start";
    };
  }

  /** The rollback's target named by {@code to}: a healthy deployment of this stack, not current. */
  private Deployment rollbackTarget(Context ctx, Fleet.Node node, Fleet.Stack stack) {
    String raw = ctx.method().name().equals("POST") ? ctx.formParam("to") : ctx.queryParam("to");
    long to;
    try {
      to = Long.parseLong(raw == null ? "" : raw.strip());
    } catch (NumberFormatException e) {
      throw UiError.badRequest(
          "Choose the deployment to roll back to from the stack's deployments (to: a number).");
    }
    List<Deployment> history = history(ctx, node, stack);
    OptionalLong current = current(history);
    return history.stream()
        .filter(d -> d.id() == to && Rollbacks.isTarget(d, current))
        .findFirst()
        .orElseThrow(
            () ->
                UiError.notFound(
                    "Deployment #"
                        + to
                        + " is not a rollback target of stack '"
                        + stack.name()
                        + "' on node '"
                        + node.id()
                        + "': only its healthy deployments other than the one that runs are."));
  }

  private List<Deployment> history(Context ctx, Fleet.Node node, Fleet.Stack stack) {
    NodeView view = web.nodeView(ctx);
    String daemonId =
        view.state() == null || view.state().facts() == null
            ? null
            : view.state().facts().daemonId();
    return web.store()
        .deployments()
        .history(HostIdentity.of(daemonId, node.engine()), stack.project(), HISTORY);
  }

  // -------------------------------------------------------------------------------- run

  private void run(Context ctx, String action) {
    SessionAuth.Signed signed = web.signedIn(ctx);
    ApiKey key = signed.key();
    try {
      if (!SessionAuth.csrfValid(ctx, signed) || !WebUi.sameOrigin(ctx)) {
        throw new UiError(
            403,
            "The form's token is missing or stale, or the form came from another site: nothing"
                + " was run. Reload the page and try again.");
      }
      requireOperate(key);
      Fleet.Node node = web.nodeView(ctx).node();
      Fleet.Stack stack = stack(ctx, node);
      Long to = action.equals("rollback") ? rollbackTarget(ctx, node, stack).id() : null;
      boolean confirmed =
          "yes".equalsIgnoreCase(String.valueOf(ctx.formParam(CONFIRM_FIELD)).strip())
              || "yes".equalsIgnoreCase(String.valueOf(ctx.header(StackActions.CONFIRM)).strip());
      boolean force = "yes".equalsIgnoreCase(String.valueOf(ctx.formParam("force")).strip());
      String id = actions.start(ctx, key, action, to, force, confirmed);
      ctx.status(303).header("Location", "/ui/operations/" + id);
    } catch (UiError e) {
      actions.audit(ctx, key, action, e.status, e.getMessage());
      throw e;
    } catch (ApiError e) {
      UiError shown = shown(e, action);
      actions.audit(ctx, key, action, e.status(), e.getMessage());
      throw shown;
    } catch (StoreException e) {
      throw e; // 503, and the audit cannot be written either
    } catch (EngineUnreachableException | EngineException e) {
      LOG.log(System.Logger.Level.WARNING, "UI " + ctx.path() + ": " + e.getMessage());
      actions.audit(ctx, key, action, 502, "the node's engine failed");
      throw engineFailed(ctx);
    } catch (SelvedgeException e) {
      actions.audit(ctx, key, action, 500, e.getMessage());
      throw new UiError(500, sentence(e.getMessage()));
    }
  }

  private static UiError shown(ApiError e, String action) {
    if (e.status() == 428) {
      return new UiError(
          428,
          "Nothing was run. "
              + sentence(e.getMessage().replaceFirst("\\. Send the header .*$", ""))
              + " To "
              + action
              + " it anyway, tick the box that says you understand on the confirmation page.");
    }
    if (e.code().equals("verify_refused")) {
      return new UiError(
          422,
          sentence(
              e.getMessage()
                  .replace(
                      "send {\"force\": true} to apply anyway",
                      "tick \"Apply even if the contract fails verify\" on the confirmation page")));
    }
    return new UiError(e.status(), sentence(e.getMessage()));
  }

  private static UiError engineFailed(Context ctx) {
    return new UiError(
        502,
        "The engine of node '"
            + ctx.pathParam("node")
            + "' could not be reached or answered an error; the server's log says more.");
  }

  /** An API message as a sentence: capital first letter, a full stop. */
  static String sentence(String message) {
    if (message == null || message.isBlank()) {
      return "Refused.";
    }
    String s = Character.toUpperCase(message.charAt(0)) + message.substring(1);
    return s.endsWith(".") ? s : s + ".";
  }

  private static void requireOperate(ApiKey key) {
    if (!key.scope().covers(Scope.OPERATE)) {
      throw new UiError(
          403,
          "This needs a key of scope operate; the key '"
              + key.name()
              + "' is "
              + key.scope().label()
              + ". Nothing was run.");
    }
  }

  private static Fleet.Stack stack(Context ctx, Fleet.Node node) {
    String name = ctx.pathParam("stack");
    Fleet.Stack stack = node.stacks().get(name);
    if (stack == null) {
      throw UiError.notFound("Node '" + node.id() + "' runs no stack '" + name + "'.");
    }
    return stack;
  }

  private Project contract(Context ctx) {
    try {
      return actions.contract(ctx);
    } catch (ApiError e) {
      throw new UiError(e.status(), sentence(e.getMessage()));
    }
  }

  // ------------------------------------------------------------------------ logs and plan

  /** A service's log tail, one block per container. */
  public record Log(String name, List<String> lines, long leftOut, boolean timedOut) {}

  private void logs(Context ctx) {
    SessionAuth.Signed signed = web.signedIn(ctx);
    Fleet.Node node = web.nodeView(ctx).node();
    Fleet.Stack stack = stack(ctx, node);
    String service = ctx.pathParam("service");
    Map<String, Object> p = new HashMap<>();
    p.put("service", service);
    p.put("error", null);
    p.put("logs", List.of());
    p.put("limits", List.of());
    try {
      JsonNode answer = actions.logs(ctx);
      List<Log> logs = new ArrayList<>();
      for (JsonNode c : answer.path("containers")) {
        List<String> lines = new ArrayList<>();
        c.path("lines").forEach(l -> lines.add(l.asText()));
        logs.add(
            new Log(
                c.path("name").asText(),
                List.copyOf(lines),
                c.path("lines_left_out").asLong(),
                c.path("timed_out").asBoolean()));
      }
      List<String> limits = new ArrayList<>();
      answer.path("limits_hit").forEach(l -> limits.add(l.asText()));
      p.put("logs", List.copyOf(logs));
      p.put("limits", List.copyOf(limits));
      p.put("since", answer.path("since").asText());
      p.put("tail", answer.path("tail").asInt());
    } catch (ApiError | EngineUnreachableException | EngineException e) {
      panelError(ctx, p, e);
    }
    p.putIfAbsent("since", "");
    p.putIfAbsent("tail", 0);
    panel(
        ctx,
        signed,
        "logs.jte",
        p,
        "Logs of " + service + " (" + stack.name() + " on " + node.id() + ")",
        stackPath(node.id(), stack.name()));
  }

  /** One service's line of the plan. */
  public record PlanStep(String service, String action, List<String> reasons) {}

  private void plan(Context ctx) {
    SessionAuth.Signed signed = web.signedIn(ctx);
    Fleet.Node node = web.nodeView(ctx).node();
    Fleet.Stack stack = stack(ctx, node);
    Map<String, Object> p = new HashMap<>();
    p.put("error", null);
    p.put("changes", false);
    p.put("steps", List.of());
    p.put("other", List.of());
    try {
      JsonNode plan = actions.plan(ctx);
      List<PlanStep> steps = new ArrayList<>();
      for (JsonNode s : plan.path("services")) {
        List<String> reasons = new ArrayList<>();
        s.path("reasons").forEach(r -> reasons.add(r.asText()));
        steps.add(
            new PlanStep(
                s.path("service").asText(), s.path("action").asText(), List.copyOf(reasons)));
      }
      List<String> other = new ArrayList<>();
      for (String kind : List.of("networks", "volumes")) {
        for (JsonNode r : plan.path(kind)) {
          other.add(kind.substring(0, kind.length() - 1) + " " + text(r));
        }
      }
      for (JsonNode o : plan.path("orphans")) {
        other.add("orphan container " + o.path("name").asText() + " is removed");
      }
      p.put("changes", plan.path("changes").asBoolean());
      p.put("steps", List.copyOf(steps));
      p.put("other", List.copyOf(other));
    } catch (ApiError | EngineUnreachableException | EngineException e) {
      panelError(ctx, p, e);
    }
    panel(
        ctx,
        signed,
        "plan.jte",
        p,
        "Plan of " + stack.name() + " on " + node.id(),
        stackPath(node.id(), stack.name()));
  }

  private static String text(JsonNode n) {
    if (n.isObject()) {
      List<String> parts = new ArrayList<>();
      n.properties().forEach(e -> parts.add(e.getKey() + ": " + e.getValue().asText()));
      return String.join(", ", parts);
    }
    return n.asText();
  }

  /** A panel's failure: shown in the panel (htmx swaps only a 2xx answer), else an error page. */
  private static void panelError(Context ctx, Map<String, Object> p, RuntimeException e) {
    UiError shown;
    if (e instanceof ApiError a) {
      shown = new UiError(a.status(), sentence(a.getMessage()));
    } else {
      LOG.log(System.Logger.Level.WARNING, "UI " + ctx.path() + ": " + e.getMessage());
      shown = engineFailed(ctx);
    }
    if (ctx.header("HX-Request") == null) {
      throw shown;
    }
    p.put("error", shown.getMessage());
  }

  /** A panel: just its HTML for htmx, else a page of its own with a way back. */
  private void panel(
      Context ctx,
      SessionAuth.Signed signed,
      String template,
      Map<String, Object> p,
      String title,
      String back) {
    String html = web.render(template, p);
    if (ctx.header("HX-Request") != null) {
      ctx.contentType(WebUi.HTML).result(html);
      return;
    }
    Map<String, Object> page = new HashMap<>();
    page.put("page", Page.of(title, signed, web.assets(), ""));
    page.put("html", html);
    page.put("back", back);
    web.html(ctx, "panel_page.jte", page);
  }

  // ------------------------------------------------------------------------- operations

  /** An operation's step as shown. */
  public record Step(String at, String service, String kind, String message) {}

  /**
   * An operation as shown.
   *
   * @param outcome the result in words (null until it ends)
   */
  public record OperationView(
      String id,
      String action,
      String node,
      String stack,
      String service,
      String state,
      boolean terminal,
      String actor,
      String createdAt,
      String finishedAt,
      List<Step> steps,
      String outcome,
      String stackUrl) {
    /** What the page shows, in short: its state and how many steps. */
    public String seen() {
      return state + "-" + steps.size();
    }
  }

  private void operation(Context ctx) {
    SessionAuth.Signed signed = web.signedIn(ctx);
    OperationView op = view(ctx);
    Map<String, Object> p = new HashMap<>();
    p.put(
        "page",
        Page.of(
            "Operation "
                + op.action()
                + " of "
                + (op.service() != null ? op.service() : op.stack()),
            signed,
            web.assets(),
            ""));
    p.put("op", op);
    web.html(ctx, "operation.jte", p);
  }

  /**
   * The operation page's live fragment. Its poll names what it shows ({@code seen}): when nothing
   * changed since, the answer is 204 and htmx swaps nothing, so a screen reader is not read the
   * same steps again every second.
   */
  private void progress(Context ctx) {
    web.signedIn(ctx);
    OperationView op = view(ctx);
    if (op.seen().equals(ctx.queryParam("seen"))) {
      ctx.status(204);
      return;
    }
    ctx.contentType(WebUi.HTML).result(web.render("operation_progress.jte", Map.of("op", op)));
  }

  private OperationView view(Context ctx) {
    String id = ctx.pathParam("id");
    Operation op =
        actions
            .operations()
            .find(id)
            .orElseThrow(() -> UiError.notFound("There is no operation '" + id + "'."));
    List<Step> steps = new ArrayList<>();
    for (JsonNode s : json(op.steps())) {
      String message = s.path("message").asText("");
      if (s.has("outcome")) {
        message = message + ": " + s.path("outcome").asText() + " " + s.path("detail").asText("");
      } else if (s.has("passed")) {
        message = (s.path("passed").asBoolean() ? "passed: " : "failed: ") + message;
      }
      steps.add(
          new Step(
              s.path("at").asText(""),
              s.path("service").isMissingNode() || s.path("service").isNull()
                  ? null
                  : s.path("service").asText(),
              s.path("kind").asText(""),
              message.strip()));
    }
    return new OperationView(
        op.id(),
        op.action(),
        op.node(),
        op.stack(),
        op.service(),
        op.state().label(),
        op.state().terminal(),
        op.actor(),
        op.createdAt().toString(),
        op.finishedAt() == null ? null : op.finishedAt().toString(),
        List.copyOf(steps),
        op.result() == null ? null : outcome(json(op.result())),
        stackPath(op.node(), op.stack()));
  }

  private static String outcome(JsonNode r) {
    if (r.hasNonNull("error")) {
      return "error: " + r.path("error").asText();
    }
    List<String> parts = new ArrayList<>();
    if (r.hasNonNull("outcome")) {
      parts.add(r.path("outcome").asText());
    }
    if (r.hasNonNull("deployment") && r.path("deployment").asLong() > 0) {
      parts.add("deployment #" + r.path("deployment").asLong());
    }
    if (r.hasNonNull("summary")) {
      parts.add(r.path("summary").asText());
    }
    for (JsonNode c : r.path("containers")) {
      parts.add(c.asText());
    }
    return parts.isEmpty() ? "done" : String.join("; ", parts);
  }

  private static JsonNode json(String text) {
    try {
      return TreeJson.readFirst(text);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
