package dev.selvedge.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.fleet.Notification;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.AutoUpdateStore;
import dev.selvedge.port.EventStore;
import dev.selvedge.port.NotificationStore.Delivery;
import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;
import dev.selvedge.port.RolloutStore.State;
import dev.selvedge.port.RolloutStore.Step;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rollouts, auto-update and notification pages over HTTP against a real control plane running
 * the operations API (so the rollout service) on an H2 store, with rollouts, attempts and
 * deliveries planted through the store's ports: what each page shows, who sees which action, every
 * refusal a page that changed nothing and is audited, an abort through its confirmation, and no
 * secret shown. No test here lets a rollout run (app-1's engine is not on loopback): only aborts
 * and refusals.
 */
class RolloutPagesTest extends UiHttpTest {
  /** Where a secret could leak into the rollout's pages: a webhook's path and query. */
  static final String HOOK_SECRET = "hook-Tok3n-9d7e";

  @Override
  List<String> secrets() {
    return List.of(HOOK_SECRET);
  }

  @BeforeEach
  void start() {
    f = new UiFixture(dir, 3, true);
  }

  AuditLog.Event lastAudit() {
    List<AuditLog.Event> events = f.store.audit().find(AuditLog.Query.latest(1));
    assertThat(events).isNotEmpty();
    return events.get(0);
  }

  // ------------------------------------------------------------------------------ planting

  static final String OWNER = "cli 4242 on build-1";

  /**
   * A rollout of stack shop over app-1 (canary), app-2 and app-3, started {@code minutes} before
   * the fixture's now by {@code actor}, as the rollout service records one: running, its owner's
   * lease live for a minute.
   */
  Rollout plant(String id, int minutes, String actor) {
    Instant at = f.clock.instant().minus(Duration.ofMinutes(minutes));
    Rollout r =
        new Rollout(
            id,
            "shop",
            "tag:eu",
            "1,100%",
            Map.of("web", "nginx:1.28"),
            Duration.ofSeconds(90),
            4,
            false,
            State.RUNNING,
            actor,
            at,
            at,
            OWNER,
            f.clock.instant().plusSeconds(60),
            null,
            null);
    f.store
        .rollouts()
        .create(
            r,
            List.of(
                new NodeStep("app-1", 0, 0, Step.PENDING, null, null, null, null, at),
                new NodeStep("app-2", 1, 1, Step.PENDING, null, null, null, null, at),
                new NodeStep("app-3", 1, 2, Step.PENDING, null, null, null, null, at)),
            Duration.ofMinutes(1)); // the owner's lease, on the database's clock
    return r;
  }

  /** Node {@code node} of rollout {@code id} reached {@code step}, as its owner writes it. */
  void step(String id, String node, int wave, int position, Step step, String detail) {
    assertThat(
            f.store
                .rollouts()
                .step(
                    id,
                    OWNER,
                    new NodeStep(
                        node, wave, position, step, null, 7L, 9L, detail, f.clock.instant())))
        .isTrue();
  }

  void transition(String id, State to, String reason, String failedNode) {
    assertThat(
            f.store
                .rollouts()
                .transition(id, OWNER, to, reason, failedNode, f.clock.instant(), null))
        .isTrue();
  }

  /** A halted rollout: the canary failed its gate (with markup in its words, to be escaped). */
  Rollout halted() {
    Rollout r = plant("a1b2c3d4", 30, "key:ops-bot");
    step("a1b2c3d4", "app-1", 0, 0, Step.FAILED, "gate failed: web <script>alert(1)</script>");
    step("a1b2c3d4", "app-2", 1, 1, Step.SKIPPED, "not started: the rollout halted");
    transition("a1b2c3d4", State.HALTED, "node app-1: gate failed: web unhealthy", "app-1");
    return r;
  }

  /**
   * The stored events of {@code type} after {@code after}, once at least one is there: the event
   * hub writes on its own thread (waits on that condition, 10 s at most).
   */
  List<EventStore.StoredEvent> events(long after, String type) {
    EventStore.Filter filter = new EventStore.Filter(List.of(), List.of(), List.of(type));
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<EventStore.StoredEvent> found = f.store.events().after(after, filter, 20);
    while (found.isEmpty() && System.nanoTime() < until) {
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      found = f.store.events().after(after, filter, 20);
    }
    return found;
  }

  // ---------------------------------------------------------------------------- rollouts

  @Test
  void theListShowsRolloutsNewestFirstWithWhatHappenedAndWho() {
    halted();
    plant("e5f6a7b8", 5, "auto-update");
    String cookie = signIn(f.read);
    Answer page = get("/ui/rollouts", cookie);
    assertThat(page.status()).isEqualTo(200);
    String b = page.body();
    assertThat(b)
        .contains("href=\"/ui/rollouts\" aria-current=\"page\"", "href=\"/ui/updates\"")
        .contains("href=\"/ui/notifications\"")
        .contains("data-live=\"rollouts\"", "data-filter=\"type=rollout.\"")
        .contains("<tr data-rollout=\"e5f6a7b8\" data-state=\"running\">")
        .contains("<tr data-rollout=\"a1b2c3d4\" data-state=\"halted\">")
        .contains("<code>tag:eu</code>", "<code>1,100%</code>", "key:ops-bot", "auto-update")
        .contains("<strong>app-1</strong>: node app-1: gate failed: web unhealthy")
        .contains("href=\"/ui/rollouts/a1b2c3d4\"")
        .contains("<time datetime=\"2026-03-01T09:30:00Z\">")
        .contains("under way"); // the running one has not ended
    assertThat(b.indexOf("data-rollout=\"e5f6a7b8\""))
        .as("newest first")
        .isLessThan(b.indexOf("data-rollout=\"a1b2c3d4\""));
    // The halted one ended when it halted (the fixture's now).
    assertThat(b).contains("<time datetime=\"2026-03-01T10:00:00Z\">");

    // The live script's redraw: the table alone.
    Answer table = get("/ui/rollouts", cookie, "HX-Request", "true", "HX-Target", "rollouts");
    assertThat(table.body()).startsWith("<section id=\"rollouts\"").doesNotContain("<html");
  }

  @Test
  void theDetailShowsNodesByWaveEscapedAndItsFragmentForTheLiveRedraw() {
    halted();
    String cookie = signIn(f.read);
    Answer page = get("/ui/rollouts/a1b2c3d4", cookie);
    assertThat(page.status()).isEqualTo(200);
    String b = page.body();
    assertThat(b)
        .contains("data-live=\"rollout\"", "data-rollout=\"a1b2c3d4\"", "data-fragment=\"rollout\"")
        .contains("data-filter=\"type=rollout.&amp;stack=shop\"")
        .contains("<section id=\"rollout\" data-state=\"halted\"")
        .contains("Wave 0 (canary)", "Wave 1")
        .contains("<tr data-node=\"app-1\" data-wave=\"0\" data-step=\"failed\">")
        .contains("<tr data-node=\"app-2\" data-wave=\"1\" data-step=\"skipped\">")
        .contains("<tr data-node=\"app-3\" data-wave=\"1\" data-step=\"pending\">")
        .contains("not started: the rollout halted", "#9", "#7")
        .contains("<dd id=\"rollout-failed\">app-1</dd>")
        .contains("node app-1: gate failed: web unhealthy")
        .contains("<code>web</code>: <code>nginx:1.28</code>", "gate 1m30s", "key:ops-bot")
        // A node's detail is text, never markup.
        .contains("web &lt;script&gt;alert(1)&lt;/script&gt;")
        .doesNotContain("<script>alert");
    // A read key sees no action.
    assertThat(b).doesNotContain("data-action");

    Answer fragment =
        get("/ui/rollouts/a1b2c3d4", cookie, "HX-Request", "true", "HX-Target", "rollout");
    assertThat(fragment.body())
        .startsWith("<section id=\"rollout\" data-state=\"halted\"")
        .doesNotContain("<html");
  }

  @Test
  void aReadKeyIsRefusedEveryActionEvenWithAValidFormAndNothingChanges() {
    halted();
    String cookie = signIn(f.read);
    String csrf = WebUiTest.csrf(get("/ui/rollouts/a1b2c3d4", cookie).body());
    for (String action : List.of("resume", "abort", "rollback")) {
      assertThat(get("/ui/rollouts/a1b2c3d4/" + action, cookie).status()).isEqualTo(403);
      Answer refused =
          post("/ui/rollouts/a1b2c3d4/" + action, cookie, "csrf=" + csrf, "Origin", f.base());
      assertThat(refused.status()).as(action).isEqualTo(403);
      assertThat(refused.body())
          .contains("This needs a key of scope operate; the key 'reader' is read");
      assertThat(f.store.rollouts().find("a1b2c3d4").orElseThrow().state()).isEqualTo(State.HALTED);
      AuditLog.Event e = lastAudit();
      assertThat(e.actor()).isEqualTo("key:reader");
      assertThat(e.action()).isEqualTo("rollout." + action);
      assertThat(e.outcome()).isEqualTo("refused 403");
      assertThat(e.detail()).contains("a1b2c3d4").contains("from the web UI");
    }
    assertThat(get("/ui/updates", cookie).body()).doesNotContain("data-action");
    assertThat(get("/ui/updates/check", cookie).status()).isEqualTo(403);
    assertThat(post("/ui/updates/check", cookie, "csrf=" + csrf, "Origin", f.base()).status())
        .isEqualTo(403);
  }

  @Test
  void anOperateKeyAbortsThroughTheConfirmationAndTheStoreSaysAborted() {
    plant("c0ffee01", 2, "key:ops-bot");
    step("c0ffee01", "app-1", 0, 0, Step.HEALTHY, "healthy in 4s");
    long eventsBefore = f.store.events().latestId().orElse(0);
    String cookie = signIn(f.operate);
    Answer page = get("/ui/rollouts/c0ffee01", cookie);
    // Running: it can be aborted; not resumed or rolled back before that.
    assertThat(page.body())
        .contains("href=\"/ui/rollouts/c0ffee01/abort\" role=\"button\"")
        .contains("data-action=\"abort\"")
        .doesNotContain("data-action=\"resume\"")
        .doesNotContain("data-action=\"rollback\"");
    // Not in a state for it: a readable 409, nothing offered.
    assertThat(get("/ui/rollouts/c0ffee01/rollback", cookie).status()).isEqualTo(409);

    Answer confirm = get("/ui/rollouts/c0ffee01/abort", cookie);
    assertThat(confirm.status()).isEqualTo(200);
    assertThat(confirm.body())
        .contains("<article class=\"confirm\" data-confirm=\"abort\">")
        .contains("Abort rollout c0ffee01 of stack 'shop' (tag:eu): no further node")
        .contains("action=\"/ui/rollouts/c0ffee01/abort\"", "data-confirm-submit=\"abort\"")
        .contains("href=\"/ui/rollouts/c0ffee01\" role=\"button\" class=\"secondary\">Cancel");
    String csrf = WebUiTest.csrf(confirm.body());

    // A forged post (no token; another site's Origin) changes nothing.
    assertThat(post("/ui/rollouts/c0ffee01/abort", cookie, "", "Origin", f.base()).status())
        .isEqualTo(403);
    assertThat(
            post("/ui/rollouts/c0ffee01/abort", cookie, "csrf=" + csrf, "Origin", "http://evil")
                .status())
        .isEqualTo(403);
    assertThat(f.store.rollouts().find("c0ffee01").orElseThrow().state()).isEqualTo(State.RUNNING);
    assertThat(lastAudit().outcome()).isEqualTo("refused 403");

    Answer done = post("/ui/rollouts/c0ffee01/abort", cookie, "csrf=" + csrf, "Origin", f.base());
    assertThat(done.status()).as(done.body()).isEqualTo(303);
    assertThat(done.header("Location")).isEqualTo("/ui/rollouts/c0ffee01");
    Rollout r = f.store.rollouts().find("c0ffee01").orElseThrow();
    assertThat(r.state()).isEqualTo(State.ABORTED);
    assertThat(r.reason()).isEqualTo("aborted by key:operator");
    AuditLog.Event e = lastAudit();
    assertThat(e.action()).isEqualTo("rollout.abort");
    assertThat(e.actor()).isEqualTo("key:operator");
    assertThat(e.outcome()).isEqualTo("accepted 303");
    assertThat(e.project()).isEqualTo("shop");
    assertThat(e.before()).isEqualTo("running");
    assertThat(e.after()).isEqualTo("aborted");
    assertThat(e.detail()).contains("c0ffee01", "from the web UI");
    // The service's own event, which redraws the page live.
    assertThat(events(eventsBefore, "rollout."))
        .extracting(EventStore.StoredEvent::type)
        .contains("rollout.aborted");

    // Now aborted: it may be resumed or rolled back, not aborted again.
    Answer after = get("/ui/rollouts/c0ffee01", cookie);
    assertThat(after.body())
        .contains("<section id=\"rollout\" data-state=\"aborted\"")
        .contains("data-action=\"resume\"", "data-action=\"rollback\"")
        .doesNotContain("data-action=\"abort\"");
    Answer again = post("/ui/rollouts/c0ffee01/abort", cookie, "csrf=" + csrf, "Origin", f.base());
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.body()).contains("there is nothing to abort");
    assertThat(lastAudit().outcome()).isEqualTo("refused 409");
  }

  @Test
  void unknownRolloutsAreTheUisNotFoundPage() {
    String cookie = signIn(f.operate);
    for (String path :
        List.of(
            "/ui/rollouts/0000dead",
            "/ui/rollouts/%3Cb%3Ex%3C%2Fb%3E",
            "/ui/rollouts/0000dead/abort",
            "/ui/rollouts/0000dead/resume")) {
      Answer a = get(path, cookie);
      assertThat(a.status()).as(path).isEqualTo(404);
      assertThat(a.body()).contains("<article class=\"problem\" data-status=\"404\">");
      assertThat(a.body()).doesNotContain("<b>x</b>");
    }
    assertThat(get("/ui/rollouts/0000dead", cookie).body())
        .contains("There is no rollout '0000dead'.");
    String csrf = WebUiTest.csrf(get("/ui/rollouts", cookie).body());
    Answer post =
        post("/ui/rollouts/0000dead/rollback", cookie, "csrf=" + csrf, "Origin", f.base());
    assertThat(post.status()).isEqualTo(404);
    assertThat(lastAudit().outcome()).isEqualTo("refused 404");
    // Signed out: to the sign-in page, as every page.
    assertThat(get("/ui/rollouts/0000dead", null).header("Location")).isEqualTo("/ui/sign-in");
  }

  // ------------------------------------------------------------------------------ updates

  @Test
  void theUpdatesPageShowsEachStacksPolicyChecksDigestsAndAttemptsLinked() {
    Instant at = f.clock.instant().minusSeconds(3600);
    String digest = "sha256:" + "ab".repeat(32);
    f.store
        .autoUpdates()
        .see(new AutoUpdateStore.Seen("api", "api", "registry.example/api:1", digest, at));
    AutoUpdateStore.Attempt a =
        f.store
            .autoUpdates()
            .add(new AutoUpdateStore.Attempt(0, "api", "api", digest, "", at, null))
            .orElseThrow();
    f.store.autoUpdates().rollout(a.id(), "feed0001");
    String cookie = signIn(f.read);
    Answer page = get("/ui/updates", cookie);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body())
        .contains("href=\"/ui/updates\" aria-current=\"page\"")
        .contains("data-live=\"updates\"", "data-fragment=\"updates\"")
        .contains("<article class=\"update\" data-stack=\"api\">")
        .contains("<code>0 3 * * *</code>", "<code>02:00-05:00</code>", "<code>1,100%</code>")
        .contains("gate 2m0s")
        // The next 03:00 after the fixture's now (10:00, 1 March), inside the window.
        .contains("<time datetime=\"2026-03-02T03:00:00Z\">")
        .contains("none since this server started")
        .contains("<tr data-service=\"api\">", "not checked yet")
        .contains("<code>registry.example/api:1</code>")
        .contains("<code class=\"digest\">" + digest + "</code> at")
        .contains("rollout <a href=\"/ui/rollouts/feed0001\" data-rollout-link=\"feed0001\">")
        .contains("under way");
    // A read key may not check.
    assertThat(page.body()).doesNotContain("data-action=\"check\"");
    Answer body = get("/ui/updates", cookie, "HX-Request", "true", "HX-Target", "updates");
    assertThat(body.body()).startsWith("<section id=\"updates\"").doesNotContain("<html");
  }

  @Test
  void checkNowRunsTheApisCheckThroughItsConfirmationAndIsAudited() {
    String cookie = signIn(f.operate);
    Answer page = get("/ui/updates", cookie);
    assertThat(page.body()).contains("href=\"/ui/updates/check\"", "data-action=\"check\"");
    Answer confirm = get("/ui/updates/check", cookie);
    assertThat(confirm.body())
        .contains(
            "data-confirm=\"check\"", "Ask the registries now", "action=\"/ui/updates/check\"");
    String csrf = WebUiTest.csrf(confirm.body());
    long before = f.store.events().latestId().orElse(0);
    // The contract of api is not on this machine: the check reads no registry and starts nothing.
    Answer done = post("/ui/updates/check", cookie, "csrf=" + csrf, "Origin", f.base());
    assertThat(done.status()).as(done.body()).isEqualTo(303);
    assertThat(done.header("Location")).isEqualTo("/ui/updates?checked=1&started=0");
    AuditLog.Event e = lastAudit();
    assertThat(e.action()).isEqualTo("autoupdate.check");
    assertThat(e.outcome()).isEqualTo("accepted 303");
    assertThat(e.detail()).contains("1 stacks checked, 0 rollouts started", "from the web UI");
    assertThat(events(before, "autoupdate.checked"))
        .extracting(EventStore.StoredEvent::data)
        .anySatisfy(d -> assertThat(d).contains("request:operator"));
    Answer shown = get("/ui/updates?checked=1&started=0", cookie);
    assertThat(shown.body())
        .contains("Checked 1 stacks now: 0 rollouts started.")
        .contains("<tr data-service=\"api\" data-state=\"failed\">")
        .doesNotContain("none since this server started");
  }

  // ------------------------------------------------------------------------ notifications

  @Test
  void theDeliveriesPageShowsAttemptsNewestFirstWithWebhooksRedacted() throws Exception {
    String secretUrl =
        "https://hooks.example.net/services/T000/" + HOOK_SECRET + "?k=" + HOOK_SECRET;
    Instant at = f.clock.instant();
    // As the notifier writes it (redacted), and a row written with the whole URL.
    Delivery sent =
        f.store
            .notifications()
            .add(
                new Delivery(
                    0,
                    at.minusSeconds(60),
                    Notification.redact(URI.create(secretUrl)),
                    "n-1",
                    "stack.status.changed",
                    "app-1/shop",
                    "change",
                    1,
                    "sent",
                    200,
                    null,
                    42));
    f.store
        .notifications()
        .add(
            new Delivery(
                0,
                at,
                secretUrl,
                "n-2",
                "rollout.halted",
                "shop <i>x</i>",
                "change",
                2,
                "failed",
                503,
                "the webhook answered 503",
                10));
    String cookie = signIn(f.read);
    Answer page = get("/ui/notifications", cookie);
    assertThat(page.status()).isEqualTo(200);
    String b = page.body();
    assertThat(b)
        .contains("href=\"/ui/notifications\" aria-current=\"page\"")
        .contains("<tr data-delivery=\"" + sent.id() + "\" data-status=\"sent\">")
        .contains("data-status=\"failed\"")
        .contains("<code>stack.status.changed</code>", "<code>rollout.halted</code>")
        .contains("(HTTP 503)", "the webhook answered 503", "42 ms")
        .contains("shop &lt;i&gt;x&lt;/i&gt;")
        .doesNotContain("/services/");
    // Both rows show the webhook exactly as the API shows the notifier's row.
    HttpResponse<String> api =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        f.base()
                            + "/api/v1/notifications/deliveries?limit=1&before="
                            + (sent.id() + 1)))
                .header("Authorization", "Bearer " + f.read)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String shown = "https://hooks.example.net/\u2026";
    assertThat(api.body()).contains("\"webhook\":\"" + shown + "\"");
    assertThat(
            Pattern.compile("<code>" + Pattern.quote(shown) + "</code>")
                .matcher(b)
                .results()
                .count())
        .isEqualTo(2);
    assertThat(b.indexOf("data-status=\"failed\""))
        .as("newest first")
        .isLessThan(b.indexOf("data-status=\"sent\""));
    assertThat(get("/ui/notifications?before=x", cookie).status()).isEqualTo(400);
    assertThat(get("/ui/notifications?before=" + sent.id(), cookie).body())
        .contains("No delivery older than that yet.");
  }
}
