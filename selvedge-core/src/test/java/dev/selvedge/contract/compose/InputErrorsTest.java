package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.model.Project;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs that are not a usable contract: each is refused with the file (and line) and the real
 * cause, never passed as an empty project or reported as a missing file.
 */
class InputErrorsTest {
  private static final String SERVICE = "services:\n  app:\n    image: busybox:1.36\n";

  @TempDir Path dir;

  private Project load(String... files) {
    return loadFiles(dir, files);
  }

  /** Project {@code p} from {@code files} (as {@code -f}, in order) in {@code dir}. */
  static Project loadFiles(Path dir, String... files) {
    return ComposeLoader.load(
        new LoadOptions(
            List.of(files).stream().map(Path::of).toList(),
            null,
            "p",
            List.of(),
            Set.of(),
            Map.of(),
            dir));
  }

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    return Files.writeString(file, text);
  }

  // Item 7: docker compose refuses these ("empty compose file"); a truncated file must not pass.

  @Test
  void anEmptyOrCommentOnlyFileIsRefusedNamingIt() throws IOException {
    for (String text : List.of("", "\n\n", "# services will come later\n", "version: '3.8'\n")) {
      write("compose.yaml", text);
      assertThatThrownBy(() -> load("compose.yaml"))
          .as("%s", text)
          .isInstanceOf(ContractException.class)
          .hasMessageStartingWith("compose.yaml: empty compose file");
    }
  }

  @Test
  void aFileWithoutServicesIsRefused() throws IOException {
    for (String text :
        List.of("services: {}\n", "services:\n", "name: p\nnetworks:\n  front: {}\n")) {
      write("compose.yaml", text);
      assertThatThrownBy(() -> load("compose.yaml"))
          .as("%s", text)
          .isInstanceOf(ContractException.class)
          .hasMessageStartingWith("compose.yaml")
          .hasMessageContaining("no services defined");
    }
  }

  @Test
  void anEmptyOverrideIsSkippedWithAWarningAsDockerComposeDoes() throws IOException {
    write("compose.yaml", SERVICE);
    write("compose.override.yaml", "# nothing to override yet\n");
    Project p = load("compose.yaml", "compose.override.yaml");
    assertThat(p.services()).containsOnlyKeys("app");
    assertThat(p.warnings()).contains("compose.override.yaml: empty; nothing merged from it");
  }

  @Test
  void servicesFromAnOverrideOrAnIncludeCount() throws IOException {
    write("compose.yaml", "name: p\n");
    write("compose.override.yaml", SERVICE);
    assertThat(load("compose.yaml", "compose.override.yaml").services()).containsOnlyKeys("app");
    write("lib/app.yaml", SERVICE);
    write("main.yaml", "include:\n  - lib/app.yaml\n");
    assertThat(load("main.yaml").services()).containsOnlyKeys("app");
  }

  @Test
  void anEmptyIncludedFileIsRefusedWhereItIsIncluded() throws IOException {
    write("lib/empty.yaml", "# truncated\n");
    write("compose.yaml", SERVICE + "include:\n  - lib/empty.yaml\n");
    assertThatThrownBy(() -> load("compose.yaml"))
        .hasMessageStartingWith("compose.yaml:5:5: include[0]: includes an empty Compose file");
  }

  // Item 16: errors name where the missing file is referenced, and the real cause.

  @Test
  void aMissingIncludeNamesTheLineThatIncludesIt() throws IOException {
    write("compose.yaml", SERVICE + "include:\n  - path: lib/gone.yaml\n");
    assertThatThrownBy(() -> load("compose.yaml"))
        .hasMessage(
            "compose.yaml:5:5: include[0]: lib/gone.yaml: file not found; check the include path");
  }

  @Test
  void aMissingExtendsFileNamesTheLineThatNamesIt() throws IOException {
    write(
        "compose.yaml",
        SERVICE + "  worker:\n    extends:\n      file: base.yaml\n      service: app\n");
    assertThatThrownBy(() -> load("compose.yaml"))
        .hasMessage(
            "compose.yaml:6:13: services.worker.extends.file: base.yaml: file not found; check"
                + " extends.file");
  }

  @Test
  void aMissingMinusFFileStillPointsAtTheFlag() {
    assertThatThrownBy(() -> load("nope.yaml"))
        .hasMessage("nope.yaml: file not found; check the -f path");
  }

  @Test
  void aDeviceIsNotAMissingFile() {
    assertThatThrownBy(() -> load("/dev/zero"))
        .hasMessage("/dev/zero: is a character device, not a regular file");
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void aFifoIsRefusedWithoutBlockingOnIt() throws Exception {
    Path fifo = dir.resolve("compose.yaml");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor()).isZero();
    // No writer ever opens it: reading it would hang this test until the timeout fails it.
    assertThatThrownBy(() -> load("compose.yaml"))
        .hasMessageStartingWith("compose.yaml: is a FIFO (named pipe");
  }

  @Test
  void aSymlinkLoopAndADanglingLinkSaySo() throws IOException {
    Files.createSymbolicLink(dir.resolve("a.yaml"), Path.of("b.yaml"));
    Files.createSymbolicLink(dir.resolve("b.yaml"), Path.of("a.yaml"));
    assertThatThrownBy(() -> load("a.yaml"))
        .hasMessage("a.yaml: is a symbolic link loop (or a chain of too many links)");
    Files.createSymbolicLink(dir.resolve("c.yaml"), Path.of("gone.yaml"));
    assertThatThrownBy(() -> load("c.yaml"))
        .hasMessage("c.yaml: is a symbolic link to a file that does not exist");
  }

  @Test
  void aDuplicateKeyNamesTheKeyItsPathAndBothLines() throws IOException {
    write("compose.yaml", SERVICE + "  app:\n    image: busybox:1.35\n");
    assertThatThrownBy(() -> load("compose.yaml"))
        .hasMessage(
            "compose.yaml:4:3: services.app: duplicate key 'app' (first at line 2); keep one of"
                + " them");
    write("compose.yaml", SERVICE + "    ports: [{target: 80, target: 81}]\n");
    assertThatThrownBy(() -> load("compose.yaml"))
        .hasMessage(
            "compose.yaml:4:26: services.app.ports[0].target: duplicate key 'target' (first at"
                + " line 4); keep one of them");
  }

  @Test
  void standardInputIsReadForMinusF() throws IOException {
    write("sub/app.env", "MODE=from-env-file\n");
    byte[] stdin = (SERVICE + "    env_file: sub/app.env\n").getBytes(StandardCharsets.UTF_8);
    Project p =
        ComposeLoader.load(
            new LoadOptions(List.of(Path.of("-")), null, null, List.of(), Set.of(), Map.of(), dir)
                .withSources(SourceFiles.withStdin(SourceFiles.LOCAL, stdin)));
    // As docker compose: the project directory is the working directory.
    assertThat(p.workingDir()).isEqualTo(dir.toString());
    assertThat(p.services().get("app").environment()).containsEntry("MODE", "from-env-file");
  }

  @Test
  void minusFWithoutStandardInputSaysSo() {
    assertThatThrownBy(() -> load("-"))
        .hasMessageStartingWith("stdin: -f - (standard input) is not read by this command");
  }
}
