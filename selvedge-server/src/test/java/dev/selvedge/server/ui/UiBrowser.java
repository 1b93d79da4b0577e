package dev.selvedge.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.json.TreeJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Debian chromium driven by Selenium through Debian's chromedriver (nothing downloaded),
 * with what the UI's browser tests do on every page: screenshots under {@code target/screenshots/},
 * an axe-core pass (serious and critical violations), signing in. Fails when chromium, chromedriver
 * or axe-core is missing: {@code scripts/test-services.sh} installs them.
 */
final class UiBrowser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SHOTS = Path.of("target/screenshots");

  final ChromeDriver driver;
  private final String axe;

  UiBrowser() {
    assertThat(Files.isExecutable(CHROMIUM))
        .as("chromium is not installed (%s): scripts/test-services.sh installs it", CHROMIUM)
        .isTrue();
    assertThat(Files.isExecutable(CHROMEDRIVER))
        .as(
            "chromium-driver is not installed (%s): scripts/test-services.sh installs it",
            CHROMEDRIVER)
        .isTrue();
    Path axeFile = axeFile();
    assertThat(Files.isRegularFile(axeFile))
        .as("axe-core is missing (%s): scripts/test-services.sh fetches it", axeFile)
        .isTrue();
    try {
      axe = Files.readString(axeFile);
      Files.createDirectories(SHOTS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1280,900");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
  }

  private static Path axeFile() {
    Path env = Path.of(System.getProperty("selvedge.test.env", "/var/lib/selvedge-test/env"));
    if (Files.isRegularFile(env)) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(env)) {
        p.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      String given = p.getProperty("SELVEDGE_TEST_AXE");
      if (given != null) {
        return Path.of(given);
      }
    }
    return Path.of("/var/lib/selvedge-test/axe/axe-4.11.0.min.js");
  }

  WebDriverWait waiting(Duration timeout) {
    return new WebDriverWait(driver, timeout);
  }

  /** Signs in at {@code base} with {@code token} and waits for the fleet page. */
  void signIn(String base, String token) {
    driver.manage().deleteAllCookies();
    driver.get(base + "/ui/sign-in");
    WebElement key = driver.findElement(By.id("key"));
    key.sendKeys(token);
    driver.findElement(By.cssSelector("form[action='/ui/sign-in'] button[type=submit]")).click();
    waiting(Duration.ofSeconds(15)).until(d -> d.getCurrentUrl().contains("/ui/fleet"));
  }

  void shot(String name) {
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    try {
      Files.write(SHOTS.resolve(name + ".png"), png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** axe-core's violations of impact serious or critical on the page shown. */
  List<String> seriousViolations() {
    JavascriptExecutor js = driver;
    js.executeScript(axe);
    Object out =
        js.executeAsyncScript(
            "const done = arguments[arguments.length - 1];"
                + "axe.run(document, {resultTypes: ['violations']})"
                + ".then(r => done(JSON.stringify(r.violations.map(v => ({id: v.id, impact:"
                + " v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n =>"
                + " n.target.join(' '))})))))"
                + ".catch(e => done('failed: ' + e));");
    String text = String.valueOf(out);
    assertThat(text).as("axe ran").doesNotStartWith("failed:");
    List<String> serious = new ArrayList<>();
    try {
      for (JsonNode v : TreeJson.readFirst(text)) {
        String impact = v.path("impact").asText();
        if (impact.equals("serious") || impact.equals("critical")) {
          serious.add(
              v.path("id").asText()
                  + " ("
                  + impact
                  + "): "
                  + v.path("help").asText()
                  + " "
                  + v.path("nodes"));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return serious;
  }

  /** Checks the page shown is accessible, shows none of {@code secrets}, and keeps a screenshot. */
  void page(String name, List<String> secrets) {
    String html = driver.getPageSource();
    for (String s : secrets) {
      assertThat(html).as(name).doesNotContain(s);
      assertThat(driver.getCurrentUrl()).doesNotContain(s);
    }
    assertThat(html).as(name).doesNotContain("Exception").doesNotContain("at dev.selvedge");
    assertThat(seriousViolations()).as(name).isEmpty();
    shot(name);
  }

  @Override
  public void close() {
    driver.quit();
  }
}
