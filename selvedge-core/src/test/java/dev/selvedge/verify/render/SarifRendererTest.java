package dev.selvedge.verify.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.model.Project;
import dev.selvedge.verify.EnvExample;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.Verifier;
import dev.selvedge.verify.VerifyOptions;
import dev.selvedge.verify.VerifyReport;
import dev.selvedge.verify.rules.Rules;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SarifRendererTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void writesAValidSarifLog() throws Exception {
    VerifyReport report = ReportFixtures.mixed();
    JsonNode log =
        JSON.readTree(SarifRenderer.render(report, ReportFixtures.TOOL, Path.of("/srv")));

    assertThat(log.path("$schema").asText()).contains("sarif-schema-2.1.0.json");
    assertThat(log.path("version").asText()).isEqualTo("2.1.0");
    assertThat(log.path("runs")).hasSize(1);
    JsonNode run = log.path("runs").get(0);

    JsonNode driver = run.path("tool").path("driver");
    assertThat(driver.path("name").asText()).isEqualTo("selvedge");
    assertThat(driver.path("version").asText()).isEqualTo("0.1.0-test");
    JsonNode rules = driver.path("rules");
    assertThat(rules).hasSize(Rules.all().size());
    for (JsonNode r : rules) {
      assertThat(r.path("id").asText()).isNotBlank();
      assertThat(r.path("shortDescription").path("text").asText()).isNotBlank();
      assertThat(r.path("help").path("text").asText()).isNotBlank();
      assertThat(r.path("defaultConfiguration").path("level").asText())
          .isIn("error", "warning", "note", "none");
    }
    assertThat(run.path("originalUriBaseIds").path("%SRCROOT%").path("uri").asText())
        .isEqualTo("file:///srv/");

    JsonNode results = run.path("results");
    assertThat(results).hasSize(report.findings().size());
    Set<String> levels = new HashSet<>();
    for (int i = 0; i < results.size(); i++) {
      JsonNode res = results.get(i);
      Finding f = report.findings().get(i);
      assertThat(res.path("ruleId").asText()).isEqualTo(f.rule());
      assertThat(rules.get(res.path("ruleIndex").asInt()).path("id").asText()).isEqualTo(f.rule());
      assertThat(res.path("message").path("text").asText()).isEqualTo(f.message());
      levels.add(res.path("level").asText());
      JsonNode physical = res.path("locations").get(0).path("physicalLocation");
      assertThat(physical.path("artifactLocation").path("uri").asText())
          .isEqualTo(Path.of("/srv").relativize(Path.of("/srv/shop").resolve(f.file())).toString());
      assertThat(physical.path("artifactLocation").path("uriBaseId").asText())
          .isEqualTo("%SRCROOT%");
      assertThat(physical.path("region").path("startLine").asInt()).isEqualTo(f.line());
      if (f.waived()) {
        JsonNode s = res.path("suppressions").get(0);
        assertThat(s.path("kind").asText()).isEqualTo("external");
        assertThat(s.path("justification").asText()).isEqualTo(f.waiverReason());
      } else {
        assertThat(res.has("suppressions")).isFalse();
      }
    }
    assertThat(levels).containsExactlyInAnyOrder("error", "warning");
    assertThat(report.findings()).anyMatch(Finding::waived);
  }

  @Test
  void disabledRulesAreMarkedSo() throws Exception {
    VerifyReport report =
        dev.selvedge.verify.Verifier.verify(
            dev.selvedge.testing.ProjectBuilder.project("shop")
                .rule("privileged", dev.selvedge.contract.model.Severity.OFF)
                .build(),
            dev.selvedge.verify.EnvExample.absent("/srv/shop/.env.example"),
            dev.selvedge.verify.VerifyOptions.DEFAULTS);
    JsonNode rules =
        JSON.readTree(SarifRenderer.render(report, ReportFixtures.TOOL, Path.of("/srv")))
            .path("runs")
            .get(0)
            .path("tool")
            .path("driver")
            .path("rules");
    for (JsonNode r : rules) {
      if (r.path("id").asText().equals("privileged")) {
        assertThat(r.path("defaultConfiguration").path("enabled").asBoolean(true)).isFalse();
        assertThat(r.path("defaultConfiguration").path("level").asText()).isEqualTo("none");
      }
    }
  }

  /**
   * The project lies below the directory Selvedge was started from (as {@code verify
   * --project-directory deploy/shop} from a repository's top), and the source root is that top.
   * Every location must then resolve, by RFC 3986 against its base, to the file it names, and the
   * log must satisfy the official schema (sarif-schema-2.1.0.json, errata01 as published by the
   * OASIS TC).
   */
  @Test
  void locationsResolveToTheRealFilesAndTheLogMatchesTheSchema(@TempDir Path top) throws Exception {
    Path project = Files.createDirectories(top.resolve("deploy/shop"));
    Files.writeString(
        project.resolve("compose.yaml"),
        """
        services:
          app:
            image: acme/app:latest
            privileged: true
        """);
    Files.writeString(project.resolve(".env.example"), "API_TOKEN=tok-committed\n");
    Project p =
        ComposeLoader.load(
            new LoadOptions(
                List.of(Path.of("deploy/shop/compose.yaml")),
                null,
                null,
                List.of(),
                Set.of(),
                Map.of(),
                top));
    VerifyReport report =
        Verifier.verify(
            p,
            EnvExample.parse(
                project.resolve(".env.example").toString(),
                Files.readString(project.resolve(".env.example"))),
            VerifyOptions.DEFAULTS);
    // Evidence names files relative to the project directory, wherever Selvedge was started.
    assertThat(report.findings())
        .extracting(Finding::file)
        .contains("compose.yaml", ".env.example");

    assertThat(SarifSchema.errors(JSON.readTree("{\"version\": \"2.1.0\", \"runs\": [{}]}")))
        .as("the schema is enforced: a run needs a tool")
        .isNotEmpty();
    for (Path root : List.of(top, project, top.resolve("elsewhere"))) {
      JsonNode log = JSON.readTree(SarifRenderer.render(report, ReportFixtures.TOOL, root));
      assertThat(SarifSchema.errors(log)).as("schema errors with root " + root).isEmpty();
      JsonNode run = log.path("runs").get(0);
      JsonNode results = run.path("results");
      assertThat(results).hasSize(report.findings().size());
      for (int i = 0; i < results.size(); i++) {
        JsonNode location = results.get(i).path("locations").get(0).path("physicalLocation");
        URI uri = resolve(run, location.path("artifactLocation"));
        assertThat(uri.getScheme()).isEqualTo("file");
        assertThat(Path.of(uri))
            .as("%s from %s", location, root)
            .isRegularFile()
            .isEqualTo(project.resolve(report.findings().get(i).file()));
      }
    }
  }

  /**
   * What a SARIF consumer does (SARIF 2.1.0 section 3.4.4): a {@code uri} with a {@code uriBaseId}
   * is a relative reference resolved against that base's own URI.
   */
  private static URI resolve(JsonNode run, JsonNode artifactLocation) {
    URI uri = URI.create(artifactLocation.path("uri").asText());
    if (!artifactLocation.has("uriBaseId")) {
      assertThat(uri.isAbsolute()).as("a location without base is absolute").isTrue();
      return uri;
    }
    assertThat(uri.isAbsolute()).as("a location with a base is relative").isFalse();
    String base =
        run.path("originalUriBaseIds")
            .path(artifactLocation.path("uriBaseId").asText())
            .path("uri")
            .asText();
    assertThat(base).as("the base is declared and a directory").endsWith("/");
    return URI.create(base).resolve(uri);
  }
}
