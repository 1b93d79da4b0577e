package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key without a value in a {@code KEY=VALUE} list or a mapping: an empty string for labels,
 * annotations, sysctls and options (compose-go's {@code Labels} and {@code Mapping}), unset and
 * looked up where Compose runs for environment and build args ({@code MappingWithEquals}).
 */
class MappingValuesTest {
  @TempDir Path dir;

  private Project load(String compose, Map<String, String> env) throws IOException {
    Files.writeString(dir.resolve("compose.yaml"), compose);
    return ComposeLoader.load(LoadOptions.of(dir).withEnvironment(env).withProjectName("p"));
  }

  @Test
  void aBareLabelIsAnEmptyStringInTheModelAndTheRenderedConfig() throws IOException {
    Project p =
        load(
            """
            services:
              app:
                image: busybox:1.36
                labels: ["com.example.flag", "com.example.tier=front"]
                annotations: [com.example.note]
                sysctls: {net.core.somaxconn: null}
                deploy:
                  labels: [com.example.deploy]
                logging:
                  options: {max-size: null}
            networks:
              default:
                labels: [com.example.net]
                driver_opts: {com.example.opt: null}
            volumes:
              data:
                labels: {com.example.vol: null}
            """,
            Map.of());
    Service app = p.services().get("app");
    assertThat(app.labels())
        .containsExactly(Map.entry("com.example.flag", ""), Map.entry("com.example.tier", "front"));
    assertThat(app.options().annotations()).containsExactly(Map.entry("com.example.note", ""));
    assertThat(app.options().sysctls()).containsExactly(Map.entry("net.core.somaxconn", ""));
    assertThat(app.deploy().labels()).containsExactly(Map.entry("com.example.deploy", ""));
    assertThat(app.logging().options()).containsExactly(Map.entry("max-size", ""));
    assertThat(p.networks().get("default").labels())
        .containsExactly(Map.entry("com.example.net", ""));
    assertThat(p.networks().get("default").driverOpts())
        .containsExactly(Map.entry("com.example.opt", ""));
    assertThat(p.volumes().get("data").labels()).containsExactly(Map.entry("com.example.vol", ""));
    // What `docker compose config` prints for it: "", not null.
    JsonNode rendered = ComposeConfig.redacted().render(p).get("services").get("app");
    assertThat(rendered.get("labels").get("com.example.flag").isTextual()).isTrue();
    assertThat(rendered.get("labels").get("com.example.flag").textValue()).isEmpty();
  }

  @Test
  void aBareEnvironmentKeyKeepsItsComposeMeaning() throws IOException {
    String compose =
        """
        services:
          app:
            image: busybox:1.36
            environment: [FROM_SHELL, UNSET_HERE, "EMPTY="]
            build:
              context: .
              args: [FROM_SHELL]
        """;
    Service app = load(compose, Map.of("FROM_SHELL", "shell")).services().get("app");
    assertThat(app.environment())
        .containsEntry("FROM_SHELL", "shell")
        .containsEntry("UNSET_HERE", null)
        .containsEntry("EMPTY", "");
    assertThat(app.build().args()).containsEntry("FROM_SHELL", "shell");
  }

  @Test
  void anExtraHostWithoutAnAddressIsRefusedAsDockerComposeDoes() throws IOException {
    assertThatThrownBy(
            () ->
                load(
                    "services:\n  app:\n    image: busybox:1.36\n    extra_hosts: [somehost]\n",
                    Map.of()))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("services.app.extra_hosts[0]: has no IP address");
  }

  /**
   * The conformance merge cases for labels, annotations and environment end with a bare {@code NIL}
   * entry; loaded as a whole project, compose-go reads it as {@code NIL: ""}, except in
   * environment, where it stays unset.
   */
  @TestFactory
  List<DynamicTest> bareEntriesOfTheConformanceCasesLoadAsComposeGoReadsThem() {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : SharedData.conformanceJson("merge.json")) {
      String id = c.get("id").asText();
      String expected = c.get("expected").asText();
      if (!expected.contains("- NIL") || !expected.contains("image: foo")) {
        continue;
      }
      tests.add(
          DynamicTest.dynamicTest(
              id,
              () -> {
                Files.writeString(dir.resolve("base.yaml"), c.get("base").asText());
                Files.writeString(dir.resolve("override.yaml"), c.get("override").asText());
                Project p = InputErrorsTest.loadFiles(dir, "base.yaml", "override.yaml");
                Service test = p.services().get("test");
                if (id.contains("Environment")) {
                  // Unset here, so nothing to look up: the key stays without a value.
                  assertThat(test.environment())
                      .containsEntry("NIL", null)
                      .containsEntry("EMPTY", "");
                  return;
                }
                Map<String, String> values =
                    id.contains("Annotations")
                        ? test.options().annotations()
                        : id.contains("Deploy")
                            ? test.deploy().labels()
                            : id.contains("Build") ? test.build().labels() : test.labels();
                assertThat(values).containsEntry("NIL", "").containsEntry("EMPTY", "");
              }));
    }
    assertThat(tests).hasSize(10);
    return tests;
  }
}
