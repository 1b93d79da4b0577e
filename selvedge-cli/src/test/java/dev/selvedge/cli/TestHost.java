package dev.selvedge.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.selvedge.contract.compose.DotEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The machine the integration tests run on: the facts scripts/test-services.sh wrote about the
 * services it started, and running a command there.
 */
final class TestHost {
  static final Path FACTS = Path.of("/var/lib/selvedge-test/env");

  private TestHost() {}

  /** The facts file as a map; the test is skipped with a plain message when it is absent. */
  static Map<String, String> facts() throws IOException {
    assumeTrue(
        Files.isRegularFile(FACTS),
        "test services absent (" + FACTS + "): run scripts/test-services.sh or ./test.sh");
    return DotEnv.parseLiteral(Files.readString(FACTS), FACTS.toString());
  }

  /** A Compose project name no other test uses, so that a test's containers are its own. */
  static String newProject() {
    return "selvedge-it-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * Starts, outside Compose, a container of the test image labelled as {@code service} of {@code
   * project} (and as a test's), running {@code command}; its id.
   */
  static String runLabelled(String project, String service, String... command) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "docker",
                "run",
                "-d",
                "--label",
                "com.docker.compose.project=" + project,
                "--label",
                "com.docker.compose.service=" + service,
                "--label",
                "dev.selvedge.test=1",
                facts().get("SELVEDGE_TEST_IMAGE")));
    cmd.addAll(List.of(command));
    return run(cmd).strip();
  }

  /** Removes every container of {@code project} (found by its Compose label), with its volumes. */
  static void removeContainers(String project) throws Exception {
    String ids =
        run(List.of(
                "docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + project))
            .strip();
    if (!ids.isEmpty()) {
      List<String> rm = new ArrayList<>(List.of("docker", "rm", "-f", "-v"));
      rm.addAll(List.of(ids.split("\\s+")));
      run(rm);
    }
  }

  /** Removes every container, network and volume of Compose project {@code project}. */
  static void removeProject(String project) throws Exception {
    removeContainers(project);
    for (String kind : List.of("network", "volume")) {
      String names =
          run(List.of(
                  "docker",
                  kind,
                  "ls",
                  "-q",
                  "--filter",
                  "label=com.docker.compose.project=" + project))
              .strip();
      if (!names.isEmpty()) {
        List<String> rm = new ArrayList<>(List.of("docker", kind, "rm"));
        rm.addAll(List.of(names.split("\\s+")));
        run(rm);
      }
    }
  }

  /** Runs a command; its output (stdout and stderr), or an AssertionError when it fails. */
  static String run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " failed:\n" + output);
    }
    return output;
  }
}
