package dev.selvedge.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.json.TreeJson;
import dev.selvedge.operations.render.OperationsRender;
import dev.selvedge.port.AuditLog;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit page and its export over HTTP against a real control plane and H2 store: records,
 * filters, paging by the API's cursor, JSON lines in the API's shape, errors, scope and sessions.
 */
class AuditPageTest extends UiHttpTest {
  static final Pattern ROW = Pattern.compile("<tr data-audit-id=\"(\\d+)\"");
  static final Pattern OLDER = Pattern.compile("<a href=\"(/ui/audit\\?[^\"]*)\" rel=\"next\"");

  /** The records written: 140 events over 4 actors, 3 nodes, 2 stacks, one a minute. */
  final List<AuditLog.Event> written = new ArrayList<>();

  Instant start;

  @BeforeEach
  void start() {
    f = new UiFixture(dir);
    start = f.clock.instant().minus(Duration.ofMinutes(140));
    String[] actors = {"key:ops-bot", "ana@box", "key:reader", "bob@ci"};
    String[] nodes = {"app-1", "app-2", "app-3"};
    for (int i = 0; i < 140; i++) {
      AuditLog.Event e =
          new AuditLog.Event(
              0,
              start.plus(Duration.ofMinutes(i)),
              actors[i % 4],
              "10.0.0." + (i % 7),
              i % 5 == 0 ? "restart" : "apply recreate",
              nodes[i % 3],
              "docker-daemon:ABCD:EFGH",
              i % 2 == 0 ? "shop" : "api",
              "web",
              "shop-web-1",
              "sha256:old" + i,
              "sha256:new" + i,
              i % 9 == 0 ? "failed" : "done",
              "req-" + i,
              i % 9 == 0 ? "the engine said no <script>alert(1)</script>" : "");
      f.store.audit().record(e);
    }
    written.addAll(f.store.audit().find(AuditLog.Query.latest(1000)));
    assertThat(written).hasSize(140);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static List<Long> ids(String html) {
    return ROW.matcher(html).results().map(m -> Long.parseLong(m.group(1))).toList();
  }

  static String older(String html) {
    Matcher m = OLDER.matcher(html);
    return m.find() ? m.group(1).replace("&amp;", "&") : null;
  }

  /** Every page from {@code path} on, following "Older": the ids in order. */
  List<Long> walk(String path, String cookie) {
    List<Long> all = new ArrayList<>();
    int pages = 0;
    for (String next = path; next != null; pages++) {
      Answer a = get(next, cookie);
      assertThat(a.status()).as(next + ": " + a.body()).isEqualTo(200);
      List<Long> page = ids(a.body());
      assertThat(page.size()).isLessThanOrEqualTo(AuditPage.PAGE);
      all.addAll(page);
      next = older(a.body());
      assertThat(pages).as("pages").isLessThan(20);
    }
    return all;
  }

  List<Long> expected(java.util.function.Predicate<AuditLog.Event> which) {
    return written.stream().filter(which).map(AuditLog.Event::id).toList();
  }

  // -------------------------------------------------------------------------------- tests

  @Test
  void recordsShowNewestFirstWithTheirColumns() {
    String cookie = signIn(f.read);
    Answer a = get("/ui/audit", cookie);
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.header("Content-Type")).startsWith("text/html");
    assertThat(a.header("Cache-Control")).isEqualTo("no-store");
    assertThat(ids(a.body())).isEqualTo(expected(e -> true).subList(0, AuditPage.PAGE));
    AuditLog.Event newest = written.get(0); // i = 139
    assertThat(a.body())
        .contains("<time datetime=\"" + newest.at() + "\">")
        .contains("bob@ci", "10.0.0.6", "<code>apply recreate</code>", "app-2 / api / web")
        .contains("shop-web-1", "req-139", "sha256:old139", "sha256:new139")
        // The nav link, current; the export link with no filter.
        .contains("<a href=\"/ui/audit\" aria-current=\"page\">Audit</a>")
        .contains("href=\"/ui/audit/export\"");
    // Text is escaped: a detail cannot inject markup.
    assertThat(a.body())
        .doesNotContain("<script>alert(1)</script>")
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    assertThat(a.body()).contains("<span class=\"bad\">failed</span>");
    // The fleet page links to it too; reading the page recorded nothing in the audit log.
    assertThat(get("/ui/fleet", cookie).body()).contains("<a href=\"/ui/audit\"");
    assertThat(f.store.audit().find(AuditLog.Query.latest(1000))).hasSize(140);
  }

  @Test
  void filtersNarrowTheRecords() {
    String cookie = signIn(f.operate);
    assertThat(walk("/ui/audit?actor=ana%40box", cookie))
        .isEqualTo(expected(e -> e.actor().equals("ana@box")));
    assertThat(walk("/ui/audit?node=app-3&stack=shop", cookie))
        .isEqualTo(expected(e -> e.node().equals("app-3") && e.project().equals("shop")));
    assertThat(walk("/ui/audit?action=restart", cookie))
        .isEqualTo(expected(e -> e.action().equals("restart")));
    // Times: ISO-8601 and ages (before the fixture's clock), the form's empty fields ignored.
    Instant from = start.plus(Duration.ofMinutes(100));
    assertThat(
            walk(
                "/ui/audit?actor=&action=&node=&stack=&since="
                    + enc(from.toString())
                    + "&until=10m",
                cookie))
        .isEqualTo(
            expected(
                e ->
                    !e.at().isBefore(from)
                        && e.at().isBefore(f.clock.instant().minus(Duration.ofMinutes(10)))));
    Answer none = get("/ui/audit?actor=nobody", cookie);
    assertThat(ids(none.body())).isEmpty();
    assertThat(none.body()).contains("No audit record matches these filters.");
    // The form shows the filters as typed.
    assertThat(get("/ui/audit?since=2h", cookie).body()).contains("value=\"2h\"");
  }

  @Test
  void pagingWalksEveryRecordExactlyOnce() {
    String cookie = signIn(f.read);
    List<Long> all = walk("/ui/audit", cookie);
    assertThat(all).isEqualTo(expected(e -> true));
    assertThat(new HashSet<>(all)).hasSize(140);
    // Filtered paging keeps the filters: 70 records of stack shop in two pages.
    List<Long> shop = walk("/ui/audit?stack=shop", cookie);
    assertThat(shop).hasSize(70).isEqualTo(expected(e -> e.project().equals("shop")));
    // An age is resolved once: the next page's link carries the time, not "3h".
    Answer first = get("/ui/audit?since=3h", cookie);
    assertThat(older(first.body()))
        .contains("since=" + enc(f.clock.instant().minus(Duration.ofHours(3)).toString()))
        .contains("before=" + ids(first.body()).get(AuditPage.PAGE - 1));
    // A later page links back to the newest.
    assertThat(get(older(first.body()), cookie).body()).contains(">Newest</a>");
    // htmx swaps the table only: a fragment, no layout.
    Answer hx = get("/ui/audit?stack=api", cookie, "HX-Request", "true", "HX-Target", "audit");
    assertThat(hx.body()).doesNotContain("<html").contains("<table class=\"audit\">");
    assertThat(ids(hx.body())).isEqualTo(expected(e -> e.project().equals("api")).subList(0, 50));
  }

  @Test
  void theExportIsTheFilteredRangeAsJsonLinesInTheApisShape() throws IOException {
    String cookie = signIn(f.read);
    Answer a = get("/ui/audit/export?node=app-1", cookie);
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.header("Content-Type")).startsWith("application/x-ndjson");
    assertThat(a.header("Content-Disposition"))
        .matches("attachment; filename=\"selvedge-audit-\\d{8}T\\d{6}Z\\.jsonl\"");
    String[] lines = a.body().split("\n", -1);
    assertThat(lines[lines.length - 1]).isEmpty(); // ends with a newline
    List<AuditLog.Event> app1 = written.stream().filter(e -> e.node().equals("app-1")).toList();
    assertThat(lines).hasSize(app1.size() + 1);
    for (int i = 0; i < app1.size(); i++) {
      assertThat(lines[i])
          .isEqualTo(
              new String(
                  TreeJson.compact(OperationsRender.auditEvent(app1.get(i))),
                  StandardCharsets.UTF_8));
    }
    // The same shape as the API's records.
    String apiBody =
        send(HttpRequest.newBuilder(URI.create(f.base() + "/api/v1/audit?node=app-1&limit=1"))
                .header("Authorization", "Bearer " + f.read))
            .body();
    assertThat(TreeJson.readFirst(lines[0]))
        .isEqualTo(TreeJson.readFirst(apiBody).path("events").get(0));
    // The page's export link carries its filters, times resolved.
    Answer page = get("/ui/audit?stack=shop&since=1h", cookie);
    String since = enc(f.clock.instant().minus(Duration.ofHours(1)).toString());
    assertThat(page.body()).contains("href=\"/ui/audit/export?stack=shop&amp;since=" + since);
    Answer all = get("/ui/audit/export", cookie);
    // Exporting the whole log also covers the key's own sign-in-free request above (none).
    assertThat(all.body().split("\n")).hasSize(140);
  }

  @Test
  void aLongExportIsCutAndSaysWhereToContinue() throws IOException {
    String cookie = signIn(f.read);
    // A second UI over the same store with a small bound: the session is the store's.
    WebUi small =
        new WebUi(
                f.store,
                null,
                f.keys,
                new SessionAuth(f.store.uiSessions(), f.store.apiKeys(), f.clock),
                f.clock,
                address -> Duration.ZERO,
                address -> {})
            .auditExportMax(60);
    Javalin app = Javalin.create(c -> small.register(c.routes)).start("127.0.0.1", 0);
    try {
      String base = "http://127.0.0.1:" + app.port();
      Answer a = getAt(base, "/ui/audit/export?stack=shop", cookie);
      String[] lines = a.body().split("\n");
      assertThat(lines).hasSize(61);
      List<Long> shop = expected(e -> e.project().equals("shop"));
      for (int i = 0; i < 60; i++) {
        assertThat(TreeJson.readFirst(lines[i]).path("id").asLong()).isEqualTo(shop.get(i));
      }
      JsonNode last = TreeJson.readFirst(lines[60]);
      assertThat(last.path("truncated").asBoolean()).isTrue();
      assertThat(last.path("exported").asInt()).isEqualTo(60);
      assertThat(last.path("limit").asInt()).isEqualTo(60);
      String next = last.path("continue").asText();
      assertThat(next).isEqualTo("/ui/audit/export?stack=shop&before=" + shop.get(59));
      // Continuing gives the other ten, and no cut.
      String[] rest = getAt(base, next, cookie).body().split("\n");
      assertThat(rest).hasSize(10);
      assertThat(TreeJson.readFirst(rest[9]).path("id").asLong()).isEqualTo(shop.get(69));
    } finally {
      app.stop();
    }
  }

  @Test
  void badFiltersAreA400PageNamingTheParameter() {
    String cookie = signIn(f.read);
    for (String[] bad :
        new String[][] {
          {"since=yesterday", "since: 'yesterday' is neither a time"},
          {"until=2026-13-01", "until:"},
          {"before=abc", "before: an event id"},
          {"before=-3", "before: an event id"},
          {"since=1h&until=2h", "since:"},
          {"outcome=failed", "Unknown parameter 'outcome'"},
        }) {
      for (String path : List.of("/ui/audit?", "/ui/audit/export?")) {
        Answer a = get(path + bad[0], cookie);
        assertThat(a.status()).as(path + bad[0]).isEqualTo(400);
        assertThat(a.header("Content-Type")).startsWith("text/html");
        assertThat(a.body()).contains("role=\"alert\"").contains(bad[1]);
        assertThat(a.body()).doesNotContain("Exception").doesNotContain("at dev.");
      }
    }
  }

  @Test
  void everyScopeMayReadItAsTheApiSaysAndSignedOutLeadsToSignIn() {
    // GET /api/v1/audit needs read, which every key covers: read and operate keys both see it.
    for (String token : List.of(f.read, f.operate)) {
      String cookie = signIn(token);
      Answer a = get("/ui/audit", cookie);
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.body()).contains(">Audit</a>");
      assertThat(
              send(HttpRequest.newBuilder(URI.create(f.base() + "/api/v1/audit"))
                      .header("Authorization", "Bearer " + token))
                  .status())
          .isEqualTo(200);
    }
    for (String path : List.of("/ui/audit", "/ui/audit/export", "/ui/audit?since=bad")) {
      Answer out = get(path, null);
      assertThat(out.status()).as(path).isEqualTo(303);
      assertThat(out.header("Location")).isEqualTo("/ui/sign-in");
    }
    Answer hx = get("/ui/audit", null, "HX-Request", "true", "HX-Target", "audit");
    assertThat(hx.header("HX-Redirect")).isEqualTo("/ui/sign-in");
    // A revoked key's session reads nothing more.
    String cookie = signIn(f.read);
    f.keys.revoke("reader");
    assertThat(get("/ui/audit/export", cookie).status()).isEqualTo(303);
  }

  @Test
  void aRefusedApiRequestShowsWithoutItsToken() {
    // A real audited request: an operate key may not create keys (admin), refused and recorded.
    Answer refused =
        send(
            HttpRequest.newBuilder(URI.create(f.base() + "/api/v1/keys"))
                .header("Authorization", "Bearer " + f.operate)
                .header("Content-Type", "application/json")
                .header("X-Request-Id", "ui-audit-test-1")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"" + UiFixture.PLANTED + "x\",\"scope\":\"admin\"}")));
    assertThat(refused.status()).isEqualTo(403);
    String cookie = signIn(f.read);
    Answer a = get("/ui/audit?actor=key%3Aoperator", cookie);
    assertThat(ids(a.body())).hasSize(1);
    assertThat(a.body())
        .contains("<code>POST /api/v1/keys</code>", "refused 403", "ui-audit-test-1")
        .contains("<tr data-audit-id=\"141\" data-outcome=\"refused 403\">");
    String[] lines = get("/ui/audit/export?actor=key%3Aoperator", cookie).body().split("\n");
    assertThat(lines).singleElement().asString().contains("\"outcome\":\"refused 403\"");
  }
}
