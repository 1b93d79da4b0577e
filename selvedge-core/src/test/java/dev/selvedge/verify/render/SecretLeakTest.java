package dev.selvedge.verify.render;

import static dev.selvedge.verify.render.ReportFixtures.PLANTED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.evidence.EvidenceJson;
import dev.selvedge.verify.VerifyReport;
import org.junit.jupiter.api.Test;

/** A secret planted in .env.example and in a service environment must reach no output. */
class SecretLeakTest {
  @Test
  void plantedSecretAppearsInNoOutput() {
    VerifyReport report = ReportFixtures.mixed();
    assertThat(report.findings("secret-committed"))
        .as("the planted secret is found, so the outputs do talk about it")
        .singleElement()
        .satisfies(f -> assertThat(f.path()).isEqualTo("DB_PASSWORD"));

    String text = TextRenderer.render(report);
    String json = EvidenceJson.write(report.toEvidence(ReportFixtures.TOOL, ReportFixtures.CLOCK));
    String sarif = SarifRenderer.render(report, ReportFixtures.TOOL, null);

    assertThat(text).contains("DB_PASSWORD").contains(".env.example:2").doesNotContain(PLANTED);
    assertThat(json).contains("DB_PASSWORD").doesNotContain(PLANTED);
    assertThat(sarif).contains("DB_PASSWORD").doesNotContain(PLANTED);
    assertThat(report.toString()).doesNotContain(PLANTED);
  }
}
