package dev.selvedge.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.AuditLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The UI's actions in a real browser against a real control plane on the real local dockerd ({@link
 * UiDockerFixture}): an operate key applies, applies a second image, then rolls back through the
 * confirmation and follows the operation page live until it succeeded, and the engine runs the
 * first image again; logs and the plan load in place; a read key sees no action control and is
 * refused when it posts the form anyway. Every page: axe-core pass, screenshot, no secret.
 */
class WebUiActionsBrowserIT {
  static UiBrowser browser;

  @TempDir Path dir;
  UiDockerFixture f;

  @BeforeAll
  static void open() {
    browser = new UiBrowser();
  }

  @AfterAll
  static void quit() {
    if (browser != null) {
      browser.close();
    }
  }

  @BeforeEach
  void start() {
    f = UiDockerFixture.start(dir);
  }

  @AfterEach
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  void go(String path) {
    browser.driver.get(f.base() + path);
  }

  /** The state the operation page shows now (read in one script: htmx swaps the element). */
  String state() {
    return String.valueOf(
        browser.driver.executeScript(
            "const p = document.getElementById('progress'); return p ? p.dataset.state : null;"));
  }

  /** Confirms on the confirmation page shown and waits for its operation to end on its page. */
  String confirmAndFollow(String shots) {
    browser
        .driver
        .findElement(By.cssSelector("form[method=post] button[type=submit][data-confirm-submit]"))
        .click();
    browser
        .waiting(Duration.ofSeconds(15))
        .until(d -> d.getCurrentUrl().contains("/ui/operations/"));
    String url = browser.driver.getCurrentUrl();
    if (shots != null) {
      browser.page(shots + "-running", f.secrets());
    }
    // Live: the page polls its progress; no reload (the URL and the document stay).
    Object document = browser.driver.executeScript("return window.performance.timeOrigin;");
    browser
        .waiting(Duration.ofSeconds(240))
        .until(d -> !List.of("queued", "running", "null").contains(state()));
    assertThat(browser.driver.getCurrentUrl()).isEqualTo(url);
    assertThat(browser.driver.executeScript("return window.performance.timeOrigin;"))
        .isEqualTo(document);
    return state();
  }

  /** From the stack page: the control {@code css}, its confirmation, then the operation. */
  String act(String css, String shots) {
    go(f.stackPath());
    browser.driver.findElement(By.cssSelector(css)).click();
    browser
        .waiting(Duration.ofSeconds(15))
        .until(d -> !d.findElements(By.cssSelector("article.confirm")).isEmpty());
    if (shots != null) {
      browser.page(shots + "-confirm", f.secrets());
    }
    return confirmAndFollow(shots);
  }

  @Test
  void anOperateKeyAppliesAndRollsBackThroughTheConfirmation() {
    String variant = f.variant();
    f.contract(f.good(), "one", false);
    f.sweep(); // the node's engine facts: the stack page finds its deployments by the daemon id
    browser.signIn(f.base(), f.operateToken());

    go(f.stackPath());
    browser.page("actions-stack-before", f.secrets());
    // The plan, loaded in place.
    browser.driver.findElement(By.linkText("Show the plan")).click();
    WebElement plan =
        browser
            .waiting(Duration.ofSeconds(60))
            .until(d -> d.findElement(By.cssSelector("#stack-plan .plan")));
    assertThat(plan.getAttribute("data-changes")).isEqualTo("true");
    assertThat(plan.getText()).contains("web");

    assertThat(act("[data-action=apply]", "actions-apply")).isEqualTo("succeeded");
    assertThat(browser.driver.findElement(By.cssSelector(".outcome")).getText())
        .contains("healthy");
    browser.page("actions-operation-succeeded", f.secrets());
    String first = f.containerImage("web");
    assertThat(first).isEqualTo(f.imageId(f.good()));

    f.contract(variant, "two", false);
    assertThat(act("[data-action=apply]", null)).isEqualTo("succeeded");
    assertThat(f.containerImage("web")).isEqualTo(f.imageId(variant)).isNotEqualTo(first);

    f.sweep();
    go(f.stackPath());
    // Logs of web, loaded in place, bounded and scrubbed.
    browser.driver.findElement(By.linkText("Logs of web")).click();
    WebElement logs =
        browser
            .waiting(Duration.ofSeconds(30))
            .until(d -> d.findElement(By.cssSelector("#logs-web [data-logs=web]")));
    assertThat(logs.getText()).contains("The last 120 lines at most");
    browser.page("actions-stack-logs-plan", f.secrets());

    List<WebElement> targets =
        browser.driver.findElements(By.cssSelector("[data-action=rollback][data-deployment]"));
    assertThat(targets).hasSize(1); // the first apply; the second runs now
    String to = targets.get(0).getAttribute("data-deployment");
    assertThat(act("[data-action=rollback][data-deployment='" + to + "']", "actions-rollback"))
        .isEqualTo("succeeded");
    browser.page("actions-rollback-succeeded", f.secrets());
    assertThat(f.containerImage("web")).isEqualTo(first);
    assertThat(browser.driver.findElement(By.cssSelector("main")).getText())
        .contains("rollback", "key:" + f.operateName());
    // The form's request is in the audit log as the API's are: key, address, outcome.
    assertThat(f.store().audit().find(AuditLog.Query.latest(50)))
        .anyMatch(
            e ->
                e.action().equals("rollback")
                    && e.actor().equals("key:" + f.operateName())
                    && e.source().equals("127.0.0.1")
                    && e.outcome().equals("accepted 303")
                    && e.detail().contains("from the web UI"));
  }

  /** The pill at {@code css}, read in the page (the grid may be swapped in between). */
  String pill(String css) {
    return String.valueOf(
        browser.driver.executeScript(
            "const e = document.querySelector(arguments[0]); return e && e.dataset.pill;", css));
  }

  @Test
  void aContainerStoppedOnTheEngineTurnsItsPillRedWithoutAReloadAndSignOutEndsTheSession() {
    f.contract(f.good(), "one", false);
    f.sweep();
    browser.signIn(f.base(), f.operateToken());
    assertThat(act("[data-action=apply]", null)).isEqualTo("succeeded");
    f.sweep();
    f.sweep(); // two sweeps: a new colour is shown once it held for poll.flap_sweeps (2)

    go("/ui/fleet");
    String css = "#grid .pill[data-node='" + f.node() + "'][data-stack='" + f.stack() + "']";
    browser
        .waiting(Duration.ofSeconds(15))
        .until(d -> "live".equals(d.findElement(By.id("live")).getAttribute("data-state")));
    assertThat(pill(css)).isEqualTo("green");
    browser.page("live-fleet-green", f.secrets());
    Object document = browser.driver.executeScript("return window.performance.timeOrigin;");

    UiDockerFixture.docker("stop", "-t", "1", f.container("web"));
    f.sweep();
    f.sweep();
    browser.waiting(Duration.ofSeconds(30)).until(d -> "red".equals(pill(css)));
    assertThat(browser.driver.executeScript("return window.performance.timeOrigin;"))
        .as("the same document: changed in place, not reloaded")
        .isEqualTo(document);
    WebElement red = browser.driver.findElement(By.cssSelector(css));
    assertThat(red.getText()).startsWith("red: ").contains("degraded");
    assertThat(
            browser
                .driver
                .findElement(By.id(red.getAttribute("aria-describedby")))
                .getAttribute("textContent"))
        .contains("web: container", "exited");
    browser.page("live-fleet-red", f.secrets());

    // Sign-out ends the session: the pages lead to sign-in again, and the stream closes.
    browser
        .driver
        .findElement(By.cssSelector("form[action='/ui/sign-out'] button[type=submit]"))
        .click();
    browser.waiting(Duration.ofSeconds(15)).until(d -> d.getCurrentUrl().endsWith("/ui/sign-in"));
    go("/ui/fleet");
    assertThat(browser.driver.getCurrentUrl()).endsWith("/ui/sign-in");
    assertThat(browser.driver.manage().getCookieNamed(SessionAuth.COOKIE)).isNull();

    // A read key sees the same fleet.
    browser.signIn(f.base(), f.readToken());
    assertThat(pill(css)).isEqualTo("red");
    assertThat(browser.driver.findElements(By.cssSelector("#grid tr[data-node]"))).hasSize(1);
  }

  @Test
  void aReadKeySeesNoActionAndIsRefusedWhenItPostsTheFormAnyway() {
    f.contract(f.good(), "one", false);
    f.sweep();
    browser.signIn(f.base(), f.readToken());
    go(f.stackPath());
    assertThat(browser.driver.findElements(By.cssSelector("[data-action]"))).isEmpty();
    browser.page("actions-read-key-stack", f.secrets());
    // The form an operate key would post, sent anyway with this session's own token.
    browser.driver.executeScript(
        "const f = document.createElement('form'); f.method = 'post';"
            + " f.action = arguments[0];"
            + " const t = document.createElement('input'); t.type = 'hidden'; t.name = 'csrf';"
            + " t.value = document.querySelector('input[name=csrf]').value; f.appendChild(t);"
            + " document.body.appendChild(f); f.submit();",
        f.stackPath() + "/apply");
    WebElement alert =
        browser
            .waiting(Duration.ofSeconds(15))
            .until(d -> d.findElement(By.cssSelector("[role=alert]")));
    assertThat(alert.getText()).contains("This needs a key of scope operate");
    browser.page("actions-read-key-refused", f.secrets());
    assertThat(f.container("web")).isEmpty(); // nothing ran
  }

  @Test
  void aSelfCriticalServiceStopsOnlyWithTheSecondConfirmation() {
    f.contract(f.good(), "one", true);
    f.sweep();
    browser.signIn(f.base(), f.operateToken());
    assertThat(act("[data-action=apply]", null)).isEqualTo("succeeded");
    f.sweep();
    String stop = f.stackPath() + "/services/web/stop";
    go(f.stackPath());
    browser.driver.findElement(By.cssSelector("[data-action=stop][data-service=web]")).click();
    WebElement box =
        browser
            .waiting(Duration.ofSeconds(15))
            .until(d -> d.findElement(By.name("confirm_self_restart")));
    assertThat(box.getAttribute("required")).isNotNull();
    assertThat(browser.driver.findElement(By.cssSelector("main")).getText())
        .contains("is marked self-critical", "I understand this stops");
    browser.page("actions-self-critical-confirm", f.secrets());
    // The browser does not send the form without the box ticked...
    browser.driver.findElement(By.cssSelector("[data-confirm-submit]")).click();
    assertThat(browser.driver.getCurrentUrl()).endsWith(stop);
    assertThat(browser.driver.findElements(By.cssSelector("article.confirm"))).hasSize(1);
    // ... and the server refuses it sent anyway: nothing runs.
    browser.driver.executeScript("document.querySelector('article.confirm form').submit();");
    WebElement alert =
        browser
            .waiting(Duration.ofSeconds(15))
            .until(d -> d.findElement(By.cssSelector("[role=alert]")));
    assertThat(alert.getText()).startsWith("Nothing was run.").contains("self-critical");
    browser.page("actions-self-critical-refused", f.secrets());
    assertThat(running()).isEqualTo("true");

    go(stop);
    browser.driver.findElement(By.name("confirm_self_restart")).click();
    assertThat(confirmAndFollow(null)).isEqualTo("succeeded");
    assertThat(running()).isEqualTo("false");
  }

  private String running() {
    return UiDockerFixture.docker("inspect", "-f", "{{.State.Running}}", f.container("web"))
        .strip();
  }
}
