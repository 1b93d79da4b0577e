package dev.selvedge.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;
import dev.selvedge.port.RolloutStore.State;
import dev.selvedge.port.RolloutStore.Step;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A rollout's page in a real browser (Debian's chromium, headless, as {@link WebUiBrowserIT}):
 * opened while the rollout runs, it redraws its nodes and state in place when the rollout service
 * aborts it (its {@code rollout.aborted} event on the live stream), without a reload; axe-core on
 * the list, the page and the confirmation.
 */
class RolloutPagesBrowserIT {
  @TempDir Path dir;
  UiFixture f;
  UiBrowser browser;
  ChromeDriver driver;

  @BeforeEach
  void start() {
    f = new UiFixture(dir, 3, true);
    browser = new UiBrowser();
    driver = browser.driver;
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.close();
    }
    if (f != null) {
      f.close();
    }
  }

  WebDriverWait waiting() {
    return new WebDriverWait(driver, Duration.ofSeconds(15));
  }

  void signIn(String token) {
    driver.get(f.base() + "/ui/sign-in");
    driver.findElement(By.id("key")).sendKeys(token);
    driver.findElement(By.cssSelector("form[action='/ui/sign-in'] button[type=submit]")).click();
    waiting().until(d -> d.getCurrentUrl().contains("/ui/fleet"));
  }

  /** An attribute read in the page in one script (htmx may swap the element in between). */
  Object read(String css, String attribute) {
    return driver.executeScript(
        "const e = document.querySelector(arguments[0]); return e && e.getAttribute(arguments[1]);",
        css,
        attribute);
  }

  @Test
  void aRolloutsPageRedrawsItsNodesAndStateLiveWhenTheRolloutIsAborted() {
    Instant at = f.clock.instant().minusSeconds(120);
    String owner = "cli 4242 on build-1";
    f.store
        .rollouts()
        .create(
            new Rollout(
                "b10c0001",
                "shop",
                "all",
                "1,100%",
                Map.of(),
                Duration.ofSeconds(90),
                4,
                false,
                State.RUNNING,
                "key:ops-bot",
                at,
                at,
                owner,
                f.clock.instant().plusSeconds(60),
                null,
                null),
            List.of(
                new NodeStep("app-1", 0, 0, Step.APPLYING, null, null, null, null, at),
                new NodeStep("app-2", 1, 1, Step.PENDING, null, null, null, null, at)),
            Duration.ofMinutes(1)); // the owner's lease, on the database's clock
    signIn(f.read);
    driver.get(f.base() + "/ui/rollouts");
    assertThat(browser.seriousViolations()).as("rollouts list").isEmpty();
    browser.shot("rollouts");
    driver.findElement(By.cssSelector("a[href='/ui/rollouts/b10c0001']")).click();
    waiting().until(d -> "live".equals(d.findElement(By.id("live")).getAttribute("data-state")));
    assertThat(read("#rollout", "data-state")).isEqualTo("running");
    assertThat(read("tr[data-node='app-1']", "data-step")).isEqualTo("applying");
    driver.executeScript("window.selvedgeNotReloaded = true;");

    // The canary's apply ends (its owner writes it), then someone aborts: the service's event
    // reaches the page, which asks for its rollout again.
    assertThat(
            f.store
                .rollouts()
                .step(
                    "b10c0001",
                    owner,
                    new NodeStep("app-1", 0, 0, Step.HEALTHY, null, 3L, 4L, "healthy in 4s", at)))
        .isTrue();
    f.plane.rollouts().abort("b10c0001", "aborted by key:someone");

    waiting().until(d -> "aborted".equals(read("#rollout", "data-state")));
    assertThat(read("tr[data-node='app-1']", "data-step")).isEqualTo("healthy");
    WebElement reason = driver.findElement(By.id("rollout-reason"));
    assertThat(reason.getText()).isEqualTo("aborted by key:someone");
    assertThat(driver.findElement(By.id("live-news")).getAttribute("textContent"))
        .isEqualTo("Rollout b10c0001: aborted.");
    assertThat(driver.executeScript("return window.selvedgeNotReloaded === true;"))
        .as("redrawn in place, not reloaded")
        .isEqualTo(true);
    // A read key gets no action, also after the redraw.
    assertThat(driver.findElements(By.cssSelector("[data-action]"))).isEmpty();
    assertThat(browser.seriousViolations()).as("rollout page after a live change").isEmpty();
    browser.shot("rollout-live");
    assertThat(driver.getPageSource()).doesNotContain(UiFixture.PLANTED);

    // An operate key's resume confirmation, for axe and a screenshot (nothing is run).
    driver.manage().deleteAllCookies();
    signIn(f.operate);
    driver.get(f.base() + "/ui/rollouts/b10c0001");
    driver.findElement(By.cssSelector("[data-action='resume']")).click();
    waiting().until(d -> !d.findElements(By.cssSelector("article.confirm")).isEmpty());
    assertThat(browser.seriousViolations()).as("resume confirmation").isEmpty();
    browser.shot("rollout-confirm");
    driver.get(f.base() + "/ui/updates");
    assertThat(browser.seriousViolations()).as("updates page").isEmpty();
    browser.shot("updates");
    driver.get(f.base() + "/ui/notifications");
    assertThat(browser.seriousViolations()).as("notifications page").isEmpty();

    // A narrow window: the header's links wrap, the nodes' table scrolls.
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
    driver.get(f.base() + "/ui/rollouts/b10c0001");
    assertThat(
            driver.executeScript(
                "return document.querySelector('header').scrollWidth"
                    + " <= document.documentElement.clientWidth;"))
        .as("the header fits a narrow window")
        .isEqualTo(true);
    assertThat(browser.seriousViolations()).as("narrow rollout page").isEmpty();
    browser.shot("rollout-narrow");
  }
}
