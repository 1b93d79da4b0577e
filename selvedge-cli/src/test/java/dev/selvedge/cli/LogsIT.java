package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logs} against a real engine, from a container whose output carries terminal control
 * sequences. The container carries {@code dev.selvedge.test=1} and a unique project name and is
 * removed after each test.
 */
class LogsIT {
  @TempDir Path tmp;
  private Map<String, String> facts;
  private String project;

  @BeforeEach
  void project() throws Exception {
    facts = TestHost.facts();
    project = TestHost.newProject();
    Files.writeString(
        tmp.resolve("compose.yaml"),
        """
        services:
          noisy:
            image: %s
            labels:
              dev.selvedge.test: "1"
        """
            .formatted(facts.get("SELVEDGE_TEST_IMAGE")));
  }

  @AfterEach
  void remove() throws Exception {
    TestHost.removeContainers(project);
  }

  @Test
  void controlSequencesFromAContainerShowEscapedUnlessRaw() throws Exception {
    // A colour, a window title (OSC 0 ended by BEL), a one-byte CSI (C1, UTF-8 encoded), a
    // carriage return that would overwrite the line, and a tab that is kept.
    String id =
        TestHost.runLabelled(
            project,
            "noisy",
            "printf",
            "\\033[31mred\\033[0m \\033]0;pwned\\007 \\302\\23332m fake\\rreal\\tend\\n");
    // The logs are complete once the container has exited.
    TestHost.run(List.of("docker", "wait", id));

    MainTest.Result r = logs();
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("\\x1b[31mred\\x1b[0m \\x1b]0;pwned\\x07 \\u009b32m fake\\x0dreal\tend")
        .doesNotContain("\u001b")
        .doesNotContain("\u0007")
        .doesNotContain("\u009b")
        .doesNotContain("\r");

    MainTest.Result raw = logs("--raw");
    assertThat(raw.code()).as(raw.err()).isZero();
    assertThat(raw.out())
        .contains("\u001b[31mred\u001b[0m \u001b]0;pwned\u0007 \u009b32m fake\rreal");
  }

  private MainTest.Result logs(String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "logs",
                "noisy",
                "--project-directory",
                tmp.toString(),
                "-p",
                project,
                "--since",
                "10m",
                "--timeout",
                "10s"));
    args.addAll(List.of(more));
    return MainTest.run(tmp, Map.of("PATH", System.getenv("PATH")), args.toArray(String[]::new));
  }
}
