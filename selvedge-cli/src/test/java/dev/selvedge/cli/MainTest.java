package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end, in process: real files, real output, real exit codes. */
class MainTest {
  private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
  private static final String PLANTED = "pl4nted-S3CRET-value-7f3a";

  record Result(int code, String out, String err) {}

  /** A {@link Cli} printing into buffers, for a test that runs a command and reads its output. */
  record Captured(Cli cli, StringWriter out, StringWriter err) {
    static Captured of(Map<String, String> env, Path cwd, InputStream stdin) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      return new Captured(
          new Cli(new PrintWriter(out), new PrintWriter(err), env, cwd, stdin), out, err);
    }

    /** What the command that exited with {@code code} printed. */
    Result result(int code) {
      return new Result(code, out.toString(), err.toString());
    }
  }

  static Result run(Path cwd, Map<String, String> env, String... args) {
    Captured captured = Captured.of(env, cwd, InputStream.nullInputStream());
    return captured.result(Main.run(captured.cli(), args));
  }

  static Result run(Path cwd, String... args) {
    return run(cwd, Map.of(), args);
  }

  @Test
  void theShopExamplePassesVerify() {
    Result r = run(EXAMPLES.resolve("shop"), "verify");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("PASSED").contains("waived").contains("image-not-pinned");
  }

  @Test
  void theUnsafeExampleFailsVerifyWithExitOne() {
    Result r = run(EXAMPLES.resolve("unsafe"), "verify");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out())
        .contains("image-floating-tag", "privileged", "network-host", "docker-socket-mount")
        .contains("port-conflict", "secret-committed", "env-undeclared", "logging-unbounded")
        .contains("healthcheck-missing", "healthcheck-interval-too-short");
    assertThat(r.out()).doesNotContain("tok-committed-by-mistake");
  }

  /**
   * Run from the repository's top as a CI job does: SARIF locations resolve (against their base) to
   * the real files, relative to the repository, and evidence names files relative to the project
   * directory.
   */
  @Test
  void verifyOfAProjectInASubdirectoryPlacesItsFindings() throws IOException {
    Path top = EXAMPLES.getParent();
    Result sarif =
        run(top, "verify", "--project-directory", "examples/unsafe", "--format", "sarif");
    assertThat(sarif.code()).as(sarif.err()).isEqualTo(1);
    JsonNode run = new ObjectMapper().readTree(sarif.out()).path("runs").get(0);
    String base = run.path("originalUriBaseIds").path("%SRCROOT%").path("uri").asText();
    assertThat(base).isEqualTo(top.toUri().toString());
    Set<String> uris = new HashSet<>();
    for (JsonNode result : run.path("results")) {
      JsonNode location = result.path("locations").get(0).path("physicalLocation");
      JsonNode artifact = location.path("artifactLocation");
      assertThat(artifact.path("uriBaseId").asText()).isEqualTo("%SRCROOT%");
      uris.add(artifact.path("uri").asText());
      assertThat(Path.of(URI.create(base).resolve(artifact.path("uri").asText()))).isRegularFile();
    }
    assertThat(uris).contains("examples/unsafe/compose.yaml", "examples/unsafe/.env.example");

    Result json = run(top, "verify", "--project-directory", "examples/unsafe", "--format", "json");
    Set<String> files = new HashSet<>();
    new ObjectMapper()
        .readTree(json.out())
        .path("findings")
        .forEach(f -> files.add(f.path("file").asText()));
    assertThat(files).containsExactlyInAnyOrder("compose.yaml", ".env.example");
  }

  @Test
  void ruleOverridesAndFailOnChangeTheOutcome() {
    Path shop = EXAMPLES.resolve("shop");
    assertThat(run(shop, "verify", "--fail-on", "warning").code()).isZero();
    Result r = run(EXAMPLES.resolve("unsafe"), "verify", "--rule", "image-not-pinned=off");
    assertThat(r.out()).doesNotContain("image-not-pinned");
    assertThat(run(shop, "verify", "--rule", "no-such-rule=error").code()).isEqualTo(2);
    assertThat(run(shop, "verify", "--fail-on", "loud").code()).isEqualTo(2);
  }

  @Test
  void configJsonHasTheDockerComposeShape() throws IOException {
    Result r = run(EXAMPLES.resolve("shop"), "config", "--format", "json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode root = new ObjectMapper().readTree(r.out());
    assertThat(root.get("name").asText()).isEqualTo("shop");
    JsonNode web = root.get("services").get("web");
    JsonNode port = web.get("ports").get(0);
    assertThat(port.get("target").isInt()).isTrue();
    assertThat(port.get("published").isTextual()).isTrue();
    assertThat(port.get("published").asText()).isEqualTo("8080");
    assertThat(port.get("host_ip").asText()).isEqualTo("127.0.0.1");
    assertThat(port.get("protocol").asText()).isEqualTo("tcp");
    assertThat(web.get("depends_on").get("api").get("condition").asText())
        .isEqualTo("service_healthy");
    assertThat(web.get("environment").isObject()).isTrue();
    assertThat(web.get("networks").has("default")).isTrue();
    JsonNode db = root.get("services").get("db");
    assertThat(db.get("volumes").get(0).get("type").asText()).isEqualTo("volume");
    assertThat(db.get("volumes").get(0).get("source").asText()).isEqualTo("db-data");
    assertThat(root.get("networks").get("default").get("name").asText()).isEqualTo("shop_default");
    assertThat(root.get("volumes").get("db-data").get("name").asText()).isEqualTo("shop_db-data");
  }

  @Test
  void badInputExitsTwoNamingFileAndLine(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("compose.yaml"), "services:\n  app:\n    image: a:1\n    portz: []\n");
    Result r = run(dir, "verify");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("compose.yaml:4").contains("services.app.portz");
    assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");

    Result directory = run(dir, "config", "-f", dir.toString());
    assertThat(directory.code()).isEqualTo(2);
    assertThat(directory.err()).contains("is a directory");

    Result missing = run(dir, "config", "-f", "nope.yaml");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("nope.yaml").contains("not found");
  }

  /**
   * {@code probe} reports the status once the headers are in: an event stream that never ends (and
   * here never sends an event) is http_200, not a timeout.
   */
  @Test
  void probeAnswersWithTheHeadersOfAnEndlessStream() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread stream =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket s = server.accept()) {
                      s.getInputStream().read(new byte[4096]);
                      s.getOutputStream()
                          .write(
                              "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
                                  .getBytes(StandardCharsets.ISO_8859_1));
                      while (s.getInputStream().read() >= 0) {
                        // silent until the probe hangs up
                      }
                    } catch (IOException e) {
                      // the probe hung up
                    }
                  });
      // A timeout far beyond the test: only an answer from the headers can pass.
      Result r =
          run(
              EXAMPLES,
              "probe",
              "--timeout",
              "10m",
              "http://127.0.0.1:" + server.getLocalPort() + "/events");
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).startsWith("http_200 ");
      stream.join(5000);
    }
  }

  @Test
  void usageErrorsExitTwo() {
    assertThat(run(EXAMPLES, "verify", "--format", "pdf").code()).isEqualTo(2);
    assertThat(run(EXAMPLES, "frobnicate").code()).isEqualTo(2);
    assertThat(run(EXAMPLES, "--help").out()).contains("exit codes");
  }

  /** Each family's training run (the launcher records one AOT cache per family) works quietly. */
  @Test
  void trainingRunsEachFamilyQuietly() {
    Path root = EXAMPLES.getParent();
    for (String family : List.of("contract", "live", "operate", "all")) {
      Result r = run(root, "__train", family);
      assertThat(r.code()).as(family + ": " + r.err()).isZero();
      assertThat(r.out()).as(family).isEmpty();
      assertThat(r.err()).as(family).isEmpty();
    }
    assertThat(run(root, "__train", "everything").code()).isEqualTo(2);
  }

  /** Only the named command's options are built; every command's help and flags still work. */
  @Test
  void eachCommandParsesItsOwnOptions() {
    Result top = run(EXAMPLES, "--help");
    for (Command c : Main.commands(null)) {
      if (!c.hidden()) {
        assertThat(top.out()).contains(c.name());
      }
    }
    assertThat(run(EXAMPLES, "drift", "--help").out()).contains("--deploy-dir", "--no-readback");
    assertThat(run(EXAMPLES, "apply", "--help").out()).contains("--force");
    Result wrong = run(EXAMPLES, "config", "--deploy-dir", "x");
    assertThat(wrong.code()).isEqualTo(2);
    assertThat(wrong.err()).contains("--deploy-dir");
    // Help is wrapped to COLUMNS (argparse4j's own detection would fork stty on every start).
    int narrow = widest(run(EXAMPLES, Map.of("COLUMNS", "50"), "drift", "--help"));
    int standard = widest(run(EXAMPLES, "drift", "--help"));
    int wide = widest(run(EXAMPLES, Map.of("COLUMNS", "200"), "drift", "--help"));
    assertThat(standard).isLessThanOrEqualTo(80);
    assertThat(narrow).isLessThan(standard);
    assertThat(wide).isGreaterThan(80);
  }

  private static int widest(Result r) {
    return r.out().lines().mapToInt(String::length).max().orElse(0);
  }

  /** A planted secret must not appear in any output format of any command. */
  @Test
  void aPlantedSecretAppearsInNoOutput(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("compose.yaml"),
        """
        services:
          app:
            image: example/app:1.0
            environment:
              DB_PASSWORD: ${DB_PASSWORD}
              API_TOKEN: %s
              PLAIN_SETTING: ${LICENSE}
            x-selvedge:
              secrets: [PLAIN_SETTING]
        """
            .formatted(PLANTED));
    Files.writeString(
        dir.resolve(".env"), "DB_PASSWORD=" + PLANTED + "\nLICENSE=" + PLANTED + "\n");
    Files.writeString(dir.resolve(".env.example"), "DB_PASSWORD=" + PLANTED + "\nLICENSE=\n");
    String all = outputOfConfigAndVerifyInEveryFormat(dir);
    assertThat(all).contains("DB_PASSWORD").contains("secret-committed").doesNotContain(PLANTED);

    // Substituted anywhere else: labels, build args, commands, URLs in extensions, other keys.
    Files.writeString(
        dir.resolve("compose.yaml"),
        """
        services:
          app:
            image: example/app:1.0
            build:
              context: .
              args:
                NPM_TOKEN: ${DB_PASSWORD}
            command: ["run", "--password=${DB_PASSWORD}"]
            labels:
              API_KEY: literal-label-value
              auth: ${DB_PASSWORD}
            environment:
              DATABASE_URL: postgres://u:${DB_PASSWORD}@db/x
            healthcheck:
              test: ["CMD", "check", "${DB_PASSWORD}"]
            x-notes:
              url: http://admin:${DB_PASSWORD}@127.0.0.1/
        """);
    StringBuilder more = new StringBuilder();
    for (String[] args :
        new String[][] {
          {"config"}, {"config", "--format", "json"}, {"verify", "--format", "json"}
        }) {
      Result r = run(dir, args);
      more.append(r.out()).append(r.err());
    }
    assertThat(more).contains("DATABASE_URL").contains("********");
    assertThat(more.toString()).doesNotContain(PLANTED).doesNotContain("literal-label-value");

    // Error messages quoting a substituted value.
    for (String bad :
        List.of(
            "    ports: [\"${DB_PASSWORD}:80\"]\n",
            "    mem_limit: ${DB_PASSWORD}\n",
            "    environment:\n      X: ${NOPE:?pw is ${DB_PASSWORD}}\n")) {
      Files.writeString(dir.resolve("compose.yaml"), "services:\n  app:\n    image: a:1\n" + bad);
      Result r = run(dir, "config");
      assertThat(r.code()).as(bad).isEqualTo(2);
      assertThat(r.err()).as(bad).doesNotContain(PLANTED).contains("compose.yaml");
    }

    // An invalid template under a secret key must not echo the value in the error either.
    Files.writeString(
        dir.resolve("compose.yaml"),
        "services:\n  app:\n    image: a:1\n    environment:\n      DB_PASSWORD: \""
            + PLANTED
            + "${\"\n");
    Result bad = run(dir, "config");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("DB_PASSWORD").doesNotContain(PLANTED);
  }

  /**
   * The scrubber of config is the scrubber of every message: a secret substituted into an invalid
   * image reference, or into a URL under a name that does not look secret, is in no output.
   */
  @Test
  void messagesQuotingASubstitutedSecretAreScrubbedLikeConfig(@TempDir Path dir)
      throws IOException {
    Files.writeString(
        dir.resolve("compose.yaml"),
        """
        services:
          app:
            image: "busybox:${DB_PASSWORD}@@"
            environment:
              MAIL_URL: smtp://mailer:${SMTP_PW}@mail:25
              RELAY: smtp://relay:literal-Relay-pw9@relay:25
        """);
    String smtp = "smtp-" + PLANTED;
    Files.writeString(dir.resolve(".env"), "DB_PASSWORD=" + PLANTED + "\nSMTP_PW=" + smtp + "\n");
    String all = outputOfConfigAndVerifyInEveryFormat(dir);
    assertThat(all)
        .contains("image-not-pinned")
        .contains("busybox:********@@")
        .doesNotContain(PLANTED)
        .doesNotContain("literal-Relay-pw9")
        .contains("smtp://mailer:********@mail:25");
  }

  /**
   * Everything {@code config} and {@code verify} print in each output format, each exiting 0 or 1.
   */
  private static String outputOfConfigAndVerifyInEveryFormat(Path dir) {
    StringBuilder all = new StringBuilder();
    for (String[] args :
        new String[][] {
          {"config"},
          {"config", "--format", "json"},
          {"verify"},
          {"verify", "--format", "json"},
          {"verify", "--format", "sarif"},
        }) {
      Result r = run(dir, args);
      assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isIn(0, 1);
      all.append(r.out()).append(r.err());
    }
    return all.toString();
  }
}
