package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.operations.Revision;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operating commands' failures before any engine is touched: refused contracts, a missing
 * engine, an unknown service, a store that cannot be opened. Exit 2 with a message that says what
 * to do; no stack trace. (The happy paths run against a real engine in ApplyIT.)
 */
class OperateCommandTest {
  @TempDir Path dir;

  private MainTest.Result run(String... args) {
    Map<String, String> env =
        Map.of(
            "SELVEDGE_HOME",
            dir.resolve("home").toString(),
            "DOCKER_HOST",
            "unix://" + dir.resolve("no-engine.sock"));
    return MainTest.run(dir, env, args);
  }

  private void contract(String services) throws IOException {
    Files.writeString(
        dir.resolve("compose.yaml"),
        """
        name: ops
        x-selvedge:
          policy:
            rules: {healthcheck-missing: "off", logging-unbounded: "off", restart-policy-missing: "off"}
        services:
        %s"""
            .formatted(services));
  }

  @Test
  void aBuildSectionIsRefusedBeforeAnythingIsTouched() throws IOException {
    contract(
        """
          app:
            image: example.test/app:1
            build: .
        """);
    MainTest.Result r = run("plan");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("service 'app' has a build: section")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  @Test
  void anUnreachableEngineIsNamedWithExitTwo() throws IOException {
    contract(
        """
          app:
            image: example.test/app:1
        """);
    MainTest.Result r = run("plan");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("no-engine.sock").doesNotContain("\tat ");
    MainTest.Result apply = run("apply");
    assertThat(apply.code()).isEqualTo(2);
    assertThat(apply.err()).contains("no-engine.sock");
  }

  @Test
  void aDependencyCycleIsRefused() throws IOException {
    contract(
        """
          a: {image: example.test/a:1, depends_on: [b]}
          b: {image: example.test/b:1, depends_on: [a]}
        """);
    MainTest.Result r = run("apply");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("cycle");
  }

  @Test
  void aGateTimeoutThatCannotPassIsRefusedBeforeTheEngineIsAsked() throws IOException {
    contract(
        """
          app:
            image: example.test/app:1
        """);
    for (String bad : new String[] {"0s", "-5s", "500ms"}) {
      for (String command : new String[] {"apply", "rollback"}) {
        MainTest.Result r = run(command, "--gate-timeout=" + bad);
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err())
            .contains("--gate-timeout " + bad + ": must be at least 1s")
            // Refused first: the (missing) engine is never reached.
            .doesNotContain("no-engine.sock");
      }
    }
    MainTest.Result word = run("apply", "--gate-timeout", "soon");
    assertThat(word.code()).isEqualTo(2);
    assertThat(word.err()).contains("--gate-timeout soon: write a duration");
  }

  @Test
  void anUnsupportedStoreUrlIsRefusedNamingTheAcceptedForms() throws IOException {
    contract(
        """
          app:
            image: example.test/app:1
        """);
    MainTest.Result r = run("history", "--store", "jdbc:mysql://127.0.0.1/x");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("jdbc:h2:").contains("jdbc:postgresql:");
  }

  @Test
  void historyOfANewProjectIsEmptyAndNeedsNoEngine() throws IOException {
    contract(
        """
          app:
            image: example.test/app:1
        """);
    MainTest.Result r = run("history");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("no deployments yet");
  }

  @Test
  void progressOffATerminalIsOneLinePerChange() {
    StringWriter err = new StringWriter();
    TerminalProgress p = new TerminalProgress(new PrintWriter(err), false, s -> s);
    p.step("web", "pulling registry.test/web:1");
    p.progress("registry.test/web:1", "abc", "Downloading", 10, 100);
    p.progress("registry.test/web:1", "abc", "Downloading", 50, 100);
    p.progress("registry.test/web:1", "abc", "Pull complete", -1, -1);
    assertThat(err.toString().lines())
        .containsExactly(
            "[web] pulling registry.test/web:1",
            "  registry.test/web:1 abc: Downloading",
            "  registry.test/web:1 abc: Pull complete");
  }

  @Test
  void progressOnATerminalRedrawsOneLine() {
    StringWriter err = new StringWriter();
    TerminalProgress p = new TerminalProgress(new PrintWriter(err), true, s -> s);
    p.progress("registry.test/web:1", "abc", "Downloading", 1_000_000, 4_000_000);
    p.progress("registry.test/web:1", "abc", "Downloading", 2_000_000, 4_000_000);
    p.step("web", "created");
    assertThat(err.toString())
        .contains("\r\033[2K  registry.test/web:1 abc: Downloading 2.0MB/4.0MB")
        .endsWith("\r\033[2K[web] created" + System.lineSeparator());
  }

  @Test
  void theRevisionIsReadFromGitWithoutRunningIt() throws IOException {
    String sha = "0123456789abcdef0123456789abcdef01234567";
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo.resolve(".git/refs/heads"));
    Files.writeString(repo.resolve(".git/HEAD"), "ref: refs/heads/main\n");
    Files.writeString(repo.resolve(".git/refs/heads/main"), sha + "\n");
    Files.createDirectories(repo.resolve("deploy/shop"));
    Files.writeString(repo.resolve("deploy/shop/compose.yaml"), "services: {a: {image: x/a:1}}\n");
    assertThat(Revision.of(project(repo.resolve("deploy/shop")))).isEqualTo(sha);

    // A worktree: .git is a file pointing at its git directory; branches are in the common one.
    String other = "fedcba9876543210fedcba9876543210fedcba98";
    Path wtGit = repo.resolve(".git/worktrees/wt");
    Files.createDirectories(wtGit);
    Files.writeString(wtGit.resolve("HEAD"), "ref: refs/heads/feature\n");
    Files.writeString(wtGit.resolve("commondir"), "../..\n");
    Files.writeString(repo.resolve(".git/packed-refs"), other + " refs/heads/feature\n");
    Path wt = dir.resolve("wt");
    Files.createDirectories(wt);
    Files.writeString(wt.resolve(".git"), "gitdir: " + wtGit + "\n");
    Files.writeString(wt.resolve("compose.yaml"), "services: {a: {image: x/a:1}}\n");
    assertThat(Revision.of(project(wt))).isEqualTo(other);
  }

  private static dev.selvedge.contract.model.Project project(Path dir) {
    return dev.selvedge.contract.compose.ComposeLoader.load(
        dev.selvedge.contract.compose.LoadOptions.of(dir));
  }
}
