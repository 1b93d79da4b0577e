package dev.selvedge.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.json.TreeJson;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in a real browser: Debian's chromium, headless, driven by Selenium through Debian's
 * chromedriver (no driver download), against a real control plane over a real store. Every page
 * gets an axe-core accessibility pass (no serious or critical violation) and a screenshot under
 * {@code target/screenshots/}. Fails, not skips, when chromium or axe-core is missing: {@code
 * scripts/test-services.sh} installs both.
 */
class WebUiBrowserIT {
  static UiBrowser browser;
  static ChromeDriver driver;

  @TempDir Path dir;
  UiFixture f;

  @BeforeAll
  static void browser() {
    browser = new UiBrowser();
    driver = browser.driver;
  }

  @AfterAll
  static void quit() {
    if (browser != null) {
      browser.close();
    }
  }

  @BeforeEach
  void start() {
    f = new UiFixture(dir);
    driver.manage().deleteAllCookies();
  }

  @AfterEach
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  // ------------------------------------------------------------------------------ helpers

  void open(String path) {
    driver.get(f.base() + path);
  }

  WebDriverWait waiting() {
    return new WebDriverWait(driver, Duration.ofSeconds(15));
  }

  void signIn(String token) {
    open("/");
    waiting().until(d -> d.getCurrentUrl().endsWith("/ui/sign-in"));
    WebElement key = driver.findElement(By.id("key"));
    key.sendKeys(token);
    driver.findElement(By.cssSelector("form[action='/ui/sign-in'] button[type=submit]")).click();
    waiting().until(d -> d.getCurrentUrl().contains("/ui/fleet"));
  }

  void shot(String name) {
    browser.shot(name);
  }

  /** axe-core's violations of impact serious or critical on the page shown. */
  List<String> seriousViolations() {
    return browser.seriousViolations();
  }

  /**
   * Nothing secret in the page, its URL or the browser's storage; the session cookie is HttpOnly.
   */
  void noSecretsShown() {
    String html = driver.getPageSource();
    String url = driver.getCurrentUrl();
    Object storage =
        driver.executeScript(
            "return JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie;");
    Cookie session = driver.manage().getCookieNamed(SessionAuth.COOKIE);
    List<String> secrets = new ArrayList<>(f.tokens);
    if (session != null) {
      assertThat(session.isHttpOnly()).isTrue();
      assertThat(session.getSameSite()).isEqualTo("Strict");
      secrets.add(session.getValue());
    }
    for (String s : secrets) {
      assertThat(html).doesNotContain(s).doesNotContain(ApiKeys.hash(s));
      assertThat(url).doesNotContain(s);
      assertThat(String.valueOf(storage)).doesNotContain(s);
    }
    assertThat(html).doesNotContain(UiFixture.PLANTED).doesNotContain(UiFixture.FINGERPRINT);
  }

  /** The grid's rows, read in one script (htmx may swap the grid between two element reads). */
  @SuppressWarnings("unchecked")
  List<String> rows() {
    return (List<String>)
        driver.executeScript(
            "return Array.from(document.querySelectorAll('#grid tr[data-node]'))"
                + ".map(e => e.dataset.node);");
  }

  // -------------------------------------------------------------------------------- tests

  /**
   * Waits until the pill at {@code css} is {@code colour}, read in the page (the page may swap its
   * grid in between a find and a read).
   */
  void waitForPill(String css, String colour) {
    waiting()
        .until(
            d ->
                colour.equals(
                    driver.executeScript(
                        "const e = document.querySelector(arguments[0]);"
                            + " return e && e.dataset.pill;",
                        css)));
  }

  void waitUntilLive() {
    waiting().until(d -> "live".equals(d.findElement(By.id("live")).getAttribute("data-state")));
  }

  @Test
  void pillsAndTheEventsFeedChangeLiveAndALostStreamIsMarked() throws IOException {
    signIn(f.read);
    waitUntilLive();
    By pill = By.cssSelector("#grid .pill[data-node='app-2'][data-stack='shop']");
    By redStacks = By.cssSelector("#grid [data-count='stacks-red']");
    assertThat(driver.findElement(pill).getAttribute("data-pill")).isEqualTo("green");
    int red = Integer.parseInt(driver.findElement(redStacks).getText().split(" ")[0]);
    driver.executeScript("window.selvedgeNotReloaded = true;");

    f.turn("app-2", "shop", Pill.RED, Sync.IN_SYNC, Health.DEGRADED, List.of("web: exited (1)"));
    waitForPill("#grid .pill[data-node='app-2'][data-stack='shop']", "red");
    WebElement turned = driver.findElement(pill);
    assertThat(turned.getText()).isEqualTo("red: in-sync, degraded");
    assertThat(turned.getAttribute("class")).contains("pill-red").doesNotContain("pill-green");
    String why = turned.getAttribute("aria-describedby");
    assertThat(driver.findElement(By.id(why)).getAttribute("textContent"))
        .isEqualTo("web: exited (1)");
    assertThat(driver.findElement(redStacks).getText()).isEqualTo((red + 1) + " red");
    assertThat(driver.findElement(By.id("live-news")).getAttribute("textContent"))
        .isEqualTo("Stack shop on app-2 turned red.");
    assertThat(driver.executeScript("return window.selvedgeNotReloaded === true;"))
        .as("changed in place, not reloaded")
        .isEqualTo(true);
    assertThat(seriousViolations()).as("fleet page after a live change").isEmpty();
    shot("fleet-live");

    open("/ui/events");
    waitUntilLive();
    f.turn("app-2", "shop", Pill.GREEN, Sync.IN_SYNC, Health.HEALTHY, List.of());
    By newest = By.cssSelector("#feed tr:first-child");
    waiting()
        .until(d -> d.findElement(newest).getAttribute("textContent").contains("\"to\":\"green\""));
    assertThat(driver.findElement(newest).getAttribute("data-type"))
        .isEqualTo("stack.status.changed");
    assertThat(seriousViolations()).as("events page").isEmpty();
    shot("events");
    noSecretsShown();

    f.store
        .tenantAudits()
        .add(
            new dev.selvedge.port.TenantAuditStore.AuditRun(
                0,
                f.clock.instant(),
                "schedule",
                "findings",
                1,
                "{\"findings\": [{\"node\": \"app-1\", \"stack\": \"shop\", \"service\": null,"
                    + " \"class\": \"foreign-resource\", \"key\": \"container other-web-1\","
                    + " \"project\": \"other\", \"fingerprint\": null, \"others\": [\"app-2/shop\"],"
                    + " \"message\": \"container 'other-web-1' belongs to another tenant\"}],"
                    + " \"unread\": []}"));
    open("/ui/tenants");
    assertThat(driver.findElement(By.cssSelector("tr[data-class='foreign-resource']")).getText())
        .contains("other-web-1");
    assertThat(seriousViolations()).as("tenants page").isEmpty();
    shot("tenants");

    // The server goes away: the page says so instead of passing old pills off as live.
    open("/ui/fleet");
    waitUntilLive();
    f.plane.close();
    waiting()
        .until(d -> "disconnected".equals(d.findElement(By.id("live")).getAttribute("data-state")));
    assertThat(driver.findElement(By.id("live")).getText()).startsWith("Disconnected since ");
    shot("fleet-disconnected");
  }

  @Test
  void signInShowsTheFleetGridAccessibly() throws IOException {
    open("/");
    waiting().until(d -> d.getCurrentUrl().endsWith("/ui/sign-in"));
    assertThat(driver.findElements(By.cssSelector("form input"))).hasSize(1);
    assertThat(driver.findElements(By.cssSelector("main form button"))).hasSize(1);
    assertThat(seriousViolations()).as("sign-in page").isEmpty();
    shot("sign-in");

    driver.findElement(By.id("key")).sendKeys("slv_" + "C".repeat(43));
    driver.findElement(By.cssSelector("main form button")).click();
    WebElement error = waiting().until(d -> d.findElement(By.cssSelector("[role=alert]")));
    assertThat(error.getText()).contains("That key is unknown or revoked");
    assertThat(seriousViolations()).as("sign-in error").isEmpty();
    shot("sign-in-wrong-key");

    signIn(f.read);
    noSecretsShown();
    List<WebElement> pills = driver.findElements(By.cssSelector("[data-stack][data-pill]"));
    assertThat(pills).hasSize(4);
    WebElement yellow =
        driver.findElement(By.cssSelector("[data-node='app-1'][data-stack='shop']"));
    assertThat(yellow.getAttribute("data-pill")).isEqualTo("yellow");
    assertThat(yellow.getText()).isEqualTo("yellow: drifted, healthy");
    // The reasons: the pill's accessible description, shown when it has keyboard focus.
    String describedBy = yellow.getAttribute("aria-describedby");
    WebElement reasons = driver.findElement(By.id(describedBy));
    assertThat(reasons.isDisplayed()).isFalse();
    yellow.sendKeys(Keys.SHIFT); // keeps it in place, gives it focus
    driver.executeScript("arguments[0].focus()", yellow);
    waiting().until(d -> reasons.isDisplayed());
    assertThat(reasons.getText()).contains("web: environment.DB_PASSWORD stale");
    shot("fleet-pill-focused");
    assertThat(driver.findElement(By.id("summary")).getText()).contains("3 of 3 nodes");
    assertThat(seriousViolations()).as("fleet page").isEmpty();
    shot("fleet");
  }

  @Test
  void filtersSearchAndSortUpdateTheGridInPlace() throws IOException {
    signIn(f.read);
    new Select(driver.findElement(By.id("pill"))).selectByValue("red");
    waiting().until(d -> rows().equals(List.of("app-1")));
    waiting().until(d -> d.getCurrentUrl().contains("pill=red"));
    new Select(driver.findElement(By.id("pill"))).selectByValue("");
    waiting().until(d -> rows().size() == 3);
    driver.findElement(By.id("q")).sendKeys("app-2");
    waiting().until(d -> rows().equals(List.of("app-2")));
    driver.findElement(By.id("q")).clear();
    driver.findElement(By.id("q")).sendKeys(Keys.BACK_SPACE);
    waiting().until(d -> rows().size() == 3);
    new Select(driver.findElement(By.id("sort"))).selectByValue("worst");
    waiting().until(d -> rows().equals(List.of("app-1", "app-3", "app-2")));
    new Select(driver.findElement(By.id("tag"))).selectByValue("us");
    waiting().until(d -> rows().equals(List.of("app-2")));
    shot("fleet-filtered");
    // htmx keeps no page in the browser's storage (its history cache is off): only the path.
    assertThat(driver.executeScript("return localStorage.length;")).isEqualTo(0L);
    assertThat(driver.executeScript("return sessionStorage.getItem('htmx-history-cache');"))
        .isNull();
    // The filtered URL works on its own (no JavaScript needed), e.g. reloaded or shared.
    driver.navigate().refresh();
    assertThat(rows()).containsExactly("app-2");
    assertThat(new Select(driver.findElement(By.id("tag"))).getFirstSelectedOption().getText())
        .isEqualTo("us");
    assertThat(seriousViolations()).as("filtered fleet page").isEmpty();
  }

  @Test
  void nodeStackAndErrorPages() throws IOException {
    signIn(f.read);
    driver.findElement(By.linkText("app-1")).click();
    waiting().until(d -> d.getCurrentUrl().endsWith("/ui/nodes/app-1"));
    assertThat(driver.findElement(By.tagName("main")).getText())
        .contains("27.3.1 (API 1.47)", "shop: drifted");
    noSecretsShown();
    assertThat(seriousViolations()).as("node page").isEmpty();
    shot("node");

    driver.findElement(By.linkText("shop")).click();
    waiting().until(d -> d.getCurrentUrl().endsWith("/ui/nodes/app-1/stacks/shop"));
    WebElement web = driver.findElement(By.cssSelector("[data-service='web']"));
    assertThat(web.getAttribute("data-pill")).isEqualTo("yellow");
    assertThat(driver.findElement(By.cssSelector("table.drift")).getText())
        .contains("environment.DB_PASSWORD", "differs", "nginx:1.27", "nginx:1.25");
    noSecretsShown();
    assertThat(seriousViolations()).as("stack page").isEmpty();
    shot("stack");

    open("/ui/nodes/nope");
    assertThat(driver.findElement(By.cssSelector("[role=alert]")).getText())
        .isEqualTo("There is no node 'nope' in the fleet.");
    assertThat(driver.getPageSource()).doesNotContain("Exception").doesNotContain("at dev.");
    assertThat(seriousViolations()).as("404 page").isEmpty();
    shot("not-found");

    // A narrow window: the page still lays out (Pico is responsive), the grid scrolls.
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
    open("/ui/fleet");
    assertThat(seriousViolations()).as("narrow fleet page").isEmpty();
    shot("fleet-narrow");
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));
  }

  @Test
  void signOutEndsTheSessionAndARevokedKeysSessionIsRefused() throws IOException {
    signIn(f.read);
    Cookie old = driver.manage().getCookieNamed(SessionAuth.COOKIE);
    assertThat(old).isNotNull();
    driver.findElement(By.cssSelector("form[action='/ui/sign-out'] button")).click();
    waiting().until(d -> d.getCurrentUrl().endsWith("/ui/sign-in"));
    // The old cookie, put back, no longer works.
    driver.manage().addCookie(old);
    open("/ui/fleet");
    assertThat(driver.getCurrentUrl()).endsWith("/ui/sign-in");

    signIn(f.operate);
    assertThat(driver.getCurrentUrl()).endsWith("/ui/fleet");
    f.keys.revoke("operator");
    driver.navigate().refresh();
    waiting().until(d -> d.getCurrentUrl().endsWith("/ui/sign-in"));
    shot("signed-out");
  }

  @Test
  void theAuditPageFiltersPagesAndIsReachableByKeyboard() throws IOException {
    java.time.Instant at = f.clock.instant().minusSeconds(3600);
    for (int i = 0; i < 60; i++) {
      f.store
          .audit()
          .record(
              new dev.selvedge.port.AuditLog.Event(
                  0,
                  at.plusSeconds(i * 10L),
                  i % 3 == 0 ? "key:ops-bot" : "ana@box",
                  "10.0.0.7",
                  i % 4 == 0 ? "restart" : "apply recreate",
                  "app-1",
                  "docker-daemon:ABCD:EFGH",
                  "shop",
                  "web",
                  "shop-web-1",
                  "sha256:aa" + i,
                  "sha256:bb" + i,
                  i % 7 == 0 ? "failed" : "done",
                  "req-" + i,
                  i % 7 == 0 ? "the engine refused" : ""));
    }
    signIn(f.read);
    driver.findElement(By.linkText("Audit")).click();
    waiting().until(d -> d.getCurrentUrl().endsWith("/ui/audit"));
    assertThat(driver.findElements(By.cssSelector("tr[data-audit-id]"))).hasSize(50);
    noSecretsShown();
    assertThat(seriousViolations()).as("audit page").isEmpty();
    shot("audit");

    // The filter form in keyboard order: each field, then its button.
    driver.executeScript("document.activeElement.blur(); window.scrollTo(0, 0);");
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 40 && !order.contains("submit"); i++) {
      new org.openqa.selenium.interactions.Actions(driver).sendKeys(Keys.TAB).perform();
      Object id =
          driver.executeScript(
              "const e = document.activeElement;"
                  + " return e.closest('#audit-filters') ? (e.id || e.type) : null;");
      if (id != null && !order.contains(String.valueOf(id))) {
        order.add(String.valueOf(id));
      }
    }
    assertThat(order)
        .containsExactly("actor", "action", "node", "stack", "since", "until", "submit");

    // Typed and sent from the keyboard: htmx swaps the table, the URL follows.
    driver.findElement(By.id("actor")).sendKeys("key:ops-bot", Keys.ENTER);
    waiting().until(d -> d.findElements(By.cssSelector("tr[data-audit-id]")).size() == 20);
    waiting().until(d -> d.getCurrentUrl().contains("actor=key%3Aops-bot"));
    assertThat(driver.findElement(By.cssSelector("a[data-export]")).getAttribute("href"))
        .endsWith("/ui/audit/export?actor=key%3Aops-bot");
    assertThat(seriousViolations()).as("filtered audit page").isEmpty();
    shot("audit-filtered");

    // Without a filter: two pages, walked by the "Older records" link.
    open("/ui/audit");
    driver.findElement(By.linkText("Older records")).click();
    waiting().until(d -> d.findElements(By.cssSelector("tr[data-audit-id]")).size() == 10);
    assertThat(driver.findElements(By.linkText("Older records"))).isEmpty();
    noSecretsShown();

    open("/ui/audit?since=yesterday");
    assertThat(driver.findElement(By.cssSelector("[role=alert]")).getText())
        .startsWith("Bad filter: since:");
    assertThat(seriousViolations()).as("audit 400 page").isEmpty();
    shot("audit-bad-filter");
  }

  /** The page's Navigation Timing: time to first byte (server render), usable, loaded, bytes. */
  static final String NAVIGATION_TIMING =
      "const n = performance.getEntriesByType('navigation')[0];"
          + "return JSON.stringify({ttfb: Math.round(n.responseStart - n.requestStart),"
          + " interactive: Math.round(n.domInteractive), loaded: Math.round(n.loadEventEnd),"
          + " bytes: n.transferSize, body: n.decodedBodySize});";

  @Test
  void aThousandNodeFleetRendersFast() throws IOException {
    f.close();
    f = new UiFixture(dir.resolve("big"), 1000);
    signIn(f.read);
    // The first render for this version is done; measure a fresh one and a cached one.
    f.version.incrementAndGet();
    long t0 = System.nanoTime();
    open("/ui/fleet");
    long first = System.nanoTime() - t0;
    JavascriptExecutor js = driver;
    Object timing = js.executeScript(NAVIGATION_TIMING);
    int pills = driver.findElements(By.cssSelector("[data-stack][data-pill]")).size();
    assertThat(pills).isEqualTo(4 + 997 * 3);
    t0 = System.nanoTime();
    driver.navigate().refresh();
    long cached = System.nanoTime() - t0;
    Object cachedTiming = js.executeScript(NAVIGATION_TIMING);
    String line =
        String.format(
            "fleet page, 1000 nodes x 3 stacks: fresh render: load %d ms, navigation timing %s;"
                + " rendered before (same version): load %d ms, navigation timing %s%n",
            first / 1_000_000, timing, cached / 1_000_000, cachedTiming);
    System.out.print(line);
    Files.writeString(UiBrowser.SHOTS.resolve("fleet-1000.txt"), line, StandardCharsets.UTF_8);
    shot("fleet-1000");
    JsonNode t;
    try {
      t = TreeJson.readFirst(String.valueOf(timing));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(t.path("interactive").asDouble()).as("time to a usable page, ms").isLessThan(5000);
  }
}
