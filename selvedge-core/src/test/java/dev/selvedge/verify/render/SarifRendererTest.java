package dev.selvedge.verify.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyReport;
import dev.selvedge.verify.rules.Rules;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SarifRendererTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void writesAValidSarifLog() throws Exception {
    VerifyReport report = ReportFixtures.mixed();
    JsonNode log = JSON.readTree(SarifRenderer.render(report, ReportFixtures.TOOL));

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
    assertThat(run.path("originalUriBaseIds").path("PROJECTROOT").path("uri").asText())
        .isEqualTo("file:///srv/shop/");

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
      assertThat(physical.path("artifactLocation").path("uri").asText()).isEqualTo(f.file());
      assertThat(physical.path("artifactLocation").path("uriBaseId").asText())
          .isEqualTo("PROJECTROOT");
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
        JSON.readTree(SarifRenderer.render(report, ReportFixtures.TOOL))
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
}
