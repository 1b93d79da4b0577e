package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the CLI makes of contracts a new user (or a CI runner) brings: real files, exit codes. */
class ContractInputCliTest {
  private static final String DB =
      """
      services:
        db:
          image: busybox:${APP_VERSION}
          environment:
            POSTGRES_PASSWORD: ${DB_PASSWORD:?set it in .env}
          healthcheck:
            test: ["CMD", "true"]
            interval: 5m
          restart: unless-stopped
          logging:
            options: {max-size: 10m}
      x-selvedge:
        policy:
          rules: {image-not-pinned: off}
      """;

  @TempDir Path dir;

  private MainTest.Result run(String stdin, String... args) {
    MainTest.Captured captured =
        MainTest.Captured.of(
            Map.of(), dir, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    return captured.result(Main.run(captured.cli(), args));
  }

  /** The contract and its .env.example, as a repository holds them: no .env. */
  private void writeContractWithExample() throws IOException {
    Files.writeString(dir.resolve("compose.yaml"), DB);
    Files.writeString(dir.resolve(".env.example"), "APP_VERSION=1.36\nDB_PASSWORD=\n");
  }

  @Test
  void verifyOfAnEmptyComposeFileExitsTwoNamingIt() throws IOException {
    Files.writeString(dir.resolve("compose.yaml"), "# the services were cut off here\n");
    MainTest.Result r = run("", "verify");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("compose.yaml: empty compose file");
    assertThat(r.out()).doesNotContain("PASSED");
  }

  /** A CI runner has the repository, so .env.example, but no .env. */
  @Test
  void verifyFallsBackToEnvExampleWhenThereIsNoDotEnv() throws IOException {
    writeContractWithExample();
    MainTest.Result r = run("", "verify", "--format", "json");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err())
        .containsOnlyOnce(".env.example")
        .contains("warning: no .env: variables come from .env.example");
    // config prints the values it renders with, so it takes none from an example.
    MainTest.Result config = run("", "config");
    assertThat(config.code()).isEqualTo(2);
    assertThat(config.err()).contains("required variable DB_PASSWORD is missing a value");
  }

  @Test
  void liveCommandsNeverFallBack() throws IOException {
    writeContractWithExample();
    MainTest.Result r = run("", "drift", "--host", "unix:///nonexistent/docker.sock");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("required variable DB_PASSWORD is missing a value");
  }

  @Test
  void aRealDotEnvWinsOverTheExample() throws IOException {
    writeContractWithExample();
    Files.writeString(dir.resolve(".env"), "APP_VERSION=1.36\n");
    MainTest.Result r = run("", "verify");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("required variable DB_PASSWORD is missing a value")
        .doesNotContain("no .env");
  }

  @Test
  void minusFReadsTheComposeFileFromStandardInput() {
    MainTest.Result r =
        run("services:\n  app:\n    image: busybox:1.36\n", "config", "-f", "-", "--services");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("app\n");
  }
}
