package dev.selvedge.verify;

import static dev.selvedge.testing.ProjectBuilder.ENV_EXAMPLE;
import static dev.selvedge.testing.ProjectBuilder.project;
import static dev.selvedge.testing.ServiceBuilder.DIGEST;
import static dev.selvedge.testing.ServiceBuilder.bare;
import static dev.selvedge.testing.ServiceBuilder.compliant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.contract.model.Healthcheck;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.testing.ProjectBuilder;
import dev.selvedge.testing.ServiceBuilder;
import dev.selvedge.verify.rules.Rules;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One failing and at least one passing case per rule, each starting from a compliant project. */
class RulesTest {
  private static final EnvExample NO_KEYS = EnvExample.of(ENV_EXAMPLE, Map.of());

  private static List<Finding> findings(ProjectBuilder p, String rule) {
    return findings(p, NO_KEYS, rule);
  }

  private static List<Finding> findings(ProjectBuilder p, EnvExample env, String rule) {
    return Verifier.verify(p.build(), env, VerifyOptions.DEFAULTS).findings(rule);
  }

  private static ProjectBuilder one(ServiceBuilder s) {
    return project("shop").service(s);
  }

  @Test
  void compliantProjectHasNoFindingsAtAll() {
    Project p =
        project("shop")
            .service(compliant("api").port("127.0.0.1", "8080", 8080).staticPorts(8080))
            .service(compliant("db").port("127.0.0.1", "5432", 5432))
            .variable("DB_PASSWORD", "services.db.environment.POSTGRES_PASSWORD")
            .variableWithDefault("TZ", "services.api.environment.TZ")
            .build();
    EnvExample env = EnvExample.of(ENV_EXAMPLE, Map.of("DB_PASSWORD", "", "LOG_LEVEL", "info"));

    VerifyReport report = Verifier.verify(p, env, VerifyOptions.DEFAULTS);

    assertThat(report.findings()).isEmpty();
    assertThat(report.passed()).isTrue();
  }

  @Test
  void everyRuleHasIdDescriptionAndHelp() {
    assertThat(Rules.all()).hasSizeGreaterThanOrEqualTo(11);
    for (Rule r : Rules.all()) {
      assertThat(r.id()).matches("[a-z]+(-[a-z]+)*");
      assertThat(r.description()).isNotBlank();
      assertThat(r.help()).isNotBlank();
      assertThat(r.defaultSeverity()).isNotEqualTo(Severity.OFF);
    }
    assertThat(Rules.all().stream().map(Rule::id))
        .contains(
            "image-floating-tag",
            "image-not-pinned",
            "healthcheck-missing",
            "healthcheck-interval-too-short",
            "logging-unbounded",
            "port-conflict",
            "env-undeclared",
            "secret-committed",
            "docker-socket-mount",
            "privileged",
            "network-host");
  }

  @Nested
  class ImageFloatingTag {
    @ParameterizedTest
    @ValueSource(strings = {"nginx:latest", "nginx", "registry.local:5000/team/app", "app:LATEST"})
    void flagsLatestOrMissingTag(String image) {
      List<Finding> f = findings(one(compliant("api").image(image)), "image-floating-tag");
      assertThat(f)
          .singleElement()
          .satisfies(
              x -> {
                assertThat(x.severity()).isEqualTo(Severity.ERROR);
                assertThat(x.service()).isEqualTo("api");
                assertThat(x.path()).isEqualTo("services.api.image");
                assertThat(x.file()).isEqualTo("compose.yaml");
                assertThat(x.line()).isPositive();
                assertThat(x.message()).contains(image);
              });
    }

    @ParameterizedTest
    @ValueSource(
        strings = {"nginx:1.27.3", "registry.local:5000/team/app:2.0", "nginx:latest@" + DIGEST})
    void passesReleaseTagsAndDigests(String image) {
      assertThat(findings(one(compliant("api").image(image)), "image-floating-tag")).isEmpty();
    }

    @Test
    void skipsBuildOnlyServices() {
      assertThat(findings(one(compliant("api").image(null).build(".")), "image-floating-tag"))
          .isEmpty();
    }
  }

  @Nested
  class ImageNotPinned {
    @Test
    void flagsTagWithoutDigestAsWarning() {
      List<Finding> f = findings(one(compliant("api").image("nginx:1.27.3")), "image-not-pinned");
      assertThat(f)
          .singleElement()
          .satisfies(
              x -> {
                assertThat(x.severity()).isEqualTo(Severity.WARNING);
                assertThat(x.message()).contains("not pinned");
              });
    }

    @Test
    void flagsMalformedDigest() {
      List<Finding> f =
          findings(one(compliant("api").image("nginx:1.27.3@sha256:abc")), "image-not-pinned");
      assertThat(f).singleElement().satisfies(x -> assertThat(x.message()).contains("digest"));
    }

    @Test
    void passesDigest() {
      assertThat(findings(one(compliant("api").image("nginx@" + DIGEST)), "image-not-pinned"))
          .isEmpty();
    }
  }

  @Nested
  class HealthcheckMissing {
    @Test
    void flagsMissing() {
      List<Finding> f = findings(one(compliant("api").noHealthcheck()), "healthcheck-missing");
      assertThat(f).singleElement().satisfies(x -> assertThat(x.path()).isEqualTo("services.api"));
    }

    @Test
    void flagsDisabledByFlagOrNone() {
      Healthcheck off = new Healthcheck(List.of(), null, null, null, null, null, true);
      Healthcheck none = new Healthcheck(List.of("NONE"), null, null, null, null, null, false);
      assertThat(findings(one(compliant("api").healthcheck(off)), "healthcheck-missing"))
          .singleElement()
          .satisfies(x -> assertThat(x.message()).contains("disables"));
      assertThat(findings(one(compliant("api").healthcheck(none)), "healthcheck-missing"))
          .hasSize(1);
    }

    @Test
    void buildOnlyServicesCountToo() {
      assertThat(findings(one(bare("worker").build(".")), "healthcheck-missing")).hasSize(1);
    }

    @Test
    void passesDeclaredCheck() {
      assertThat(findings(one(compliant("api")), "healthcheck-missing")).isEmpty();
    }
  }

  @Nested
  class HealthcheckInterval {
    @Test
    void flagsIntervalBelowFloor() {
      List<Finding> f =
          findings(
              one(compliant("api").interval(Duration.ofSeconds(10))),
              "healthcheck-interval-too-short");
      assertThat(f)
          .singleElement()
          .satisfies(
              x -> {
                assertThat(x.path()).isEqualTo("services.api.healthcheck.interval");
                assertThat(x.message()).contains("10s").contains("floor of 1m");
              });
    }

    @Test
    void flagsUnsetIntervalAsDockersDefault() {
      List<Finding> f =
          findings(one(compliant("api").interval(null)), "healthcheck-interval-too-short");
      assertThat(f)
          .singleElement()
          .satisfies(x -> assertThat(x.message()).contains("no interval").contains("30s"));
    }

    @Test
    void passesIntervalAtFloor() {
      assertThat(
              findings(
                  one(compliant("api").interval(Duration.ofSeconds(60))),
                  "healthcheck-interval-too-short"))
          .isEmpty();
    }

    @Test
    void usesTheConfiguredFloor() {
      ProjectBuilder lowFloor =
          one(compliant("api").interval(null)).intervalFloor(Duration.ofSeconds(15));
      assertThat(findings(lowFloor, "healthcheck-interval-too-short")).isEmpty();
      ProjectBuilder highFloor =
          one(compliant("api").interval(Duration.ofMinutes(2)))
              .intervalFloor(Duration.ofMinutes(5));
      assertThat(findings(highFloor, "healthcheck-interval-too-short"))
          .singleElement()
          .satisfies(x -> assertThat(x.message()).contains("2m").contains("5m"));
    }

    @Test
    void disabledOrMissingChecksAreLeftToHealthcheckMissing() {
      assertThat(findings(one(compliant("api").noHealthcheck()), "healthcheck-interval-too-short"))
          .isEmpty();
    }
  }

  @Nested
  class LoggingUnbounded {
    @Test
    void flagsDefaultDriver() {
      assertThat(findings(one(compliant("api").noLogging()), "logging-unbounded"))
          .singleElement()
          .satisfies(x -> assertThat(x.message()).contains("default log driver"));
    }

    @Test
    void flagsJsonFileWithoutMaxSize() {
      assertThat(
              findings(
                  one(compliant("api").logging("json-file", "max-file", "3")), "logging-unbounded"))
          .singleElement()
          .satisfies(x -> assertThat(x.path()).isEqualTo("services.api.logging"));
      assertThat(findings(one(compliant("api").logging(null)), "logging-unbounded")).hasSize(1);
      assertThat(
              findings(
                  one(compliant("api").logging("json-file", "max-size", "-1")),
                  "logging-unbounded"))
          .hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "syslog", "journald", "fluentd", "gelf", "awslogs", "none"})
    void passesBoundedOrShippingDrivers(String driver) {
      assertThat(findings(one(compliant("api").logging(driver)), "logging-unbounded")).isEmpty();
    }

    @Test
    void passesJsonFileWithMaxSize() {
      assertThat(
              findings(one(compliant("api").logging(null, "max-size", "5m")), "logging-unbounded"))
          .isEmpty();
    }
  }

  @Nested
  class PortConflict {
    @Test
    void flagsTwoServicesOnTheSamePort() {
      ProjectBuilder p =
          project("shop")
              .service(compliant("a").port("127.0.0.1", "8080", 80))
              .service(compliant("b").port("127.0.0.1", "8080", 8080));
      assertThat(findings(p, "port-conflict"))
          .singleElement()
          .satisfies(
              x -> {
                assertThat(x.service()).isEqualTo("b");
                assertThat(x.path()).isEqualTo("services.b.ports[0]");
                assertThat(x.message())
                    .contains("127.0.0.1:8080/tcp")
                    .contains("service 'a'")
                    .contains("services.a.ports[0]")
                    .contains("compose.yaml:");
              });
    }

    @Test
    void unsetHostIpCollidesWithAnySpecificAddress() {
      ProjectBuilder p =
          project("shop")
              .service(compliant("a").port(null, "8080", 80))
              .service(compliant("b").port("127.0.0.1", "8080", 80));
      assertThat(findings(p, "port-conflict")).hasSize(1);
      ProjectBuilder wildcard =
          project("shop")
              .service(compliant("a").port("0.0.0.0", "8080", 80))
              .service(compliant("b").port("10.0.0.5", "8080", 80));
      assertThat(findings(wildcard, "port-conflict")).hasSize(1);
    }

    @Test
    void rangesOverlap() {
      ProjectBuilder p =
          project("shop")
              .service(compliant("a").port("127.0.0.1", "8000-8010", 80))
              .service(compliant("b").port("127.0.0.1", "8010", 80));
      assertThat(findings(p, "port-conflict")).hasSize(1);
    }

    @Test
    void twoEntriesOfOneService() {
      ProjectBuilder p = one(compliant("a").port("127.0.0.1", "9000", 80).port(null, "9000", 81));
      assertThat(findings(p, "port-conflict"))
          .singleElement()
          .satisfies(
              x -> {
                assertThat(x.path()).isEqualTo("services.a.ports[1]");
                assertThat(x.message()).contains("another entry of 'a'");
              });
    }

    @Test
    void passesDistinctAddressesProtocolsAndFamilies() {
      ProjectBuilder p =
          project("shop")
              .service(
                  compliant("a").port("127.0.0.1", "8080", 80).port("127.0.0.1", "53", 53, "udp"))
              .service(
                  compliant("b").port("127.0.0.2", "8080", 80).port("127.0.0.1", "53", 53, "tcp"))
              .service(compliant("c").port("::1", "8080", 80).port("127.0.0.1", "8081", 80))
              .service(compliant("d").port(null, null, 80).port(null, null, 80));
      assertThat(findings(p, "port-conflict")).isEmpty();
    }
  }

  @Nested
  class PortNotStatic {
    @Test
    void flagsRandomHostPortAndRanges() {
      ProjectBuilder p =
          one(
              compliant("api")
                  .port(null, null, 80)
                  .port("127.0.0.1", "9000-9005", 81)
                  .port(null, "0", 82));
      List<Finding> f = findings(p, "port-not-static");
      assertThat(f)
          .extracting(Finding::path)
          .containsExactly(
              "services.api.ports[0]", "services.api.ports[1]", "services.api.ports[2]");
      assertThat(f).allSatisfy(x -> assertThat(x.severity()).isEqualTo(Severity.WARNING));
      assertThat(f.get(1).message()).contains("9000-9005");
    }

    @Test
    void passesFixedHostPort() {
      assertThat(findings(one(compliant("api").port("127.0.0.1", "8080", 80)), "port-not-static"))
          .isEmpty();
    }
  }

  @Nested
  class StaticPortNotPublished {
    @Test
    void flagsUnpublishedAndUnfixedStaticPorts() {
      ProjectBuilder p = one(compliant("api").port(null, null, 8080).staticPorts(8080, 9090));
      List<Finding> f = findings(p, "static-port-not-published");
      assertThat(f)
          .extracting(Finding::path)
          .containsExactly(
              "services.api.x-selvedge.static-ports[0]", "services.api.x-selvedge.static-ports[1]");
      assertThat(f.get(0).message()).contains("without a fixed host port");
      assertThat(f.get(1).message()).contains("9090").contains("not published");
    }

    @Test
    void passesStaticPortOnFixedHostPort() {
      assertThat(
              findings(
                  one(compliant("api").port("127.0.0.1", "18080", 8080).staticPorts(8080)),
                  "static-port-not-published"))
          .isEmpty();
    }
  }

  @Nested
  class EnvUndeclared {
    @Test
    void flagsUndeclaredVariableOnceAtItsFirstUse() {
      ProjectBuilder p =
          one(compliant("api").env("DB_HOST", "x").env("DB_URL", "y"))
              .variable("DB_HOST", "services.api.environment.DB_HOST")
              .variable("DB_HOST", "services.api.environment.DB_URL");
      Project built = p.build();
      List<Finding> f =
          Verifier.verify(built, NO_KEYS, VerifyOptions.DEFAULTS).findings("env-undeclared");
      assertThat(f)
          .singleElement()
          .satisfies(
              x -> {
                assertThat(x.service()).isEqualTo("api");
                assertThat(x.path()).isEqualTo("services.api.environment.DB_HOST");
                assertThat(x.line())
                    .isEqualTo(built.locate("services.api.environment.DB_HOST").line());
                assertThat(x.message())
                    .contains("${DB_HOST}")
                    .contains("2 uses")
                    .contains(".env.example");
              });
    }

    @Test
    void saysWhenEnvExampleIsMissing() {
      ProjectBuilder p = one(compliant("api")).variable("TOKEN", "services.api.image");
      assertThat(findings(p, EnvExample.absent(ENV_EXAMPLE), "env-undeclared"))
          .singleElement()
          .satisfies(x -> assertThat(x.message()).contains("there is no .env.example"));
    }

    @Test
    void passesDeclaredVariablesAndUsesWithDefault() {
      ProjectBuilder p =
          one(compliant("api"))
              .variable("DB_HOST", "services.api.image")
              .variableWithDefault("TZ", "services.api.image");
      EnvExample env = EnvExample.of(ENV_EXAMPLE, Map.of("DB_HOST", "db"));
      assertThat(findings(p, env, "env-undeclared")).isEmpty();
      assertThat(findings(p, EnvExample.absent(ENV_EXAMPLE), "env-undeclared"))
          .extracting(x -> x.message().contains("DB_HOST"))
          .containsExactly(true);
    }
  }

  @Nested
  class SecretCommitted {
    @Test
    void flagsSecretLookingKeyWithValue() {
      Map<String, String> values = new LinkedHashMap<>();
      values.put("LOG_LEVEL", "info");
      values.put("DB_PASSWORD", "hunter2");
      List<Finding> f =
          findings(one(compliant("api")), EnvExample.of(ENV_EXAMPLE, values), "secret-committed");
      assertThat(f)
          .singleElement()
          .satisfies(
              x -> {
                assertThat(x.file()).isEqualTo(".env.example");
                assertThat(x.line()).isEqualTo(2);
                assertThat(x.path()).isEqualTo("DB_PASSWORD");
                assertThat(x.service()).isNull();
                assertThat(x.message()).contains("DB_PASSWORD").doesNotContain("hunter2");
                assertThat(x.hint()).doesNotContain("hunter2");
              });
    }

    @Test
    void flagsKeysDeclaredSecretByTheContract() {
      EnvExample env = EnvExample.of(ENV_EXAMPLE, Map.of("STRIPE", "sk_live_1", "ODDNAME", "v"));
      ProjectBuilder p = one(compliant("api").secretKeys("STRIPE")).secretKey("ODDNAME");
      assertThat(findings(p, env, "secret-committed"))
          .extracting(Finding::path)
          .containsExactlyInAnyOrder("STRIPE", "ODDNAME");
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "",
          "changeme",
          "CHANGE_ME",
          "<your-token>",
          "xxx",
          "XXXXXXXX",
          "${VAULT_TOKEN}"
        })
    void passesEmptyValuesAndPlaceholders(String value) {
      EnvExample env = EnvExample.of(ENV_EXAMPLE, Map.of("API_TOKEN", value));
      assertThat(findings(one(compliant("api")), env, "secret-committed")).isEmpty();
    }

    @Test
    void passesOrdinaryKeysWithValues() {
      EnvExample env = EnvExample.of(ENV_EXAMPLE, Map.of("LOG_LEVEL", "debug", "KEYBOARD", "us"));
      assertThat(findings(one(compliant("api")), env, "secret-committed")).isEmpty();
    }
  }

  @Nested
  class DockerSocketMount {
    @ParameterizedTest
    @ValueSource(strings = {"/var/run/docker.sock", "/run/docker.sock", "//var/run//docker.sock/"})
    void flagsSocketBinds(String source) {
      assertThat(
              findings(
                  one(compliant("agent").bind(source, "/var/run/docker.sock")),
                  "docker-socket-mount"))
          .singleElement()
          .satisfies(x -> assertThat(x.path()).isEqualTo("services.agent.volumes[0]"));
    }

    @Test
    void passesOtherMounts() {
      ProjectBuilder p =
          one(
              compliant("agent")
                  .bind("./data", "/data")
                  .volume("docker.sock", "/var/run/docker.sock"));
      assertThat(findings(p, "docker-socket-mount")).isEmpty();
    }
  }

  @Nested
  class Privileged {
    @Test
    void flagsPrivileged() {
      assertThat(findings(one(compliant("api").privileged()), "privileged"))
          .singleElement()
          .satisfies(x -> assertThat(x.path()).isEqualTo("services.api.privileged"));
    }

    @Test
    void passesUnprivileged() {
      assertThat(findings(one(compliant("api")), "privileged")).isEmpty();
    }
  }

  @Nested
  class NetworkHost {
    @Test
    void flagsHostNetwork() {
      assertThat(findings(one(compliant("api").networkMode("host")), "network-host"))
          .singleElement()
          .satisfies(x -> assertThat(x.path()).isEqualTo("services.api.network_mode"));
    }

    @Test
    void passesBridgeAndServiceModes() {
      assertThat(findings(one(compliant("api").networkMode("bridge")), "network-host")).isEmpty();
      assertThat(findings(one(compliant("api").networkMode("service:db")), "network-host"))
          .isEmpty();
    }
  }

  @Nested
  class RestartPolicyMissing {
    @Test
    void flagsNoRestartPolicy() {
      assertThat(findings(one(compliant("api").restart(null)), "restart-policy-missing"))
          .singleElement()
          .satisfies(x -> assertThat(x.severity()).isEqualTo(Severity.WARNING));
    }

    @Test
    void passesExplicitNoAndDeployPolicy() {
      assertThat(findings(one(compliant("api").restart("no")), "restart-policy-missing")).isEmpty();
      assertThat(
              findings(
                  one(compliant("api").restart(null).deployRestartPolicy("on-failure")),
                  "restart-policy-missing"))
          .isEmpty();
    }
  }
}
