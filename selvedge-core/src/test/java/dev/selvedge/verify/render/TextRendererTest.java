package dev.selvedge.verify.render;

import static dev.selvedge.testing.ProjectBuilder.ENV_EXAMPLE;
import static dev.selvedge.testing.ProjectBuilder.project;
import static dev.selvedge.testing.ServiceBuilder.compliant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.verify.EnvExample;
import dev.selvedge.verify.Verifier;
import dev.selvedge.verify.VerifyOptions;
import dev.selvedge.verify.VerifyReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextRendererTest {
  @Test
  void groupsByServiceWithHintsAndSummary() {
    VerifyReport report = ReportFixtures.mixed();
    String text = TextRenderer.render(report);
    List<String> lines = text.lines().toList();

    assertThat(lines.get(0)).isEqualTo("selvedge verify: project shop, 2 services");
    int project = lines.indexOf("(project)");
    int api = lines.indexOf("api");
    int agent = lines.indexOf("agent");
    assertThat(project).isPositive().isLessThan(api);
    assertThat(api).isLessThan(agent);

    int floating = indexOfContaining(lines, "image-floating-tag");
    assertThat(floating).isGreaterThan(api).isLessThan(agent);
    assertThat(lines.get(floating))
        .startsWith("  error    image-floating-tag  compose.yaml:")
        .endsWith("image 'nginx:latest' uses the floating tag 'latest'");
    assertThat(lines.get(floating + 1)).startsWith("           hint: Pin a release tag");

    int socket = indexOfContaining(lines, "docker-socket-mount");
    assertThat(lines.get(socket))
        .startsWith("  waived   docker-socket-mount (error)  compose.yaml:");
    assertThat(text).contains("           waived: reads container state for metrics");

    assertThat(lines.get(lines.size() - 1))
        .isEqualTo("FAILED: 2 errors, 1 warning, 0 notes, 1 waived (fails on error)");
  }

  @Test
  void cleanReportSaysSo() {
    VerifyReport report =
        Verifier.verify(
            project("shop").service(compliant("api")).build(),
            EnvExample.of(ENV_EXAMPLE, Map.of()),
            VerifyOptions.DEFAULTS);
    assertThat(TextRenderer.render(report))
        .isEqualTo(
            "selvedge verify: project shop, 1 service\n\nno findings\n\n"
                + "PASSED: 0 errors, 0 warnings, 0 notes, 0 waived (fails on error)\n");
  }

  private static int indexOfContaining(List<String> lines, String s) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(s)) {
        return i;
      }
    }
    return -1;
  }
}
