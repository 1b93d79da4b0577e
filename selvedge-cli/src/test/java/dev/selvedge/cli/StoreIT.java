package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default H2 store as real CLI processes use it: several at once on one file, and a file that
 * exists but cannot be read. {@code history} asks the engine only for its ID, so the store is what
 * is exercised.
 */
class StoreIT {
  @TempDir Path tmp;
  private Path repo;
  private Path home;

  @BeforeEach
  void project() throws IOException {
    repo = Files.createDirectories(tmp.resolve("repo"));
    home = tmp.resolve("home");
    Files.writeString(
        repo.resolve("compose.yaml"),
        "name: selvedge-store-it\nservices:\n  web:\n    image: selvedge-test/busybox:1\n");
  }

  @Test
  void eightProcessesOnOneStoreFileAllSucceed() throws Exception {
    assertThat(selvedge("history").waitFor(120, TimeUnit.SECONDS)).isTrue(); // the store exists
    List<Process> all = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      all.add(selvedge("history"));
    }
    for (Process p : all) {
      try {
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("no deployments yet");
      } finally {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void aTruncatedStoreFileIsAnErrorNamingItAndIsNotRecreated() throws Exception {
    Process first = selvedge("history");
    assertThat(first.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(first.exitValue()).isZero();
    Path file = home.resolve("store/selvedge.mv.db");
    assertThat(Files.size(file)).isPositive();
    Files.write(file, new byte[0]); // truncated, as by a full disk or a careless copy

    Process p = selvedge("history");
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isEqualTo(2);
    assertThat(out)
        .contains("the store file " + file + " is empty")
        .doesNotContain("no deployments");
    assertThat(file).isEmptyFile();
  }

  private Process selvedge(String... args) throws IOException {
    Path jar = Path.of("target", "selvedge.jar").toAbsolutePath();
    assumeTrue(Files.isRegularFile(jar), "no " + jar + ": run through mvn verify");
    List<String> command =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElse("java"), "-jar", jar.toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--project-directory", repo.toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("SELVEDGE_HOME", home.toString());
    pb.environment().remove("SELVEDGE_STORE_URL");
    return pb.start();
  }
}
