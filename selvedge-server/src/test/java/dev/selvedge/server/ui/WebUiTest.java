package dev.selvedge.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.keys.ApiKeys;
import dev.selvedge.server.EventClient;
import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The web UI over HTTP against a real control plane and H2 store: sessions, pages, errors. */
class WebUiTest extends UiHttpTest {

  @BeforeEach
  void start() {
    f = new UiFixture(dir);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static String csrf(String html) {
    Matcher m = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]{64})\"").matcher(html);
    assertThat(m.find()).as("a CSRF field in %s", html).isTrue();
    return m.group(1);
  }

  @Test
  void signedOutEverythingLeadsToSignIn() {
    assertThat(get("/", null).header("Location")).isEqualTo("/ui/sign-in");
    Answer fleet = get("/ui/fleet", null);
    assertThat(fleet.status()).isEqualTo(303);
    assertThat(fleet.header("Location")).isEqualTo("/ui/sign-in");
    Answer hx = get("/ui/fleet", null, "HX-Request", "true", "HX-Target", "grid");
    assertThat(hx.header("HX-Redirect")).isEqualTo("/ui/sign-in");
    Answer form = get("/ui/sign-in", null);
    assertThat(form.status()).isEqualTo(200);
    assertThat(form.header("Content-Type")).startsWith("text/html");
    assertThat(form.header("Content-Security-Policy")).contains("script-src 'self'");
    // One key field, one submit button.
    assertThat(Pattern.compile("<input ").matcher(form.body()).results().count()).isEqualTo(1);
    assertThat(form.body()).contains("name=\"key\"", "type=\"password\"");
    assertThat(Pattern.compile("<button").matcher(form.body()).results().count()).isEqualTo(1);
    // The API stays bearer-only: a session cookie is no key there.
    String cookie = signIn(f.read);
    assertThat(get("/api/v1/fleet", cookie).status()).isEqualTo(401);
  }

  @Test
  void aWrongKeyIsAReadableErrorAndOtherSitesCannotSignIn() {
    Answer wrong = post("/ui/sign-in", null, "key=slv_" + "B".repeat(43), "Origin", f.base());
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.body()).contains("That key is unknown or revoked").doesNotContain("Exception");
    assertThat(wrong.header("Set-Cookie")).isNull();
    Answer empty = post("/ui/sign-in", null, "key=", "Origin", f.base());
    assertThat(empty.body()).contains("Paste an API key");
    Answer cross =
        post("/ui/sign-in", null, "key=" + enc(f.read), "Origin", "https://evil.example");
    assertThat(cross.status()).isEqualTo(403);
    assertThat(cross.header("Set-Cookie")).isNull();
    Answer crossSite =
        post("/ui/sign-in", null, "key=" + enc(f.read), "Sec-Fetch-Site", "cross-site");
    assertThat(crossSite.status()).isEqualTo(403);
  }

  @Test
  void failedSignInsAreRateLimited() {
    Answer last = null;
    for (int i = 0; i < 11; i++) {
      last = post("/ui/sign-in", null, "key=nope", "Origin", f.base());
    }
    assertThat(last.status()).isEqualTo(429);
    assertThat(last.body()).contains("Too many failed sign-ins");
    assertThat(last.header("Retry-After")).isNotNull();
  }

  @Test
  void theFleetGridFiltersSearchesAndSorts() {
    String cookie = signIn(f.read);
    Answer page = get("/ui/fleet", cookie);
    assertThat(page.status()).isEqualTo(200);
    // The node pill names the stack its reason comes from once; the stack pill gives the reason.
    Matcher nodeWhy =
        Pattern.compile("id=\"why-app-1\" role=\"tooltip\">(.*?)</span></span></span>")
            .matcher(page.body());
    assertThat(nodeWhy.find()).isTrue();
    assertThat(nodeWhy.group(1))
        .isEqualTo("<span>worst: api (reasons on the stack pills)")
        .doesNotContain("engine call timed out");
    assertThat(get("/ui/nodes/app-1", cookie).body()).contains("api: engine call timed out");
    assertThat(page.body())
        .contains(
            "data-node=\"app-1\" data-stack=\"shop\" data-pill=\"yellow\"",
            "data-node=\"app-1\" data-stack=\"api\" data-pill=\"red\"",
            ">red: unknown, unknown</a>",
            "data-node=\"app-2\" data-stack=\"shop\" data-pill=\"green\"",
            "data-node=\"app-3\" data-stack=\"shop\" data-pill=\"unknown\"",
            ">yellow: drifted, healthy</a>",
            "web: environment.DB_PASSWORD stale",
            "3</strong> of 3 nodes",
            "reader <small>(read)</small>");
    assertThat(rows(get("/ui/fleet?pill=red", cookie).body())).containsExactly("app-1");
    assertThat(rows(get("/ui/fleet?pill=green", cookie).body())).containsExactly("app-2");
    assertThat(rows(get("/ui/fleet?tag=us", cookie).body())).containsExactly("app-2");
    assertThat(rows(get("/ui/fleet?environment=prod", cookie).body())).containsExactly("app-1");
    assertThat(rows(get("/ui/fleet?q=APP-3", cookie).body())).containsExactly("app-3");
    assertThat(rows(get("/ui/fleet?q=api", cookie).body())).containsExactly("app-1");
    assertThat(rows(get("/ui/fleet?sort=worst", cookie).body()))
        .containsExactly("app-1", "app-3", "app-2");
    assertThat(get("/ui/fleet?q=zzz", cookie).body()).contains("No node matches these filters");
    // htmx asks for the grid alone.
    Answer fragment =
        get("/ui/fleet?sort=worst", cookie, "HX-Request", "true", "HX-Target", "grid");
    assertThat(fragment.body()).doesNotContain("<html").contains("data-pill=");
    // A bad parameter is a readable page, not a trace.
    Answer bad = get("/ui/fleet?pill=purple", cookie);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("pill: one of green, yellow, red, unknown");
  }

  @Test
  void theGridIsRenderedOncePerVersion() {
    String cookie = signIn(f.read);
    String first = get("/ui/fleet", cookie).body();
    f.clock.now = f.clock.now.plusSeconds(1);
    String again = get("/ui/fleet", cookie).body();
    // The same render (its generated time did not move while the version stayed).
    assertThat(generated(again)).isEqualTo(generated(first));
    f.version.incrementAndGet();
    assertThat(generated(get("/ui/fleet", cookie).body())).isNotEqualTo(generated(first));
  }

  private static String generated(String html) {
    Matcher m = Pattern.compile("data-generated=\"([^\"]+)\"").matcher(html);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  static List<String> rows(String html) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("<tr data-node=\"([^\"]+)\"").matcher(html);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void nodeAndStackPages() {
    String cookie = signIn(f.read);
    Answer node = get("/ui/nodes/app-1", cookie);
    assertThat(node.status()).isEqualTo(200);
    assertThat(node.body())
        .contains("27.3.1 (API 1.47)", "linux / x86_64", "8.0 GiB", "ABCD:EFGH")
        .contains("data-node=\"app-1\" data-stack=\"shop\" data-pill=\"yellow\"")
        .contains("shop: drifted", "the node");
    Answer stack = get("/ui/nodes/app-1/stacks/shop", cookie);
    assertThat(stack.status()).isEqualTo(200);
    assertThat(stack.body())
        .contains(
            "data-service=\"web\" data-pill=\"yellow\"",
            "data-service=\"db\" data-pill=\"green\"",
            "environment.DB_PASSWORD</code> <small>(secret)</small>",
            "<code>differs</code>",
            "<code>nginx:1.27</code>",
            "<code>nginx:1.25</code>",
            "data-outcome=\"healthy\"",
            "nginx@sha256:1111",
            "ana@ci",
            "This server runs no operations");
    Answer unread = get("/ui/nodes/app-1/stacks/api", cookie);
    assertThat(unread.body()).contains("No evidence report is stored", "engine call timed out");
    Answer none = get("/ui/nodes/nope", cookie);
    assertThat(none.status()).isEqualTo(404);
    assertThat(none.body()).contains("There is no node 'nope' in the fleet.");
    assertThat(get("/ui/nodes/app-2/stacks/api", cookie).status()).isEqualTo(404);
    Answer nowhere = get("/ui/nowhere", cookie);
    assertThat(nowhere.status()).isEqualTo(404);
    assertThat(nowhere.body()).contains("There is no page at /ui/nowhere");
  }

  @Test
  void signOutNeedsTheFormTokenAndEndsTheSession() {
    String cookie = signIn(f.read);
    String page = get("/ui/fleet", cookie).body();
    String token = csrf(page);
    Answer forged = post("/ui/sign-out", cookie, "");
    assertThat(forged.status()).isEqualTo(403);
    assertThat(forged.body()).contains("reload the page");
    assertThat(post("/ui/sign-out", cookie, "csrf=" + "0".repeat(64)).status()).isEqualTo(403);
    assertThat(get("/ui/fleet", cookie).status()).isEqualTo(200);
    Answer out = post("/ui/sign-out", cookie, "csrf=" + token);
    assertThat(out.status()).isEqualTo(303);
    assertThat(out.header("Set-Cookie")).contains("Max-Age=0");
    assertThat(get("/ui/fleet", cookie).status()).isEqualTo(303);
    // The store kept only the hash, and no longer even that.
    assertThat(f.store.uiSessions().find(ApiKeys.hash(cookie))).isEmpty();
  }

  @Test
  void aRevokedKeyEndsItsSessionsAtOnce() {
    String cookie = signIn(f.operate);
    assertThat(f.store.uiSessions().find(ApiKeys.hash(cookie))).isPresent();
    assertThat(get("/ui/fleet", cookie).status()).isEqualTo(200);
    f.keys.revoke("operator");
    assertThat(get("/ui/fleet", cookie).status()).isEqualTo(303);
    assertThat(f.store.uiSessions().find(ApiKeys.hash(cookie))).isEmpty();
    Answer again = post("/ui/sign-in", null, "key=" + enc(f.operate), "Origin", f.base());
    assertThat(again.status()).isEqualTo(401);
  }

  @Test
  void aStoreThatFailsIsNamedOnNoPage() {
    String cookie = signIn(f.read);
    f.store.close();
    List<Answer> answers =
        List.of(
            get("/ui/fleet", cookie),
            get("/ui/nodes/app-1", cookie),
            get("/ui/sign-in", cookie),
            post("/ui/sign-in", null, "key=" + enc(f.read), "Origin", f.base()));
    for (Answer a : answers) {
      assertThat(a.status()).as(a.body()).isEqualTo(503);
      assertThat(a.body())
          .contains("The store cannot be reached; try again shortly.")
          .doesNotContain("cannot be read")
          .doesNotContainIgnoringCase("jdbc")
          .doesNotContain(dir.toString())
          .doesNotContain("selvedge.mv.db")
          .doesNotContain("store/selvedge");
    }
  }

  @Test
  void sessionsExpireWhenIdleAndAfterTwelveHours() {
    String idle = signIn(f.read);
    f.clock.now = f.clock.now.plus(SessionAuth.IDLE).minusSeconds(1);
    assertThat(get("/ui/fleet", idle).status()).isEqualTo(200); // and is seen now
    f.clock.now = f.clock.now.plus(SessionAuth.IDLE).minusSeconds(1);
    assertThat(get("/ui/fleet", idle).status()).isEqualTo(200);
    f.clock.now = f.clock.now.plus(SessionAuth.IDLE);
    assertThat(get("/ui/fleet", idle).status()).isEqualTo(303);

    String busy = signIn(f.read);
    for (int i = 0; i < 13; i++) {
      f.clock.now = f.clock.now.plus(Duration.ofMinutes(59));
      get("/ui/fleet", busy);
    }
    assertThat(get("/ui/fleet", busy).status()).isEqualTo(303);
  }

  @Test
  void assetsComeFromTheJarWithLongCaching() {
    String page = get("/ui/sign-in", null).body();
    for (String kind :
        List.of(
            "htmx-[0-9.]+\\.min\\.js",
            "pico-[0-9.]+\\.min\\.css",
            "selvedge-[0-9a-f]{12}\\.css",
            "selvedge-[0-9a-f]{12}\\.js")) {
      Matcher m = Pattern.compile("/ui/assets/(" + kind + ")").matcher(page);
      assertThat(m.find()).as(kind).isTrue();
      Answer a = get("/ui/assets/" + m.group(1), null);
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
      assertThat(a.body()).isNotEmpty();
    }
    assertThat(get("/ui/assets/nope.js", null).status()).isEqualTo(404);
  }

  @Test
  void theEventStreamTakesASessionOnlyFromThisServersOwnPages() throws Exception {
    String cookie = signIn(f.read);
    int port = f.plane.port();
    String session = "Cookie: " + SessionAuth.COOKIE + "=" + cookie;
    // Host: 127.0.0.1 in the hand-made upgrade: its own origin is http://127.0.0.1.
    assertThat(
            EventClient.upgradeWith(port, "", List.of(session, "Origin: https://elsewhere.example"))
                .status())
        .as("another site's page")
        .isEqualTo(403);
    assertThat(EventClient.upgradeWith(port, "", List.of(session)).status())
        .as("no Origin: not a browser's page")
        .isEqualTo(403);
    // A session that has ended (a page left open): the stream opens and closes at once with 4001,
    // which the page can read (a refused upgrade shows a browser only 1006, and it would retry);
    // and such attempts, however many, never count against the address's sign-ins.
    for (int i = 0; i < 12; i++) {
      try (EventClient gone =
          EventClient.connect(
              port,
              "",
              java.util.Map.of(
                  "Cookie", SessionAuth.COOKIE + "=not-a-session", "Origin", f.base()))) {
        assertThat(gone.closeCode()).as("no such session").isEqualTo(4001);
        assertThat(gone.closeReason).isEqualTo("the session has ended: sign in again");
      }
    }
    signIn(f.operate);
    assertThat(
            EventClient.upgradeWith(port, "", List.of(session, "Origin: http://127.0.0.1"))
                .status())
        .isEqualTo(101);

    String after = f.latestEventId();
    try (EventClient live =
        EventClient.connect(
            port,
            "?after=" + after,
            java.util.Map.of("Cookie", SessionAuth.COOKIE + "=" + cookie, "Origin", f.base()))) {
      f.turn("app-2", "shop", Pill.RED, Sync.IN_SYNC, Health.DEGRADED, List.of("web: exited (1)"));
      var event = live.next();
      assertThat(event.get("type").asText()).isEqualTo("stack.status.changed");
      assertThat(event.get("node").asText()).isEqualTo("app-2");
      assertThat(event.at("/data/to").asText()).isEqualTo("red");
      // Signing out ends the session's live stream too.
      String page = get("/ui/fleet", cookie).body();
      assertThat(post("/ui/sign-out", cookie, "csrf=" + csrf(page)).status()).isEqualTo(303);
      assertThat(live.closeCode()).isEqualTo(4001);
    }
  }

  @Test
  void theFleetPageNamesItsEventPositionAndARefreshOfTheSameGridIsEmpty() {
    String cookie = signIn(f.read);
    String before = f.latestEventId();
    String page = get("/ui/fleet", cookie).body();
    assertThat(page)
        .contains("data-live=\"fleet\"", "data-after=\"" + before + "\"")
        .containsPattern("<script src=\"/ui/assets/selvedge-[0-9a-f]{12}\\.js\" defer>");
    Matcher token = Pattern.compile("data-token=\"([^\"]+)\"").matcher(page);
    assertThat(token.find()).isTrue();
    Answer same =
        get(
            "/ui/fleet",
            cookie,
            "HX-Request",
            "true",
            "HX-Target",
            "grid",
            "X-Grid-Token",
            token.group(1));
    assertThat(same.status()).isEqualTo(204);
    assertThat(same.body()).isEmpty();
    // A sweep that changes nothing moves the view's version, not what the grid shows: still 204.
    f.version.incrementAndGet();
    assertThat(
            get(
                    "/ui/fleet",
                    cookie,
                    "HX-Request",
                    "true",
                    "HX-Target",
                    "grid",
                    "X-Grid-Token",
                    token.group(1))
                .status())
        .isEqualTo(204);

    f.turn("app-2", "shop", Pill.RED, Sync.IN_SYNC, Health.DEGRADED, List.of("web: exited (1)"));
    // While anti-flap holds a colour the last sweep no longer sees, the label says so.
    f.turn(
        "app-1",
        "shop",
        Pill.YELLOW,
        Sync.IN_SYNC,
        Health.HEALTHY,
        List.of("web: environment.DB_PASSWORD stale", "turning green (seen in 1 sweep)"));
    Answer changed =
        get(
            "/ui/fleet",
            cookie,
            "HX-Request",
            "true",
            "HX-Target",
            "grid",
            "X-Grid-Token",
            token.group(1));
    assertThat(changed.status()).isEqualTo(200);
    assertThat(changed.body())
        .contains("data-node=\"app-2\" data-stack=\"shop\" data-pill=\"red\"")
        .contains(">yellow, turning green: in-sync, healthy</a>")
        .doesNotContain("data-token=\"" + token.group(1) + "\"");
  }

  @Test
  void theEventsPageShowsTheNewestEventsThatPassItsFilters() {
    String cookie = signIn(f.read);
    f.turn("app-2", "shop", Pill.RED, Sync.IN_SYNC, Health.DEGRADED, List.of("web: exited (1)"));
    f.turn("app-1", "shop", Pill.GREEN, Sync.IN_SYNC, Health.HEALTHY, List.of());
    // The hub stores events on its own thread: wait until the page shows both.
    Answer all = get("/ui/events", cookie);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!(all.body().contains("exited (1)") && all.body().contains("<td>app-1</td>"))
        && System.nanoTime() < deadline) {
      all = get("/ui/events", cookie);
    }
    assertThat(all.status()).isEqualTo(200);
    assertThat(all.body())
        .contains("data-live=\"events\"", "data-type=\"stack.status.changed\"", "exited (1)");
    assertThat(all.body().indexOf("app-1")).isLessThan(all.body().lastIndexOf("app-2"));
    Answer one = get("/ui/events?node=app-1&type=stack.status.changed", cookie);
    assertThat(one.body())
        .contains("data-filter=\"node=app-1&amp;type=stack.status.changed\"")
        .doesNotContain("exited (1)");
    Answer bad = get("/ui/events?type=nope", cookie);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("type: one of");
    assertThat(get("/ui/events?node=" + enc("a b"), cookie).status()).isEqualTo(400);
  }

  @Test
  void theTenantsPageShowsTheLatestCrossTenantAuditsFindings() {
    String cookie = signIn(f.read);
    Answer none = get("/ui/tenants", cookie);
    assertThat(none.status()).isEqualTo(200);
    assertThat(none.body()).contains("id=\"tenants-none\"", "href=\"/ui/tenants\"");
    String evidence =
        """
        {"kind": "tenant-audit",
         "findings": [{"node": "app-1", "stack": "shop", "service": null,
           "class": "shared-unique-value", "key": "environment.DB_PASSWORD",
           "project": null, "fingerprint": "hmac-sha256:0123456789abcdef",
           "others": ["app-2/shop"],
           "message": "DB_PASSWORD of app-1/shop must be unique per tenant <b>"}],
         "unread": [{"node": "app-3", "stack": null, "reason": "engine unreachable: refused"}]}
        """;
    f.store
        .tenantAudits()
        .add(
            new dev.selvedge.port.TenantAuditStore.AuditRun(
                0, f.clock.instant(), "schedule", "unreadable", 1, evidence));
    Answer page = get("/ui/tenants", cookie);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body())
        .contains(
            "id=\"tenants-run\"",
            "data-class=\"shared-unique-value\"",
            "environment.DB_PASSWORD",
            "app-2/shop",
            "engine unreachable: refused",
            "unique per tenant &lt;b&gt;")
        .doesNotContain("unique per tenant <b>");
    assertThat(get("/ui/tenants", null).status()).isNotEqualTo(200);
  }
}
