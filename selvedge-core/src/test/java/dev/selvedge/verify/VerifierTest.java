package dev.selvedge.verify;

import static dev.selvedge.testing.ProjectBuilder.ENV_EXAMPLE;
import static dev.selvedge.testing.ProjectBuilder.project;
import static dev.selvedge.testing.ServiceBuilder.compliant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.testing.ProjectBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerifierTest {
  private static final EnvExample NO_KEYS = EnvExample.of(ENV_EXAMPLE, Map.of());

  private static VerifyReport verify(ProjectBuilder p, VerifyOptions options) {
    return Verifier.verify(p.build(), NO_KEYS, options);
  }

  private static VerifyReport verify(ProjectBuilder p) {
    return verify(p, VerifyOptions.DEFAULTS);
  }

  /** api: unpinned image (warning by default); agent: docker socket (error by default). */
  private static ProjectBuilder mixed() {
    return project("shop")
        .service(compliant("api").image("nginx:1.27.3"))
        .service(compliant("agent").bind("/var/run/docker.sock", "/var/run/docker.sock"));
  }

  @Test
  void defaultSeveritiesDecideTheOutcome() {
    VerifyReport r = verify(project("shop").service(compliant("api").image("nginx:1.27.3")));
    assertThat(r.findings()).extracting(Finding::rule).containsExactly("image-not-pinned");
    assertThat(r.passed()).as("a warning does not fail at fail-on error").isTrue();
    assertThat(r.failOn()).isEqualTo(Severity.ERROR);

    VerifyReport failing = verify(mixed());
    assertThat(failing.passed()).isFalse();
    assertThat(failing.failing()).extracting(Finding::rule).containsExactly("docker-socket-mount");
  }

  @Test
  void policyRaisesAndLowersSeverity() {
    VerifyReport r =
        verify(
            mixed()
                .rule("image-not-pinned", Severity.ERROR)
                .rule("docker-socket-mount", Severity.NOTE));
    assertThat(r.findings("image-not-pinned"))
        .singleElement()
        .extracting(Finding::severity)
        .isEqualTo(Severity.ERROR);
    assertThat(r.findings("docker-socket-mount"))
        .singleElement()
        .extracting(Finding::severity)
        .isEqualTo(Severity.NOTE);
    assertThat(r.failing()).extracting(Finding::rule).containsExactly("image-not-pinned");
    assertThat(r.severities()).containsEntry("image-not-pinned", Severity.ERROR);
  }

  @Test
  void offDisablesARule() {
    VerifyReport r = verify(mixed().rule("docker-socket-mount", Severity.OFF));
    assertThat(r.findings("docker-socket-mount")).isEmpty();
    assertThat(r.passed()).isTrue();
    assertThat(r.severities()).containsEntry("docker-socket-mount", Severity.OFF);
  }

  @Test
  void callerOverridesWinOverThePolicy() {
    VerifyOptions opts =
        VerifyOptions.DEFAULTS
            .withOverride("image-not-pinned", Severity.OFF)
            .withOverride("docker-socket-mount", Severity.ERROR);
    VerifyReport r = verify(mixed().rule("docker-socket-mount", Severity.OFF), opts);
    assertThat(r.findings()).extracting(Finding::rule).containsExactly("docker-socket-mount");
    assertThat(r.passed()).isFalse();
  }

  @Test
  void failOnWarningFailsOnWarnings() {
    ProjectBuilder p = project("shop").service(compliant("api").image("nginx:1.27.3"));
    assertThat(verify(p, VerifyOptions.DEFAULTS.withFailOn(Severity.WARNING)).passed()).isFalse();
    assertThat(verify(p.failOn(Severity.WARNING)).passed()).isFalse();
    assertThat(
            verify(p.failOn(Severity.WARNING), VerifyOptions.DEFAULTS.withFailOn(Severity.ERROR))
                .passed())
        .as("the caller's fail-on wins")
        .isTrue();
  }

  @Test
  void waiverKeepsTheFindingMarkedAndDoesNotFail() {
    VerifyReport r =
        verify(mixed().waiver("docker-socket-mount", "agent", "reads container state for metrics"));
    assertThat(r.findings("docker-socket-mount"))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.waived()).isTrue();
              assertThat(f.waiverReason()).isEqualTo("reads container state for metrics");
              assertThat(f.severity()).isEqualTo(Severity.ERROR);
            });
    assertThat(r.passed()).isTrue();
    assertThat(r.summary().waived()).isEqualTo(1);
    assertThat(r.summary().errors()).isZero();
    assertThat(r.matched(r.waivers().get(0))).isEqualTo(1);
  }

  @Test
  void waiverForAnotherServiceDoesNotApplyAndProjectWideOneDoes() {
    ProjectBuilder p =
        mixed().waiver("docker-socket-mount", "api", "api is not the one mounting it");
    VerifyReport r = verify(p);
    assertThat(r.findings("docker-socket-mount")).noneMatch(Finding::waived);
    assertThat(r.passed()).isFalse();
    assertThat(r.matched(r.waivers().get(0))).as("a stale waiver matches nothing").isZero();

    VerifyReport all = verify(mixed().waiver("docker-socket-mount", null, "monitoring host"));
    assertThat(all.findings("docker-socket-mount")).allMatch(Finding::waived);
    assertThat(all.passed()).isTrue();
  }

  @Test
  void findingsArePlacedRelativeToTheProjectWithLines() {
    Project p = mixed().build();
    VerifyReport r = Verifier.verify(p, NO_KEYS, VerifyOptions.DEFAULTS);
    Finding f = r.findings("docker-socket-mount").get(0);
    assertThat(f.file()).isEqualTo("compose.yaml");
    assertThat(f.line()).isEqualTo(p.locate("services.agent.volumes[0]").line()).isPositive();
    assertThat(f.location()).isEqualTo("compose.yaml:" + f.line());
  }

  @Test
  void findingsAreGroupedByServiceInContractOrderThenByLine() {
    // The builder writes network_mode on an earlier line than privileged.
    ProjectBuilder p =
        project("shop")
            .service(compliant("web").privileged())
            .service(compliant("api").networkMode("host").privileged())
            .variable("UNDECLARED", "name");
    VerifyReport r = verify(p);
    assertThat(r.findings())
        .extracting(f -> f.service() + "/" + f.rule())
        .containsExactly(
            "null/env-undeclared", "web/privileged", "api/network-host", "api/privileged");
  }

  @Test
  void unknownRuleInPolicyIsAContractError() {
    ProjectBuilder p = mixed().rule("image-not-pined", Severity.ERROR);
    assertThatThrownBy(() -> verify(p))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("compose.yaml:")
        .hasMessageContaining("x-selvedge.policy.rules.image-not-pined")
        .hasMessageContaining("image-not-pinned");
  }

  @Test
  void waiverOfUnknownRuleOrServiceIsAContractError() {
    assertThatThrownBy(() -> verify(mixed().waiver("no-such-rule", null, "because")))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("x-selvedge.policy.waivers[0].rule");
    assertThatThrownBy(() -> verify(mixed().waiver("privileged", "ghost", "because")))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("ghost");
    assertThat(
            verify(mixed().disabledService("debug").waiver("privileged", "debug", "profile"))
                .passed())
        .as("a service left out by a profile may be waived")
        .isFalse();
  }

  @Test
  void unknownCallerOverrideIsRejected() {
    assertThatThrownBy(
            () -> verify(mixed(), VerifyOptions.DEFAULTS.withOverride("nope", Severity.ERROR)))
        .isInstanceOf(SelvedgeException.class)
        .hasMessageContaining("nope");
  }

  @Test
  void inputsListSourcesAndEnvExampleRelative() {
    EnvExample env = EnvExample.parse(ENV_EXAMPLE, "A=1\n");
    VerifyReport r = Verifier.verify(mixed().build(), env, VerifyOptions.DEFAULTS);
    assertThat(r.inputs())
        .extracting(i -> i.path() + " " + i.role())
        .containsExactly("compose.yaml compose", ".env.example env-example");
    assertThat(r.inputs().get(1).sha256()).hasSize(64);
  }
}
