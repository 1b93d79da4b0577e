package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.testing.SharedData;
import dev.selvedge.verify.EnvExample;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.Verifier;
import dev.selvedge.verify.VerifyOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets are masked where they were substituted, and values of secret keys whole; a weak secret
 * that also occurs in a public value (the image, a name) does not mangle it, and verify warns.
 */
class SecretMaskingTest {
  private static final String M = SecretValues.MASK;

  private static Project load(Path file) {
    return ComposeLoader.load(
        LoadOptions.of(file.getParent()).withFiles(List.of(file)).withEnvironment(Map.of()));
  }

  private static Path corpus(String stack) {
    Path dir = SharedData.dir().resolve("corpus/awesome-compose").resolve(stack);
    return dir.resolve("compose.yaml");
  }

  private static JsonNode service(String stack, String service) {
    return rendered(corpus(stack), service);
  }

  /** {@code service} as {@code config} renders {@code file}. */
  private static JsonNode rendered(Path file, String service) {
    return ComposeConfig.redacted().render(load(file)).get("services").get(service);
  }

  @Test
  void corpusImagesAndNamesStayReadableAndSecretKeysMasked() {
    JsonNode wordpress = service("wordpress-mysql", "wordpress");
    assertThat(wordpress.get("image").asText()).isEqualTo("wordpress:latest");
    assertThat(wordpress.get("environment").get("WORDPRESS_DB_PASSWORD").asText()).isEqualTo(M);
    assertThat(wordpress.get("environment").get("WORDPRESS_DB_USER").asText())
        .isEqualTo("wordpress");

    JsonNode gitea = service("gitea-postgres", "gitea");
    assertThat(gitea.get("image").asText()).isEqualTo("gitea/gitea:latest");
    assertThat(gitea.get("environment").get("DB_PASSWD").asText()).isEqualTo(M);
    assertThat(gitea.get("environment").get("DB_NAME").asText()).isEqualTo("gitea");

    JsonNode nc = service("nextcloud-redis-mariadb", "nc");
    assertThat(nc.get("image").asText()).isEqualTo("nextcloud:apache");
    assertThat(nc.get("environment").get("MYSQL_PASSWORD").asText()).isEqualTo(M);
    assertThat(service("nextcloud-postgres", "nc").get("image").asText())
        .isEqualTo("nextcloud:apache");

    JsonNode grafana = service("prometheus-grafana", "grafana");
    assertThat(grafana.get("container_name").asText()).isEqualTo("grafana");
    assertThat(grafana.get("image").asText()).isEqualTo("grafana/grafana");
    assertThat(grafana.get("environment").get("GF_SECURITY_ADMIN_PASSWORD").asText()).isEqualTo(M);
  }

  @Test
  void theWholeCorpusRendersNoImageOrContainerNameMasked() {
    Path root = SharedData.corpus();
    List<Path> files = SharedData.corpusFiles();
    assertThat(files).isNotEmpty();
    List<String> masked = new ArrayList<>();
    for (Path f : files) {
      JsonNode services = ComposeConfig.redacted().render(load(f)).get("services");
      for (var e : services.properties()) {
        for (String field : List.of("image", "container_name", "hostname")) {
          JsonNode v = e.getValue().get(field);
          if (v != null && v.asText().contains(M)) {
            masked.add(root.relativize(f) + " " + e.getKey() + "." + field + " = " + v.asText());
          }
        }
      }
    }
    assertThat(masked).isEmpty();
  }

  @Test
  void verifyWarnsOnTheCorpusWeakSecretsWithoutPrintingThem() {
    Project p = load(corpus("wordpress-mysql"));
    List<Finding> weak =
        Verifier.verify(p, EnvExample.absent("none"), VerifyOptions.DEFAULTS).findings().stream()
            .filter(f -> f.rule().equals("weak-secret"))
            .toList();
    assertThat(weak)
        .extracting(Finding::path)
        .contains(
            "services.db.environment.MYSQL_PASSWORD",
            "services.wordpress.environment.WORDPRESS_DB_PASSWORD");
    Finding f =
        weak.stream()
            .filter(x -> x.path().endsWith("WORDPRESS_DB_PASSWORD"))
            .findFirst()
            .orElseThrow();
    assertThat(f.message())
        .contains(
            "WORDPRESS_DB_PASSWORD", "shorter than 12 characters", "occurs in the project name")
        .doesNotContain("'wordpress'");
    assertThat(f.line()).isPositive();
    // "somewordpress" (13 characters) is long enough and occurs in no public value.
    assertThat(weak)
        .extracting(Finding::path)
        .doesNotContain("services.db.environment.MYSQL_ROOT_PASSWORD");
  }

  @Test
  void aSubstitutedWeakSecretIsMaskedOnlyWhereItWasSubstituted(@TempDir Path dir)
      throws IOException {
    Files.writeString(
        dir.resolve("compose.yaml"),
        """
        services:
          wordpress:
            image: wordpress:latest
            container_name: wordpress
            command: ["--db-password=${DB_PASSWORD}", "wordpress", "--db=$DB_NAME"]
            environment:
              - WORDPRESS_DB_PASSWORD=${DB_PASSWORD}
              - WORDPRESS_DB_USER=wordpress
              - DB_URL=mysql://wordpress:${DB_PASSWORD}@db/wordpress
              - BANNER=${DB_PASSWORD:+set}
            labels:
              backup.target: "s3://bucket/${DB_PASSWORD}/wordpress"
        """);
    Files.writeString(dir.resolve(".env"), "DB_PASSWORD=wordpress\nDB_NAME=wordpress\n");
    JsonNode s =
        ComposeConfig.redacted()
            .render(load(dir.resolve("compose.yaml")))
            .get("services")
            .get("wordpress");
    assertThat(s.get("image").asText()).isEqualTo("wordpress:latest");
    assertThat(s.get("container_name").asText()).isEqualTo("wordpress");
    assertThat(s.get("command").get(0).asText()).isEqualTo("--db-password=" + M);
    assertThat(s.get("command").get(1).asText()).isEqualTo("wordpress");
    assertThat(s.get("command").get(2).asText())
        .as("a public variable")
        .isEqualTo("--db=wordpress");
    JsonNode env = s.get("environment");
    assertThat(env.get("WORDPRESS_DB_PASSWORD").asText()).isEqualTo(M);
    assertThat(env.get("WORDPRESS_DB_USER").asText()).isEqualTo("wordpress");
    assertThat(env.get("DB_URL").asText()).isEqualTo("mysql://wordpress:" + M + "@db/wordpress");
    assertThat(env.get("BANNER").asText()).isEqualTo("set");
    assertThat(s.get("labels").get("backup.target").asText())
        .isEqualTo("s3://bucket/" + M + "/wordpress");
  }

  @Test
  void aStrongSecretIsMaskedInEveryTextOfUnknownOrigin(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("compose.yaml"),
        "services:\n  app:\n    image: app:1\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n"
            + "      DB_USER: wordpress\n");
    Files.writeString(dir.resolve(".env"), "DB_PASSWORD=Zq8-long-and-random\n");
    Project p = load(dir.resolve("compose.yaml"));
    assertThat(p.secretValues().scrub("engine said: bad value Zq8-long-and-random"))
        .isEqualTo("engine said: bad value " + M);

    Files.writeString(dir.resolve(".env"), "DB_PASSWORD=wordpress\n");
    Project weak = load(dir.resolve("compose.yaml"));
    assertThat(weak.secretValues().scrub("pull wordpress:latest"))
        .as("public already: masking it would only confirm it")
        .isEqualTo("pull wordpress:latest");
  }

  @Test
  void aRequiredVariablesMessageDoesNotEchoASecretUsedInIt(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("compose.yaml"),
        "services:\n  app:\n    image: ${IMAGE:?not set, db pw ${DB_PASSWORD} ok}\n");
    Files.writeString(dir.resolve(".env"), "DB_PASSWORD=ab9x\n");
    assertThatThrownBy(() -> load(dir.resolve("compose.yaml")))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("IMAGE")
        .hasMessageContaining("db pw " + M + " ok")
        .satisfies(e -> assertThat(e.getCause()).isNull());
  }

  @Test
  void aSecretCarriedInsideAnotherVariableIsMaskedWhereThatOneIsSubstituted(@TempDir Path dir)
      throws IOException {
    Files.writeString(
        dir.resolve("compose.yaml"),
        "services:\n  app:\n    image: app:1\n    command: run ${OPTS}\n");
    Files.writeString(
        dir.resolve(".env"),
        "DB_PASSWORD=Zq8-long-and-random\nOPTS=\"--auth=${DB_PASSWORD} --fast\"\n");
    JsonNode command = rendered(dir.resolve("compose.yaml"), "app").get("command");
    assertThat(command.toString()).isEqualTo("[\"run\",\"--auth=" + M + "\",\"--fast\"]");
  }

  @Test
  void aSecretInterpolatedIntoAnEnvFileValueIsMaskedThere(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("compose.yaml"),
        "services:\n  app:\n    image: app:1\n    env_file: app.env\n");
    Files.writeString(dir.resolve("app.env"), "JAVA_OPTS=-Ddb.auth=${DB_PASSWORD} -Xmx1g\n");
    Files.writeString(dir.resolve(".env"), "DB_PASSWORD=Zq8-long-and-random\n");
    JsonNode env = rendered(dir.resolve("compose.yaml"), "app").get("environment");
    assertThat(env.get("JAVA_OPTS").asText()).isEqualTo("-Ddb.auth=" + M + " -Xmx1g");
  }
}
