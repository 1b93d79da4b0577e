package dev.selvedge.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.contract.model.Project;
import dev.selvedge.drift.ReadbackResult.Endpoint;
import dev.selvedge.drift.render.DriftTextRenderer;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ProbeResult;
import dev.selvedge.testing.ContainerBuilder;
import dev.selvedge.testing.ProjectBuilder;
import dev.selvedge.testing.ServiceBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A 50-container drift (both contract comparisons, container rules, readback, status, text and
 * JSON) of a compliant stack runs through and finds nothing. How fast it runs is measured by the
 * benchmarks, not asserted here: unit tests make no wall-time claims.
 */
class DriftPerformanceTest {
  @Test
  void fiftyCompliantContainersShowNoDrift() {
    ProjectBuilder repoBuilder = ProjectBuilder.project("big").network("default");
    ProjectBuilder hostBuilder = ProjectBuilder.project("big").network("default").dir("/opt/big");
    for (int i = 0; i < 50; i++) {
      repoBuilder.service(service(i, ProjectBuilder.DIR));
      hostBuilder.service(service(i, "/opt/big"));
    }
    Project repo = repoBuilder.build();
    Project host = hostBuilder.build();
    List<ContainerDetails> containers = new ArrayList<>();
    List<ReadbackResult> readbacks = new ArrayList<>();
    for (String s : host.services().keySet()) {
      containers.add(ContainerBuilder.matching(host, s).name("big-" + s + "-1").build());
      readbacks.add(
          new ReadbackResult(
              s,
              Endpoint.HEALTH,
              URI.create("http://127.0.0.1/" + s),
              new ProbeResult.Answered(200, "{\"status\":\"ok\"}", Duration.ofMillis(1))));
    }
    DriftInput input =
        DriftInput.of(repo, DriftFixtures.envExample(), containers)
            .withHost(host, java.util.Map.of("DB_PASSWORD", "x", "LOG_LEVEL", "info"))
            .withReadbacks(readbacks);
    DriftChecker checker = new DriftChecker(DriftFixtures.FINGERPRINTS, DriftFixtures.CLOCK);

    DriftReport report = checker.check(input);
    assertThat(report.findings()).isEmpty();
    assertThat(report.status().services()).hasSize(50);
    assertThat(DriftTextRenderer.render(report)).isNotBlank();
    assertThat(DriftJson.write(report, DriftFixtures.TOOL, DriftFixtures.CLOCK)).contains("svc49");
  }

  private static ServiceBuilder service(int i, String dir) {
    return ServiceBuilder.compliant("svc" + i)
        .env("DB_PASSWORD", "secret-value-" + i)
        .env("LOG_LEVEL", "info")
        .env("PORT", String.valueOf(8000 + i))
        .port("127.0.0.1", String.valueOf(8000 + i), 80)
        .bind(dir + "/data/" + i, "/data")
        .label("team", "big")
        .network("default")
        .readback("http://127.0.0.1:" + (8000 + i) + "/healthz", null, null, "status", "ok");
  }
}
