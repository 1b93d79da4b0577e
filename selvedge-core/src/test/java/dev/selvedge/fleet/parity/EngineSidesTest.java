package dev.selvedge.fleet.parity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.model.Project;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.port.LocalHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineSidesTest {
  @TempDir Path dir;

  @Test
  void theFilesAStackReadsAndMountsAreKeyedFingerprintsOrWhatIsThereInstead() throws Exception {
    Files.writeString(
        dir.resolve("compose.yaml"),
        """
        services:
          web:
            image: nginx
            env_file: [web.env]
            volumes:
              - ./conf.txt:/etc/conf.txt:ro
              - ./data:/data
              - ./gone.txt:/gone.txt
              - /var/run/docker.sock:/var/run/docker.sock
        """);
    Files.writeString(dir.resolve(".env"), "TOKEN=planted-token-value-1\n");
    Files.writeString(dir.resolve("web.env"), "A=1\n");
    Files.writeString(dir.resolve("conf.txt"), "listen 80\n");
    Files.createDirectories(dir.resolve("data"));
    Project p = ComposeLoader.load(LoadOptions.of(dir).withProjectName("shop"));
    Fingerprints fp = new Fingerprints(new byte[32]);
    EngineSides sides = new EngineSides((n, t) -> null, null, fp, null);

    Map<String, String> files = sides.files(new LocalHost(), p);
    assertThat(files.keySet())
        .contains("compose.yaml", ".env", "web.env", "conf.txt", "data", "gone.txt");
    assertThat(files.get("conf.txt")).startsWith("hmac-sha256:");
    assertThat(files.get(".env")).startsWith("hmac-sha256:").doesNotContain("planted");
    assertThat(files.get("data")).isEqualTo("not a regular file");
    assertThat(files.get("gone.txt")).isEqualTo("missing");
    if (Files.exists(Path.of("/var/run/docker.sock"))) {
      assertThat(files.get("/var/run/docker.sock")).isEqualTo("not a regular file");
    }

    Files.writeString(dir.resolve("conf.txt"), "listen 81\n");
    Map<String, String> again = sides.files(new LocalHost(), p);
    assertThat(again.get("conf.txt")).isNotEqualTo(files.get("conf.txt"));
    assertThat(again.get("compose.yaml")).isEqualTo(files.get("compose.yaml"));
  }
}
