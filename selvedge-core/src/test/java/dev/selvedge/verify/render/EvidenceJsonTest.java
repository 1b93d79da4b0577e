package dev.selvedge.verify.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selvedge.evidence.EvidenceJson;
import dev.selvedge.verify.VerifyReport;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvidenceJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void writesTheDocumentedEnvelope() throws Exception {
    VerifyReport report = ReportFixtures.mixed();
    JsonNode root =
        JSON.readTree(
            EvidenceJson.write(report.toEvidence(ReportFixtures.TOOL, ReportFixtures.CLOCK)));

    List<String> fields = new ArrayList<>();
    root.fieldNames().forEachRemaining(fields::add);
    assertThat(fields)
        .containsExactly(
            "schema",
            "kind",
            "tool",
            "generated_at",
            "project",
            "inputs",
            "policy",
            "summary",
            "findings",
            "waivers");
    assertThat(root.path("schema").asText()).isEqualTo("selvedge.evidence/v1");
    assertThat(root.path("kind").asText()).isEqualTo("verify");
    assertThat(root.path("tool").path("name").asText()).isEqualTo("selvedge");
    assertThat(root.path("tool").path("version").asText()).isEqualTo("0.1.0-test");
    assertThat(root.path("generated_at").asText()).isEqualTo("2025-03-01T12:00:00Z");
    assertThat(root.path("project").asText()).isEqualTo("shop");

    assertThat(root.path("inputs")).hasSize(2);
    assertThat(root.path("inputs").get(0).path("path").asText()).isEqualTo("compose.yaml");
    assertThat(root.path("inputs").get(1).path("role").asText()).isEqualTo("env-example");
    assertThat(root.path("inputs").get(1).path("sha256").asText()).hasSize(64);

    JsonNode policy = root.path("policy");
    assertThat(policy.path("fail_on").asText()).isEqualTo("error");
    assertThat(policy.path("rules").path("image-not-pinned").asText()).isEqualTo("warning");
    assertThat(policy.path("healthcheck_interval_floor").asText()).isEqualTo("1m");

    JsonNode summary = root.path("summary");
    assertThat(summary.path("passed").asBoolean(true)).isFalse();
    assertThat(summary.path("errors").asInt()).isEqualTo(report.summary().errors()).isEqualTo(2);
    assertThat(summary.path("warnings").asInt()).isEqualTo(1);
    assertThat(summary.path("notes").asInt()).isZero();
    assertThat(summary.path("waived").asInt()).isEqualTo(1);

    JsonNode findings = root.path("findings");
    assertThat(findings).hasSize(report.findings().size());
    JsonNode first = findings.get(0);
    List<String> findingFields = new ArrayList<>();
    first.fieldNames().forEachRemaining(findingFields::add);
    assertThat(findingFields)
        .containsExactly(
            "rule", "severity", "service", "file", "path", "line", "message", "hint", "waived");
    assertThat(first.path("rule").asText()).isEqualTo("secret-committed");
    assertThat(first.path("service").isNull()).isTrue();
    assertThat(first.path("file").asText()).isEqualTo(".env.example");
    assertThat(first.path("line").asInt()).isEqualTo(2);
    assertThat(first.path("waived").isNull()).isTrue();

    JsonNode waived = null;
    for (JsonNode f : findings) {
      if (f.path("rule").asText().equals("docker-socket-mount")) {
        waived = f;
      }
    }
    assertThat(waived).isNotNull();
    assertThat(waived.path("severity").asText()).isEqualTo("error");
    assertThat(waived.path("waived").path("reason").asText())
        .isEqualTo("reads container state for metrics");

    JsonNode waiver = root.path("waivers").get(0);
    assertThat(waiver.path("rule").asText()).isEqualTo("docker-socket-mount");
    assertThat(waiver.path("service").asText()).isEqualTo("agent");
    assertThat(waiver.path("matched").asInt()).isEqualTo(1);
  }
}
