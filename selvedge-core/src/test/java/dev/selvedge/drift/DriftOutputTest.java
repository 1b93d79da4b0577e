package dev.selvedge.drift;

import static dev.selvedge.drift.DriftFixtures.CLOCK;
import static dev.selvedge.drift.DriftFixtures.FINGERPRINTS;
import static dev.selvedge.drift.DriftFixtures.PLANTED;
import static dev.selvedge.drift.DriftFixtures.TOOL;
import static dev.selvedge.drift.DriftFixtures.containers;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selvedge.contract.model.Project;
import dev.selvedge.drift.render.DriftTextRenderer;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.status.render.StatusTextRenderer;
import dev.selvedge.testing.ContainerBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Text and JSON of drift and status: their shape, and that no secret value reaches them. */
class DriftOutputTest {
  private static final String CONTAINER_SECRET = "c0ntainer-only-S3CRET";
  private static final String HOST_ENV_SECRET = "h0st-env-only-S3CRET";

  /** Drift on every layer, with secrets planted in each, also inside a command line. */
  private static DriftReport mixed() {
    Project repo = DriftFixtures.project();
    Project host =
        DriftFixtures.shop(DriftFixtures.api().env("LOG_LEVEL", "warn"), DriftFixtures.db())
            .build();
    List<ContainerDetails> running =
        new ArrayList<>(
            containers(
                host,
                "api",
                c -> c.env("DB_PASSWORD", CONTAINER_SECRET).cmd("api", "--password=" + PLANTED)));
    running.add(ContainerBuilder.bare("shop", "debug").image("busybox").build());
    Map<String, String> hostEnv = new LinkedHashMap<>();
    hostEnv.put("DB_PASSWORD", HOST_ENV_SECRET);
    hostEnv.put("EXTRA_API_TOKEN", HOST_ENV_SECRET + "2");
    return DriftFixtures.check(
        DriftInput.of(repo, DriftFixtures.envExample(), running)
            .withHost(host, hostEnv)
            .withImages(DriftFixtures.images()));
  }

  @Test
  void plantedSecretsAppearInNoOutputButTheirFingerprintsDo() {
    DriftReport r = mixed();
    String text = DriftTextRenderer.render(r);
    String json = DriftJson.write(r, TOOL, CLOCK);
    String status = StatusTextRenderer.render(r.status());
    for (String out : List.of(text, json, status, r.toString())) {
      assertThat(out)
          .contains("DB_PASSWORD")
          .doesNotContain(PLANTED, CONTAINER_SECRET, HOST_ENV_SECRET, DriftFixtures.DB_PLANTED);
    }
    assertThat(text).contains(FINGERPRINTS.of(PLANTED), FINGERPRINTS.of(CONTAINER_SECRET));
    assertThat(json).contains(FINGERPRINTS.of(PLANTED), FINGERPRINTS.of(CONTAINER_SECRET));
    // The command line carried the secret: it is there as a fingerprint.
    assertThat(text).contains("--password=" + FINGERPRINTS.of(PLANTED));
  }

  @Test
  void textGroupsByServiceAndEndsWithTheOutcome() {
    String text = DriftTextRenderer.render(mixed());
    assertThat(text)
        .startsWith("selvedge drift: project shop, 2 services, layers repo, host, container\n")
        .contains("\n(project)\n  missing  repo/host  .env.LOG_LEVEL\n")
        .contains("\napi\n  contradicted  repo/host  environment.LOG_LEVEL\n")
        .contains("      expected: info  actual: warn\n")
        .contains("\ndebug\n  extra  host/container  service\n")
        .endsWith("\nDRIFTED: 6 findings (1 missing, 3 contradicted, 2 extra)\n");
  }

  @Test
  void anInSyncReportSaysSo() {
    Project p = DriftFixtures.project();
    DriftReport r = DriftFixtures.check(p, containers(p));
    assertThat(DriftTextRenderer.render(r)).endsWith("\nno drift\n\nIN SYNC: 0 findings\n");
    assertThat(StatusTextRenderer.render(r.status()))
        .isEqualTo(
            """
            shop  GREEN  in-sync  healthy
              all 2 services in sync and healthy

              green   api   in-sync   healthy
              green   db    in-sync   healthy
            """);
  }

  @Test
  void jsonIsTheEvidenceEnvelopeWithDriftFieldsAndStatus() throws Exception {
    DriftReport r = mixed();
    JsonNode root = new ObjectMapper().readTree(DriftJson.write(r, TOOL, CLOCK));
    assertThat(root.get("schema").asText()).isEqualTo("selvedge.evidence/v1");
    assertThat(root.get("kind").asText()).isEqualTo("drift");
    assertThat(root.get("generated_at").asText()).isEqualTo("2025-03-01T12:00:00Z");
    assertThat(root.get("summary").get("passed").asBoolean()).isFalse();
    assertThat(root.get("summary").get("errors").asInt()).isEqualTo(r.findings().size());
    assertThat(root.get("policy").get("rules").get("blocked_external").asText()).isEqualTo("note");
    assertThat(root.get("policy").get("layers").asText()).isEqualTo("repo,host,container");
    JsonNode first = root.get("findings").get(0);
    List<String> fields = new ArrayList<>();
    first.fieldNames().forEachRemaining(fields::add);
    assertThat(fields)
        .containsExactly(
            "service", "layer", "key", "class", "severity", "expected", "actual", "message");
    assertThat(first.get("service").isNull()).isTrue();
    assertThat(root.get("unread").isArray()).isTrue();
    JsonNode status = root.get("status");
    assertThat(status.get("pill").asText()).isEqualTo("yellow");
    assertThat(status.get("services").get(0).get("service").asText()).isEqualTo("api");
    assertThat(status.get("services").get(0).get("sync").asText()).isEqualTo("drifted");
    assertThat(status.get("reasons").size()).isPositive();
  }
}
