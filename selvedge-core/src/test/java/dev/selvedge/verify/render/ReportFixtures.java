package dev.selvedge.verify.render;

import static dev.selvedge.testing.ProjectBuilder.ENV_EXAMPLE;
import static dev.selvedge.testing.ProjectBuilder.project;
import static dev.selvedge.testing.ServiceBuilder.compliant;

import dev.selvedge.evidence.Tool;
import dev.selvedge.verify.EnvExample;
import dev.selvedge.verify.Verifier;
import dev.selvedge.verify.VerifyOptions;
import dev.selvedge.verify.VerifyReport;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** One report with an error, a warning, a waived finding and a committed secret, for renderers. */
final class ReportFixtures {
  static final String PLANTED = "s3cr3t-PLANTED-value";
  static final Tool TOOL = Tool.selvedge("0.1.0-test");
  static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC);

  private ReportFixtures() {}

  static VerifyReport mixed() {
    EnvExample env =
        EnvExample.parse(
            ENV_EXAMPLE, "LOG_LEVEL=info\nDB_PASSWORD=" + PLANTED + "\nAPI_TOKEN=changeme\n");
    return Verifier.verify(
        project("shop")
            .service(compliant("api").image("nginx:latest").env("DB_PASSWORD", PLANTED))
            .service(compliant("agent").bind("/var/run/docker.sock", "/var/run/docker.sock"))
            .waiver("docker-socket-mount", "agent", "reads container state for metrics")
            .build(),
        env,
        VerifyOptions.DEFAULTS);
  }
}
