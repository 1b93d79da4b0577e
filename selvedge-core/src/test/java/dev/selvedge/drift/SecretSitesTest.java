package dev.selvedge.drift;

import static dev.selvedge.drift.DriftFixtures.FINGERPRINTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.model.Project;
import dev.selvedge.testing.ContainerBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drift masks a secret where the contract substituted it and in what containers carry, but never
 * inside a public value it happens to match: a weak password equal to the image name must leave the
 * image readable.
 */
class SecretSitesTest {

  private static Project load(Path dir, String compose, String env) throws IOException {
    Files.writeString(dir.resolve("compose.yaml"), compose);
    Files.writeString(dir.resolve(".env"), env);
    return ComposeLoader.load(LoadOptions.of(dir).withEnvironment(Map.of()));
  }

  @Test
  void aWeakSecretEqualToTheImageNameLeavesImagesReadable(@TempDir Path dir) throws IOException {
    Project p =
        load(
            dir,
            """
            name: blog
            services:
              wordpress:
                image: wordpress:6.5
                environment:
                  WORDPRESS_DB_PASSWORD: ${DB_PASSWORD}
                  SMTP_URL: smtp://mailer:${SMTP_PW}@mail:25
                command: ["run", "--db-password=${DB_PASSWORD}"]
            """,
            "DB_PASSWORD=wordpress\nSMTP_PW=Zq8-mail-S3cret\n");
    var running =
        ContainerBuilder.matching(p, "wordpress")
            .image("wordpress:6.4")
            .env("SMTP_URL", "smtp://mailer:Old-mail-S3cret@mail:25")
            .cmd("run", "--db-password=wordpress", "--verbose")
            .build();
    DriftReport r = DriftFixtures.check(p, List.of(running));

    DriftFinding image = finding(r, "image");
    assertThat(image.expected()).isEqualTo("wordpress:6.5");
    assertThat(image.actual()).isEqualTo("wordpress:6.4");
    assertThat(image.message()).contains("'wordpress:6.4'", "'wordpress:6.5'");

    DriftFinding command = finding(r, "command");
    String fp = FINGERPRINTS.of("wordpress");
    assertThat(command.expected()).isEqualTo("[\"run\", \"--db-password=" + fp + "\"]");
    assertThat(command.actual())
        .isEqualTo("[\"run\", \"--db-password=" + fp + "\", \"--verbose\"]");

    DriftFinding smtp = finding(r, "environment.SMTP_URL");
    assertThat(smtp.expected())
        .isEqualTo("smtp://mailer:" + FINGERPRINTS.of("Zq8-mail-S3cret") + "@mail:25");
    assertThat(smtp.actual())
        .as("a URL password is a secret under any key")
        .isEqualTo("smtp://mailer:" + FINGERPRINTS.of("Old-mail-S3cret") + "@mail:25");
  }

  private static DriftFinding finding(DriftReport r, String key) {
    return r.findings().stream().filter(f -> f.key().equals(key)).findFirst().orElseThrow();
  }
}
