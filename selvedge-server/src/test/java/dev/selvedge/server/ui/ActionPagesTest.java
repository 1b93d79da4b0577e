package dev.selvedge.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.AuditLog;
import dev.selvedge.port.OperationStore.Operation;
import dev.selvedge.port.OperationStore.State;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The UI's actions over HTTP against a real control plane running the operations API and an H2
 * store: who sees which control, the confirmations' words, and every refusal (scope, CSRF, the
 * self-critical confirmation, unknown things) a readable page that ran nothing and is audited.
 * app-1's engine is not on loopback: no test here gets as far as asking it.
 */
class ActionPagesTest extends UiHttpTest {
  static final String STACK = "/ui/nodes/app-1/stacks/shop";

  @BeforeEach
  void start() {
    f = new UiFixture(dir, 3, true);
  }

  /** Nothing was started on app-1's shop. */
  void nothingRun() {
    assertThat(f.store.operations().unfinished("app-1", "shop")).isEmpty();
  }

  /** The newest audit event: the UI's request, with its key, address and outcome. */
  AuditLog.Event lastAudit() {
    List<AuditLog.Event> events = f.store.audit().find(AuditLog.Query.latest(1));
    assertThat(events).isNotEmpty();
    return events.get(0);
  }

  // -------------------------------------------------------------------------------- tests

  @Test
  void aReadKeySeesNoActionAndIsRefusedWhenItPostsTheFormAnyway() {
    String cookie = signIn(f.read);
    Answer page = get(STACK, cookie);
    assertThat(page.status()).isEqualTo(200);
    // Logs and plan on demand for everyone; no action control at all.
    assertThat(page.body())
        .contains("Logs of web", "Logs of db", "Show the plan", STACK + "/services/web/logs")
        .doesNotContain("data-action");
    String csrf = WebUiTest.csrf(page.body());
    assertThat(get(STACK + "/apply", cookie).status()).isEqualTo(403);
    for (String[] form :
        List.of(
            new String[] {STACK + "/apply", "csrf=" + csrf},
            new String[] {STACK + "/rollback", "csrf=" + csrf + "&to=1"},
            new String[] {STACK + "/services/db/restart", "csrf=" + csrf},
            new String[] {
              STACK + "/services/web/stop", "csrf=" + csrf + "&confirm_self_restart=yes"
            })) {
      Answer refused = post(form[0], cookie, form[1], "Origin", f.base());
      assertThat(refused.status()).as(form[0]).isEqualTo(403);
      assertThat(refused.body())
          .contains("This needs a key of scope operate; the key 'reader' is read");
      nothingRun();
      AuditLog.Event e = lastAudit();
      assertThat(e.actor()).isEqualTo("key:reader");
      assertThat(e.outcome()).isEqualTo("refused 403");
      assertThat(e.node()).isEqualTo("app-1");
      assertThat(e.source()).isEqualTo("127.0.0.1");
      assertThat(e.detail()).startsWith("from the web UI");
    }
  }

  @Test
  void anOperateKeySeesEachActionBehindAConfirmationThatSaysWhatHappens() {
    String cookie = signIn(f.operate);
    Answer page = get(STACK, cookie);
    assertThat(page.body())
        .contains("data-action=\"apply\"")
        .contains("data-action=\"restart\" data-service=\"web\"")
        .contains("data-action=\"stop\" data-service=\"db\"")
        .contains("data-action=\"start\" data-service=\"db\"")
        // Deployment 1 is healthy and older: a target; 2 runs now: not one.
        .contains("data-action=\"rollback\" data-deployment=\"1\"")
        .doesNotContain("data-action=\"rollback\" data-deployment=\"2\"");

    Answer rollback = get(STACK + "/rollback?to=1", cookie);
    assertThat(rollback.status()).isEqualTo(200);
    assertThat(rollback.body())
        .contains("back to deployment #1 (revision abc123", "by ana@ci")
        .contains("<code>web</code>: <code>nginx@sha256:1111</code>")
        .contains("<dd>app-1</dd>", "<dd>shop</dd>", "<code>shop</code>")
        .contains("name=\"to\" value=\"1\"", "name=\"csrf\"", "href=\"" + STACK + "\"");
    assertThat(get(STACK + "/rollback?to=2", cookie).status()).isEqualTo(404);
    assertThat(get(STACK + "/rollback?to=x", cookie).status()).isEqualTo(400);

    Answer apply = get(STACK + "/apply", cookie);
    assertThat(apply.body())
        .contains("Apply the contract of stack 'shop' (project shop) on node 'app-1'")
        .contains("hx-get=\"" + STACK + "/plan\"", "name=\"force\"");

    Answer web = get(STACK + "/services/web/restart", cookie);
    assertThat(web.body())
        .contains("is marked self-critical")
        .contains("name=\"confirm_self_restart\" value=\"yes\" required");
    Answer db = get(STACK + "/services/db/stop", cookie);
    assertThat(db.body()).contains("Stop the containers of service 'db'");
    assertThat(db.body()).doesNotContain("confirm_self_restart");
    // Starting cannot cut anyone off: no second confirmation.
    assertThat(get(STACK + "/services/web/start", cookie).body())
        .doesNotContain("confirm_self_restart");
    nothingRun();
  }

  @Test
  void withoutTheFormTokenNothingRuns() {
    String cookie = signIn(f.operate);
    String csrf = WebUiTest.csrf(get(STACK, cookie).body());
    Answer none = post(STACK + "/services/db/restart", cookie, "", "Origin", f.base());
    assertThat(none.status()).isEqualTo(403);
    assertThat(none.body()).contains("The form's token is missing or stale");
    Answer wrong =
        post(STACK + "/services/db/restart", cookie, "csrf=" + "0".repeat(64), "Origin", f.base());
    assertThat(wrong.status()).isEqualTo(403);
    // A valid token from another site's form: refused by its Origin.
    Answer elsewhere =
        post(
            STACK + "/services/db/restart",
            cookie,
            "csrf=" + csrf,
            "Origin",
            "http://evil.example");
    assertThat(elsewhere.status()).isEqualTo(403);
    nothingRun();
    assertThat(lastAudit().outcome()).isEqualTo("refused 403");
    assertThat(lastAudit().actor()).isEqualTo("key:operator");
    // Signed out: to the sign-in page, nothing run.
    Answer out = post(STACK + "/apply", null, "csrf=" + csrf, "Origin", f.base());
    assertThat(out.status()).isEqualTo(303);
    assertThat(out.header("Location")).isEqualTo("/ui/sign-in");
    nothingRun();
  }

  @Test
  void aSelfCriticalServiceNeedsTheSecondConfirmation() {
    String cookie = signIn(f.operate);
    String csrf = WebUiTest.csrf(get(STACK, cookie).body());
    for (String verb : List.of("restart", "stop")) {
      Answer refused =
          post(STACK + "/services/web/" + verb, cookie, "csrf=" + csrf, "Origin", f.base());
      assertThat(refused.status()).isEqualTo(428);
      assertThat(refused.body())
          .contains("Nothing was run.")
          .contains("is marked x-selvedge.self-critical")
          .contains("tick the box")
          .doesNotContain("Send the header");
      nothingRun();
      AuditLog.Event e = lastAudit();
      assertThat(e.action()).isEqualTo(verb);
      assertThat(e.service()).isEqualTo("web");
      assertThat(e.outcome()).isEqualTo("refused 428");
      assertThat(e.actor()).isEqualTo("key:operator");
    }
  }

  @Test
  void unknownNodeStackServiceAndOperationAreReadable404s() {
    String cookie = signIn(f.operate);
    String csrf = WebUiTest.csrf(get(STACK, cookie).body());
    Answer service =
        post(STACK + "/services/cache/restart", cookie, "csrf=" + csrf, "Origin", f.base());
    assertThat(service.status()).isEqualTo(404);
    assertThat(service.body()).contains("has no service 'cache'");
    assertThat(get(STACK + "/services/cache/restart", cookie).status()).isEqualTo(404);
    Answer node = post("/ui/nodes/nope/stacks/shop/apply", cookie, "csrf=" + csrf);
    assertThat(node.status()).isEqualTo(404);
    assertThat(node.body()).contains("There is no node 'nope'");
    assertThat(post("/ui/nodes/app-2/stacks/api/apply", cookie, "csrf=" + csrf).status())
        .isEqualTo(404);
    assertThat(get("/ui/operations/0123", cookie).status()).isEqualTo(404);
    nothingRun();
  }

  @Test
  void theOperationPagePollsWhileRunningAndStopsOnceEnded() {
    String cookie = signIn(f.read);
    f.store
        .operations()
        .create(
            new Operation(
                "0a1b2c",
                "app-1",
                "shop",
                "db",
                "restart",
                State.QUEUED,
                "key:operator",
                "r1",
                null,
                "h",
                f.clock.instant(),
                null,
                null,
                null,
                null,
                null));
    f.store.operations().started("0a1b2c", f.clock.instant());
    f.store
        .operations()
        .steps(
            "0a1b2c",
            "[{\"kind\":\"step\",\"message\":\"restarting shop-db-1\",\"service\":\"db\","
                + "\"at\":\"2026-03-01T10:00:01Z\"}]");
    Answer running = get("/ui/operations/0a1b2c", cookie);
    assertThat(running.status()).isEqualTo(200);
    assertThat(running.body())
        .contains("data-state=\"running\"")
        .contains(
            "hx-get=\"/ui/operations/0a1b2c/progress?seen=running-1\" hx-trigger=\"every 1s\"")
        .contains("<code>db</code> restarting shop-db-1")
        .contains("href=\"" + STACK + "\"");
    Answer fragment = get("/ui/operations/0a1b2c/progress", cookie, "HX-Request", "true");
    assertThat(fragment.body()).startsWith("<div id=\"progress\"").doesNotContain("<html");
    // Nothing new since the page was rendered: nothing to swap.
    Answer same =
        get("/ui/operations/0a1b2c/progress?seen=running-1", cookie, "HX-Request", "true");
    assertThat(same.status()).isEqualTo(204);
    assertThat(same.body()).isEmpty();
    f.store
        .operations()
        .finish(
            "0a1b2c",
            State.SUCCEEDED,
            "[{\"kind\":\"step\",\"message\":\"restarting shop-db-1\",\"service\":\"db\","
                + "\"at\":\"2026-03-01T10:00:01Z\"}]",
            "{\"action\":\"restart\",\"service\":\"db\",\"containers\":[\"shop-db-1\"]}",
            f.clock.instant());
    Answer ended =
        get("/ui/operations/0a1b2c/progress?seen=running-1", cookie, "HX-Request", "true");
    assertThat(ended.body())
        .contains("data-state=\"succeeded\"", "Outcome: shop-db-1")
        .doesNotContain("hx-trigger");
  }

  @Test
  void aBusyStackNamesWhoHoldsIt() {
    // Another server's apply under way on app-1's shop (recorded since this one started).
    f.store
        .operations()
        .create(
            new Operation(
                "feed01",
                "app-1",
                "shop",
                null,
                "apply",
                State.QUEUED,
                "key:colleague",
                "r0",
                null,
                "h",
                f.clock.instant(),
                null,
                null,
                null,
                null,
                null));
    String cookie = signIn(f.operate);
    String csrf = WebUiTest.csrf(get(STACK, cookie).body());
    Answer busy = post(STACK + "/services/db/restart", cookie, "csrf=" + csrf, "Origin", f.base());
    assertThat(busy.status()).isEqualTo(409);
    assertThat(busy.body())
        .contains("<h1>Busy</h1>")
        .contains(
            "Stack 'shop' on node 'app-1' is busy: key:colleague has been running 'apply'"
                + " (operation feed01)");
    assertThat(f.store.operations().unfinished("app-1", "shop"))
        .extracting(Operation::id)
        .containsExactly("feed01");
    assertThat(lastAudit().outcome()).isEqualTo("refused 409");
  }

  @Test
  void anApplyOfAContractThatFailsVerifyIsRefusedInWords() {
    // The guard of this test: the contract fails verify, so no engine is ever asked.
    dev.selvedge.contract.model.Project project =
        dev.selvedge.contract.compose.ComposeLoader.load(
            dev.selvedge.fleet.LiveStackReader.loadOptions(
                new dev.selvedge.fleet.Fleet.Stack("shop", dir.resolve("repo"), "shop", null, null),
                java.util.Map.of()));
    assertThat(dev.selvedge.operations.VerifyGate.judge(project, false).decision())
        .isEqualTo(dev.selvedge.operations.VerifyGate.Decision.REFUSED);
    String cookie = signIn(f.operate);
    String csrf = WebUiTest.csrf(get(STACK, cookie).body());
    Answer refused = post(STACK + "/apply", cookie, "csrf=" + csrf, "Origin", f.base());
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.body())
        .contains("Apply refused: the contract fails verify", "healthcheck-missing")
        .contains("tick \"Apply even if the contract fails verify\" on the confirmation page")
        .doesNotContain("force\": true");
    nothingRun();
    assertThat(lastAudit().outcome()).isEqualTo("refused 422");
  }
}
