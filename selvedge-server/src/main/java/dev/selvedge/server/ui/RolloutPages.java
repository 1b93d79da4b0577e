package dev.selvedge.server.ui;

import dev.selvedge.SelvedgeException;
import dev.selvedge.fleet.rollout.RolloutService;
import dev.selvedge.fleet.update.AutoUpdate;
import dev.selvedge.fleet.update.AutoUpdate.StackCheck;
import dev.selvedge.port.ApiKeyStore.ApiKey;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.AutoUpdateStore;
import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;
import dev.selvedge.port.RolloutStore.State;
import dev.selvedge.port.Store;
import dev.selvedge.port.StoreException;
import dev.selvedge.server.ApiError;
import dev.selvedge.server.RolloutActions;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Fleet rollouts and auto-update in the web UI: {@code /ui/rollouts} (newest first), {@code
 * /ui/rollouts/{id}} (its nodes by wave, redrawn in place when a {@code rollout.*} event of it
 * arrives), and {@code /ui/updates} (each auto-update stack: schedule, window, next and last check,
 * digests seen, attempts and their rollouts). Operate keys get resume, abort and rollback behind a
 * confirmation, and "check now"; each runs the API's own code ({@link RolloutActions}). Reading is
 * for every signed-in key, as the API's reads are.
 */
public final class RolloutPages {
  private static final System.Logger LOG = System.getLogger(RolloutPages.class.getName());

  /** Rollouts the list shows. */
  public static final int SHOWN = 100;

  /** Attempts shown per auto-update stack (as the API). */
  public static final int ATTEMPTS = 20;

  /** The actions on a rollout, as the API names them. */
  static final List<String> ACTIONS = List.of("resume", "abort", "rollback");

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final WebUi web;
  private final Store store;
  private final RolloutActions actions;

  RolloutPages(WebUi web, Store store, RolloutActions actions) {
    this.web = web;
    this.store = store;
    this.actions = actions;
  }

  void register(RoutesConfig routes) {
    routes.get("/ui/rollouts", web.page(this::list));
    routes.get("/ui/rollouts/{id}", web.page(this::detail));
    for (String action : ACTIONS) {
      routes.get("/ui/rollouts/{id}/" + action, web.page(ctx -> confirm(ctx, action)));
      routes.post("/ui/rollouts/{id}/" + action, web.page(ctx -> run(ctx, action)));
    }
    routes.get("/ui/updates", web.page(this::updates));
    routes.get("/ui/updates/check", web.page(ctx -> confirm(ctx, "check")));
    routes.post("/ui/updates/check", web.page(ctx -> run(ctx, "check")));
  }

  // ------------------------------------------------------------------------------ the list

  /**
   * A rollout as a row of the list.
   *
   * @param endedAt when it ended (null while running or rolling back)
   */
  public record Row(
      String id,
      String stack,
      String selector,
      String waves,
      String state,
      String reason,
      String failedNode,
      String createdAt,
      String endedAt,
      String actor) {
    public String url() {
      return "/ui/rollouts/" + id;
    }
  }

  static Row row(Rollout r) {
    return new Row(
        r.id(),
        r.stack(),
        r.selector(),
        r.waves(),
        r.state().label(),
        r.reason(),
        r.failedNode(),
        time(r.createdAt()),
        r.state().active() ? null : time(r.updatedAt()),
        r.actor());
  }

  private void list(Context ctx) {
    SessionAuth.Signed signed = web.signedIn(ctx);
    String after = ctx.header("HX-Target") == null ? web.latestEventId() : "";
    List<Row> rows = store.rollouts().list(SHOWN).stream().map(RolloutPages::row).toList();
    if ("rollouts".equals(ctx.header("HX-Target"))) {
      ctx.contentType(WebUi.HTML).result(web.render("rollouts_table.jte", Map.of("rows", rows)));
      return;
    }
    Map<String, Object> p = new HashMap<>();
    p.put("page", Page.of("Rollouts", signed, web.assets(), "rollouts"));
    p.put("rows", rows);
    p.put("after", after);
    web.html(ctx, "rollouts.jte", p);
  }

  // ---------------------------------------------------------------------------- one rollout

  /** A node's step as shown. */
  public record NodeRow(
      String node,
      String step,
      String detail,
      Long previous,
      Long deployment,
      String updatedAt,
      boolean failed) {}

  /** A wave and its nodes, in the rollout's order. */
  public record Wave(int number, String label, List<NodeRow> nodes) {}

  /**
   * A rollout as its page shows it.
   *
   * @param offered the actions this key may ask now (empty for a read key or a server without
   *     rollouts), in the order shown
   */
  public record Detail(
      Row row,
      Map<String, String> images,
      String gateTimeout,
      int parallel,
      boolean force,
      String owner,
      String leaseUntil,
      String updatedAt,
      List<Wave> waves,
      List<String> offered) {}

  private Rollout found(String id) {
    if (!ID.matcher(id).matches()) {
      throw UiError.notFound("There is no rollout '" + id + "'.");
    }
    return store
        .rollouts()
        .find(id)
        .orElseThrow(() -> UiError.notFound("There is no rollout '" + id + "'."));
  }

  private Detail detail(Rollout r, ApiKey key) {
    Map<Integer, List<NodeRow>> byWave = new LinkedHashMap<>();
    for (NodeStep s : store.rollouts().steps(r.id())) {
      byWave
          .computeIfAbsent(s.wave(), w -> new ArrayList<>())
          .add(
              new NodeRow(
                  s.node(),
                  s.step().label(),
                  s.detail(),
                  s.previous(),
                  s.deployment(),
                  time(s.updatedAt()),
                  s.node().equals(r.failedNode())));
    }
    List<Wave> waves = new ArrayList<>();
    byWave.forEach(
        (w, nodes) ->
            waves.add(new Wave(w, w == 0 ? "Wave 0 (canary)" : "Wave " + w, List.copyOf(nodes))));
    List<String> offered = new ArrayList<>();
    if (operate(key) && actions != null && actions.runsRollouts()) {
      for (String a : ACTIONS) {
        if (offers(r, a)) {
          offered.add(a);
        }
      }
    }
    return new Detail(
        row(r),
        r.images(),
        r.gateTimeout() == null
            ? null
            : dev.selvedge.contract.compose.GoDuration.format(r.gateTimeout()),
        r.parallel(),
        r.force(),
        r.owner(),
        r.owner() == null ? null : time(r.leaseUntil()),
        time(r.updatedAt()),
        List.copyOf(waves),
        List.copyOf(offered));
  }

  /**
   * Whether {@code action} makes sense for the rollout's state (the service's own rules decide when
   * it is asked): resume a halted or aborted one, abort a running or halted one, roll back one that
   * is not running and not rolled back yet.
   */
  static boolean offers(Rollout r, String action) {
    State s = r.state();
    return switch (action) {
      case "resume" -> s == State.HALTED || s == State.ABORTED;
      case "abort" -> s.canGo(State.ABORTED) && s != State.ABORTED;
      case "rollback" -> s.canGo(State.ROLLING_BACK);
      default -> false;
    };
  }

  private void detail(Context ctx) {
    SessionAuth.Signed signed = web.signedIn(ctx);
    String after = ctx.header("HX-Target") == null ? web.latestEventId() : ""; // before the read
    Rollout r = found(ctx.pathParam("id"));
    Detail d = detail(r, signed.key());
    if ("rollout".equals(ctx.header("HX-Target"))) {
      ctx.contentType(WebUi.HTML).result(web.render("rollout_body.jte", Map.of("d", d)));
      return;
    }
    Map<String, Object> p = new HashMap<>();
    p.put("page", page(r, signed));
    p.put("d", d);
    p.put("after", after);
    web.html(ctx, "rollout.jte", p);
  }

  private Page page(Rollout r, SessionAuth.Signed signed) {
    return Page.of("Rollout " + r.id() + " of " + r.stack(), signed, web.assets(), "rollouts");
  }

  // ------------------------------------------------------------------------ confirmations

  /**
   * A confirmation of a rollout's action or of an auto-update check: what will happen, in words.
   */
  public record Confirmation(
      String action,
      String title,
      String button,
      List<String> what,
      String post,
      String cancel,
      String crumb,
      String crumbUrl) {}

  private void confirm(Context ctx, String action) {
    SessionAuth.Signed signed = web.signedIn(ctx);
    requireOperate(signed.key());
    Confirmation c;
    if (action.equals("check")) {
      requireChecks();
      c =
          new Confirmation(
              "check",
              "Check for image updates now?",
              "Check now",
              List.of(
                  "Ask the registries now for the digest each followed tag points to, for every"
                      + " stack with auto_update.",
                  "A new digest starts a rollout of its stack pinned to it, inside the stack's"
                      + " window only; a digest attempted before is not started again."),
              "/ui/updates/check",
              "/ui/updates",
              "Updates",
              "/ui/updates");
    } else {
      requireRollouts();
      Rollout r = found(ctx.pathParam("id"));
      if (!offers(r, action)) {
        throw new UiError(
            409,
            "Rollout "
                + r.id()
                + " is "
                + r.state().label()
                + ": there is nothing to "
                + (action.equals("rollback") ? "roll back" : action)
                + ".");
      }
      String where = "rollout " + r.id() + " of stack '" + r.stack() + "' (" + r.selector() + ")";
      List<String> what =
          switch (action) {
            case "resume" ->
                RolloutService.haltedInRollback(r)
                    ? List.of(
                        "Continue the rollback of "
                            + where
                            + ": the nodes not put back yet are put back to the deployment the"
                            + " rollout replaced.")
                    : List.of(
                        "Run " + where + " again from where it stopped.",
                        "Its failed, rolled-back and skipped nodes are applied again, wave by"
                            + " wave; the healthy ones stay as they are. It halts again at the"
                            + " first node whose gate fails.");
            case "abort" ->
                List.of(
                    "Abort " + where + ": no further node is started.",
                    "A node being applied now finishes its apply; the nodes already changed stay"
                        + " as they are (roll the rollout back to put them back).");
            default ->
                List.of(
                    "Roll "
                        + where
                        + " back: every node it changed goes back to the deployment it"
                        + " replaced, one wave at a time.");
          };
      String base = "/ui/rollouts/" + r.id();
      c =
          new Confirmation(
              action,
              verb(action) + " rollout " + r.id() + "?",
              verb(action),
              what,
              base + "/" + action,
              base,
              "Rollout " + r.id(),
              base);
    }
    Map<String, Object> p = new HashMap<>();
    p.put("page", Page.of("Confirm: " + c.title(), signed, web.assets(), ""));
    p.put("c", c);
    web.html(ctx, "rollout_confirm.jte", p);
  }

  public static String verb(String action) {
    return switch (action) {
      case "resume" -> "Resume";
      case "abort" -> "Abort";
      case "rollback" -> "Roll back";
      default -> "Check now";
    };
  }

  // -------------------------------------------------------------------------------- run

  private void run(Context ctx, String action) {
    SessionAuth.Signed signed = web.signedIn(ctx);
    ApiKey key = signed.key();
    String audited = action.equals("check") ? "autoupdate.check" : "rollout." + action;
    try {
      if (!SessionAuth.csrfValid(ctx, signed) || !WebUi.sameOrigin(ctx)) {
        throw new UiError(
            403,
            "The form's token is missing or stale, or the form came from another site: nothing"
                + " was done. Reload the page and try again.");
      }
      requireOperate(key);
      if (action.equals("check")) {
        requireChecks();
        List<StackCheck> checks = actions.checkNow(ctx, key);
        long started = checks.stream().filter(c -> c.rolloutId() != null).count();
        ctx.status(303)
            .header("Location", "/ui/updates?checked=" + checks.size() + "&started=" + started);
      } else {
        requireRollouts();
        String id = ctx.pathParam("id");
        found(id);
        actions.act(ctx, key, id, action);
        ctx.status(303).header("Location", "/ui/rollouts/" + id);
      }
    } catch (UiError e) {
      audit(ctx, key, audited, e.status, e.getMessage());
      throw e;
    } catch (ApiError e) {
      UiError shown = new UiError(e.status(), ActionPages.sentence(e.getMessage()));
      audit(ctx, key, audited, e.status(), e.getMessage());
      throw shown;
    } catch (StoreException e) {
      throw e; // 503, and the audit cannot be written either
    } catch (SelvedgeException e) {
      LOG.log(System.Logger.Level.WARNING, "UI " + ctx.path() + ": " + e.getMessage());
      audit(ctx, key, audited, 500, e.getMessage());
      throw new UiError(500, ActionPages.sentence(e.getMessage()));
    }
  }

  private void audit(Context ctx, ApiKey key, String action, int status, String refusal) {
    if (actions != null) {
      actions.audit(ctx, key, action, status, refusal);
    }
  }

  private static boolean operate(ApiKey key) {
    return key.scope().covers(Scope.OPERATE);
  }

  private static void requireOperate(ApiKey key) {
    if (!operate(key)) {
      throw new UiError(
          403,
          "This needs a key of scope operate; the key '"
              + key.name()
              + "' is "
              + key.scope().label()
              + ". Nothing was done.");
    }
  }

  private void requireRollouts() {
    if (actions == null || !actions.runsRollouts()) {
      throw new UiError(503, "This server runs no rollouts (it has no operations settings).");
    }
  }

  private void requireChecks() {
    if (actions == null || !actions.checks()) {
      throw new UiError(
          503, "This server reads no registries (it has no operations settings): it cannot check.");
    }
  }

  // ------------------------------------------------------------------------------ updates

  /**
   * One followed service of an auto-update stack.
   *
   * @param state its last check's verdict ({@code current}, {@code due}, ...), null when not
   *     checked since this server started
   * @param seenDigest the digest its tag pointed to when last seen, and when
   * @param attempt its newest attempt: a rollout started for a new digest, or null
   */
  public record ServiceRow(
      String service,
      String reference,
      String state,
      String message,
      String seenDigest,
      String seenAt,
      AutoUpdateStore.Attempt attempt) {}

  /** An auto-update stack as the page shows it. */
  public record UpdateStack(
      String name,
      String schedule,
      String window,
      List<String> services,
      List<String> waves,
      String gateTimeout,
      List<String> nodes,
      String nextCheck,
      String lastCheckAt,
      String lastRollout,
      String skipped,
      List<ServiceRow> rows,
      List<AutoUpdateStore.Attempt> attempts) {}

  private void updates(Context ctx) {
    SessionAuth.Signed signed = web.signedIn(ctx);
    String after = ctx.header("HX-Target") == null ? web.latestEventId() : "";
    List<UpdateStack> stacks = new ArrayList<>();
    for (RolloutActions.UpdateView v :
        actions == null ? List.<RolloutActions.UpdateView>of() : actions.updates()) {
      stacks.add(stack(v));
    }
    boolean check = operate(signed.key()) && actions != null && actions.checks();
    Map<String, Object> p = new HashMap<>();
    p.put("stacks", List.copyOf(stacks));
    p.put("check", check);
    p.put("available", actions != null && actions.checks());
    if ("updates".equals(ctx.header("HX-Target"))) {
      ctx.contentType(WebUi.HTML).result(web.render("updates_body.jte", p));
      return;
    }
    p.put("page", Page.of("Updates", signed, web.assets(), "updates"));
    p.put("after", after);
    p.put("checked", count(ctx.queryParam("checked")));
    p.put("started", count(ctx.queryParam("started")));
    web.html(ctx, "updates.jte", p);
  }

  private UpdateStack stack(RolloutActions.UpdateView v) {
    AutoUpdate.Target t = v.target();
    Map<String, AutoUpdateStore.Seen> seen = store.autoUpdates().seen(t.name());
    List<AutoUpdateStore.Attempt> attempts = store.autoUpdates().attempts(t.name(), ATTEMPTS);
    StackCheck last = v.lastCheck();
    List<ServiceRow> rows = new ArrayList<>();
    for (String service : t.policy().services()) {
      AutoUpdate.ServiceCheck c =
          last == null
              ? null
              : last.services().stream()
                  .filter(s -> s.service().equals(service))
                  .findFirst()
                  .orElse(null);
      AutoUpdateStore.Seen s = seen.get(service);
      AutoUpdateStore.Attempt a =
          attempts.stream().filter(x -> x.service().equals(service)).findFirst().orElse(null);
      rows.add(
          new ServiceRow(
              service,
              c != null && c.reference() != null ? c.reference() : s == null ? null : s.reference(),
              c == null ? null : c.state().name().toLowerCase(java.util.Locale.ROOT),
              c == null ? null : c.message(),
              s == null ? null : s.digest(),
              s == null ? null : time(s.at()),
              a));
    }
    var policy = t.policy();
    return new UpdateStack(
        t.name(),
        policy.schedule().toString(),
        policy.window() == null ? null : policy.window().toString(),
        policy.services(),
        policy.waves(),
        dev.selvedge.contract.compose.GoDuration.format(policy.gateTimeout()),
        List.copyOf(t.nodes().keySet()),
        time(v.nextCheck()),
        last == null ? null : time(last.at()),
        last == null ? null : last.rolloutId(),
        last == null ? null : last.skipped(),
        List.copyOf(rows),
        attempts);
  }

  private static Integer count(String raw) {
    if (raw == null || raw.isBlank() || raw.length() > 6) {
      return null;
    }
    try {
      int n = Integer.parseInt(raw.strip());
      return n < 0 ? null : n;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static String time(Instant at) {
    return at == null ? null : at.toString();
  }
}
