import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A pill update from an engine change to the page (issue 13): a real {@code selvedge serve} (its
 * own process, H2 store, poll interval 1 s, flap_sweeps 1) watching a stack on the local dockerd,
 * its fleet page open in headless Debian chromium. Each round kills the stack's container and
 * times, against the engine's own {@code die} event (its TimeNano), when the page's pill turns red
 * (a MutationObserver's clock), when the stream's event was made (the sweep that saw it) and when
 * a plain WebSocket client got it. Baseline: how soon a {@code docker events} watcher learns of the
 * same death, the least any watcher of the engine can do. Then the container is started again and
 * the pill awaited green (not timed: the healthcheck decides). One machine clock for all.
 *
 * <p>Args: JAR ROUNDS WORKDIR.
 */
public final class PillLatency {
  static final String NODE = "bench";
  static final String STACK = "shop";

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]);
    int rounds = Integer.parseInt(args[1]);
    Path work = Path.of(args[2]);
    Properties env = new Properties();
    try (InputStream in = Files.newInputStream(Path.of("/var/lib/selvedge-test/env"))) {
      env.load(in);
    }
    String image = env.getProperty("SELVEDGE_TEST_REGISTRY") + "/selvedge-test/app:good";
    String engine = env.getProperty("SELVEDGE_TEST_DOCKER_HOST", "unix:///var/run/docker.sock");
    String project = "selvedge-bench-ui-" + Long.toHexString(System.nanoTime());
    Path home = Files.createDirectories(work.resolve("home"));
    Path repo = Files.createDirectories(work.resolve("repo"));
    int appPort = freePort();
    int port = freePort();
    Files.writeString(
        repo.resolve("compose.yaml"),
        """
        name: %s
        x-selvedge:
          policy:
            rules:
              healthcheck-interval-too-short: "off"
              logging-unbounded: "off"
        services:
          web:
            image: %s
            ports:
              - "127.0.0.1:%d:8080"
            labels:
              dev.selvedge.test: "1"
            healthcheck:
              test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/healthz"]
              interval: 1s
              timeout: 2s
              retries: 2
            stop_grace_period: 1s
        """
            .formatted(project, image, appPort));
    Path fleet = work.resolve("fleet.yaml");
    Files.writeString(
        fleet,
        """
        poll: {interval: 1s, timeout: 10s, concurrency: 4, flap_sweeps: 1}
        nodes:
          %s:
            engine: %s
            stacks:
              %s: {contract: %s, project: %s}
        """
            .formatted(NODE, engine, STACK, repo, project));

    Process serve = null;
    ChromeDriver browser = null;
    Process events = null;
    try {
      run(home, "java", "-jar", jar.toString(), "apply", "--project-directory", repo.toString(),
          "--gate-timeout", "60s");
      String key =
          run(home, "java", "-jar", jar.toString(), "keys", "create", "--name", "bench",
                  "--scope", "read")
              .lines()
              .filter(l -> l.startsWith("slv_"))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("keys create printed no token"));
      String container =
          run(home, "docker", "ps", "-q", "--filter", "label=com.docker.compose.project=" + project)
              .strip();
      serve =
          process(home, "java", "-Xmx256m", "-jar", jar.toString(), "serve", "--fleet",
                  fleet.toString(), "--listen", "127.0.0.1:" + port)
              .redirectOutput(work.resolve("serve.out").toFile())
              .redirectError(work.resolve("serve.err").toFile())
              .start();
      String base = "http://127.0.0.1:" + port;
      waitFor(() -> ready(base), Duration.ofSeconds(60), "serve ready");

      // The raw engine: a docker events watcher, timing each die line on arrival.
      events =
          new ProcessBuilder(
                  "docker", "events", "--filter", "container=" + container, "--filter",
                  "event=die", "--format", "{{.TimeNano}}")
              .redirectErrorStream(true)
              .start();
      List<long[]> dies = Collections.synchronizedList(new ArrayList<>()); // {timeNano, seenMs}
      Process watcher = events;
      Thread.startVirtualThread(
          () -> {
            try (BufferedReader r =
                new BufferedReader(
                    new InputStreamReader(watcher.getInputStream(), StandardCharsets.UTF_8))) {
              for (String line; (line = r.readLine()) != null; ) {
                long seen = System.currentTimeMillis();
                if (line.strip().matches("\\d+")) {
                  dies.add(new long[] {Long.parseLong(line.strip()), seen});
                }
              }
            } catch (IOException e) {
              // the watcher was stopped
            }
          });

      // A plain WebSocket client of the stream: when it gets each red event, and the event's at.
      Map<Integer, long[]> streamed = new ConcurrentHashMap<>(); // round -> {atMs, gotMs}
      int[] round = {0};
      HttpClient.newHttpClient()
          .newWebSocketBuilder()
          .header("Authorization", "Bearer " + key)
          .buildAsync(
              URI.create("ws://127.0.0.1:" + port + "/api/v1/events?type=stack.status.changed"),
              new WebSocket.Listener() {
                final StringBuilder text = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                  text.append(data);
                  if (last) {
                    long got = System.currentTimeMillis();
                    String m = text.toString();
                    text.setLength(0);
                    if (m.contains("\"to\":\"red\"")) {
                      Matcher at = Pattern.compile("\"at\":\"([^\"]+)\"").matcher(m);
                      if (at.find()) {
                        streamed.putIfAbsent(
                            round[0], new long[] {Instant.parse(at.group(1)).toEpochMilli(), got});
                      }
                    }
                  }
                  ws.request(1);
                  return null;
                }
              })
          .get(30, TimeUnit.SECONDS);

      browser = browser();
      browser.get(base + "/ui/sign-in");
      browser.findElement(By.id("key")).sendKeys(key);
      browser.findElement(By.cssSelector("form[action='/ui/sign-in'] button[type=submit]")).click();
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
      wait.until(d -> d.getCurrentUrl().contains("/ui/fleet"));
      String pill = "#grid .pill[data-node='" + NODE + "'][data-stack='" + STACK + "']";
      wait.until(d -> "live".equals(d.findElement(By.id("live")).getAttribute("data-state")));
      JavascriptExecutor js = browser;

      List<Long> total = new ArrayList<>();
      List<Long> detect = new ArrayList<>();
      List<Long> toClient = new ArrayList<>();
      List<Long> toPage = new ArrayList<>();
      List<Long> raw = new ArrayList<>();
      for (int i = 1; i <= rounds; i++) {
        round[0] = i;
        awaitPill(browser, pill, "green");
        // Watches the whole grid: the page may swap the grid in (its periodic refresh).
        js.executeScript(
            "window.redAt = null; const css = arguments[0];"
                + "new MutationObserver((m, o) => { const el = document.querySelector(css);"
                + " if (el && el.dataset.pill === 'red') { window.redAt = Date.now();"
                + " o.disconnect(); } })"
                + ".observe(document.getElementById('grid'), {attributes: true, childList: true,"
                + " subtree: true, attributeFilter: ['data-pill']});",
            pill);
        int before = dies.size();
        run(home, "docker", "kill", container);
        awaitPill(browser, pill, "red");
        long pageMs = ((Number) js.executeScript("return window.redAt;")).longValue();
        waitFor(() -> dies.size() > before, Duration.ofSeconds(30), "docker events' die line");
        long[] die = dies.get(dies.size() - 1);
        long dieMs = die[0] / 1_000_000;
        waitFor(() -> streamed.containsKey(round[0]), Duration.ofSeconds(30), "the red event");
        long[] ev = streamed.get(round[0]);
        total.add(pageMs - dieMs);
        detect.add(ev[0] - dieMs);
        toClient.add(ev[1] - ev[0]);
        toPage.add(pageMs - ev[0]);
        raw.add(die[1] - dieMs);
        System.out.printf(
            "round %2d: die -> page %5d ms (die -> sweep saw it %5d, event -> client %4d,"
                + " event -> page %4d); docker events watcher %3d ms%n",
            i, pageMs - dieMs, ev[0] - dieMs, ev[1] - ev[0], pageMs - ev[0], die[1] - dieMs);
        run(home, "docker", "start", container);
      }
      awaitPill(browser, pill, "green");
      System.out.println();
      System.out.printf(
          "pill update, engine change -> page (poll interval 1 s, flap_sweeps 1), %d rounds:%n",
          rounds);
      System.out.printf("  %-44s %s%n", "", "median / p90 / max (ms)");
      line("die -> pill red in the page", total);
      line("  die -> the sweep that saw it (event at)", detect);
      line("  event -> a WebSocket client", toClient);
      line("  event -> the page's pill", toPage);
      line("baseline: die -> a `docker events` watcher", raw);
    } finally {
      if (browser != null) {
        browser.quit();
      }
      if (events != null) {
        events.destroy();
      }
      if (serve != null) {
        serve.destroy();
        serve.waitFor(30, TimeUnit.SECONDS);
      }
      String ids =
          run(home, "docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + project)
              .strip();
      if (!ids.isEmpty()) {
        List<String> rm = new ArrayList<>(List.of("docker", "rm", "-f"));
        rm.addAll(List.of(ids.split("\\s+")));
        run(home, rm.toArray(String[]::new));
      }
      String nets =
          run(home, "docker", "network", "ls", "-q", "--filter",
                  "label=com.docker.compose.project=" + project)
              .strip();
      if (!nets.isEmpty()) {
        List<String> rm = new ArrayList<>(List.of("docker", "network", "rm"));
        rm.addAll(List.of(nets.split("\\s+")));
        run(home, rm.toArray(String[]::new));
      }
    }
  }

  static void line(String what, List<Long> ms) {
    List<Long> s = new ArrayList<>(ms);
    Collections.sort(s);
    System.out.printf(
        "  %-44s %5d / %5d / %5d%n",
        what,
        s.get(s.size() / 2),
        s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.9) - 1)),
        s.get(s.size() - 1));
  }

  static void awaitPill(ChromeDriver browser, String css, String colour) {
    // Read in the page: the grid may be swapped in between a find and a read.
    new WebDriverWait(browser, Duration.ofSeconds(60))
        .until(
            d ->
                colour.equals(
                    browser.executeScript(
                        "const e = document.querySelector(arguments[0]);"
                            + " return e && e.dataset.pill;",
                        css)));
  }

  static ChromeDriver browser() {
    System.setProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-dev-shm-usage", "--window-size=1280,900");
    return new ChromeDriver(
        new ChromeDriverService.Builder()
            .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
            .usingAnyFreePort()
            .build(),
        options);
  }

  static boolean ready(String base) {
    try {
      var r =
          HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
                  java.net.http.HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  interface Condition {
    boolean met() throws Exception;
  }

  static void waitFor(Condition c, Duration patience, String what) throws Exception {
    long deadline = System.nanoTime() + patience.toNanos();
    while (!c.met()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no " + what + " within " + patience);
      }
      Thread.sleep(20);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static ProcessBuilder process(Path home, String... command) {
    ProcessBuilder b = new ProcessBuilder(command);
    b.environment().put("SELVEDGE_HOME", home.toString());
    if (command[0].equals("java")) {
      b.command().set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
    return b;
  }

  static String run(Path home, String... command) throws IOException, InterruptedException {
    Process p = process(home, command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
    }
    return out;
  }
}
