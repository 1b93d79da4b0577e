package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.model.Dependency;
import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.ServiceNetwork;
import dev.selvedge.contract.model.ServiceVolume;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ComposeLoaderTest {

  static Path fixture(String name) {
    try {
      return Path.of(ComposeLoaderTest.class.getResource("/compose/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Project load(String name) {
    return load(name, Map.of());
  }

  static Project load(String name, Map<String, String> env) {
    return ComposeLoader.load(LoadOptions.of(fixture(name)).withEnvironment(env));
  }

  @Test
  void normalizesShortSyntaxToLongSyntax() {
    Project p = load("basic", Map.of("FROM_SHELL", "shell-value"));
    assertThat(p.name()).isEqualTo("basic");
    Service web = p.services().get("web");
    assertThat(web.command()).containsExactly("nginx", "-g", "daemon off;");
    assertThat(web.ports())
        .containsExactly(
            PortConfig.of("127.0.0.1", 80, "8080", "tcp"), PortConfig.of(null, 9000, null, "tcp"));
    assertThat(web.volumes()).hasSize(2);
    ServiceVolume html = web.volumes().get(0);
    assertThat(html.type()).isEqualTo("bind");
    assertThat(html.source()).isEqualTo(fixture("basic").resolve("html").toString());
    assertThat(html.readOnly()).isTrue();
    assertThat(web.volumes().get(1).type()).isEqualTo("volume");
    assertThat(web.volumes().get(1).source()).isEqualTo("data");
    assertThat(web.dependsOn())
        .containsExactly(Map.entry("api", new Dependency(Dependency.STARTED, false, true)));
    assertThat(web.environment())
        .containsEntry("MODE", "prod")
        .containsEntry("EMPTY", "")
        .containsEntry("FROM_SHELL", "shell-value");
    assertThat(web.labels()).containsEntry("tier", "front");
    assertThat(web.healthcheck().test())
        .containsExactly("CMD-SHELL", "wget -q -O- http://127.0.0.1/");
    assertThat(web.healthcheck().interval()).isEqualTo(Duration.ofSeconds(90));
    assertThat(web.networks()).containsExactly(Map.entry("default", ServiceNetwork.DEFAULT));
    assertThat(p.networks().get("default").name()).isEqualTo("basic_default");
    assertThat(p.volumes().get("data").name()).isEqualTo("basic_data");
  }

  @Test
  void recordsWhereEachKeyWasWritten() {
    Project p = load("basic");
    assertThat(p.locate("services.web.image").line()).isEqualTo(3);
    assertThat(p.locate("services.web.ports[1]").line()).isEqualTo(7);
    assertThat(p.locate("services.web.ports[1]").file()).endsWith("compose.yaml");
  }

  @Test
  void mergesTheOverrideFileFoundBesideTheMainOne() {
    Project p = load("override");
    assertThat(p.name()).isEqualTo("overridden-app");
    Service app = p.services().get("app");
    assertThat(app.ports()).extracting(PortConfig::published).containsExactly("8080", "9090");
    assertThat(app.command()).containsExactly("run", "--override");
    assertThat(app.environment())
        .containsExactly(
            Map.entry("A", "base"), Map.entry("B", "override"), Map.entry("C", "override"));
  }

  @Test
  void readsDotEnvAndEnvFilesWithTheProcessEnvironmentWinning() {
    Project p = load("envfile");
    Service app = p.services().get("app");
    assertThat(app.image()).isEqualTo("example/app:from-dotenv");
    assertThat(app.environment())
        .containsEntry("FROM_FILE", "yes")
        .containsEntry("OVERRIDDEN", "from-compose")
        .containsEntry("MULTI", "line one\nline two");

    Project shell = load("envfile", Map.of("TAG", "from-shell"));
    assertThat(shell.services().get("app").image()).isEqualTo("example/app:from-shell");
  }

  @Test
  void resolvesExtendsInTheSameFileAndFromAnother() {
    Project p = load("extends");
    Service child = p.services().get("child");
    assertThat(child.image()).isEqualTo("example/base:1.0");
    assertThat(child.environment()).containsEntry("LEVEL", "child").containsEntry("KEEP", "kept");
    Service remote = p.services().get("remote");
    assertThat(remote.image()).isEqualTo("example/shared:2.0");
    assertThat(remote.volumes().get(0).source())
        .isEqualTo(fixture("extends").resolve("shared-data").toString());
    assertThat(remote.ports()).extracting(PortConfig::published).containsExactly("8100");
  }

  @Test
  void includesAnotherProjectWithItsOwnDirectoryAndEnv() {
    Project p = load("include");
    assertThat(p.services()).containsKeys("app", "cache");
    Service cache = p.services().get("cache");
    assertThat(cache.image()).isEqualTo("example/cache:7.2");
    assertThat(cache.volumes().get(0).source())
        .isEqualTo(fixture("include").resolve("sub/cache-data").toString());
  }

  @Test
  void profilesDisableServicesUntilActivated() {
    Project p = load("profiles");
    assertThat(p.services()).containsOnlyKeys("app");
    assertThat(p.disabledServices()).containsExactly("debug");
    Project all =
        ComposeLoader.load(LoadOptions.of(fixture("profiles")).withProfiles(Set.of("debug")));
    assertThat(all.services()).containsOnlyKeys("app", "debug");
  }

  @Test
  void unknownKeyIsAnErrorWithFileLineAndPath() {
    assertThatThrownBy(() -> load("unknown-key"))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("compose.yaml:5")
        .hasMessageContaining("services.app.imagee")
        .hasMessageContaining("unknown key 'imagee'");
  }

  @Test
  void unsupportedComposeKeyIsAnErrorThatSaysWhy() {
    assertThatThrownBy(() -> load("unsupported-key"))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("services.app.links")
        .hasMessageContaining("not supported by Selvedge");
  }

  @Test
  void requiredVariableShowsItsMessage() {
    assertThatThrownBy(() -> load("required-var"))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("services.app.environment.DB_HOST")
        .hasMessageContaining("point DB_HOST at the database");
    assertThat(load("required-var", Map.of("DB_HOST", "db")).services().get("app").environment())
        .containsEntry("DB_HOST", "db");
  }

  @Test
  void malformedYamlNamesFileAndLine() {
    assertThatThrownBy(() -> load("bad-yaml"))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("compose.yaml:4")
        .hasMessageContaining("invalid YAML");
  }

  @Test
  void wrongTypeIsAnError() {
    assertThatThrownBy(() -> load("wrong-type"))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("services.app.privileged")
        .hasMessageContaining("true or false");
  }

  @Test
  void undefinedNamedVolumeIsAnError() {
    assertThatThrownBy(() -> load("undefined-volume"))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("undefined volume 'missing'");
  }

  @Test
  void missingComposeFileSaysWhereItLooked() {
    assertThatThrownBy(
            () ->
                ComposeLoader.load(
                    LoadOptions.of(
                        fixture("include").resolve("sub").getParent().resolve("nowhere"))))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("no compose file found");
  }

  @Test
  void explicitFilesMergeInOrder() {
    Path dir = fixture("override");
    Project p =
        ComposeLoader.load(
            LoadOptions.of(dir)
                .withFiles(
                    List.of(dir.resolve("compose.override.yaml"), dir.resolve("compose.yaml"))));
    assertThat(p.services().get("app").command()).containsExactly("run", "--base");
  }

  @Test
  void normalizesDirectoryNamesLikeCompose() {
    assertThat(ComposeLoader.normalizeProjectName("My Project.v2")).isEqualTo("myprojectv2");
    assertThat(ComposeLoader.normalizeProjectName("_-abc")).isEqualTo("abc");
  }

  @Test
  void readsEveryFileThroughTheGivenSources() {
    Map<Path, String> files =
        Map.of(
            Path.of("/srv/deploy/compose.yaml"),
            "services:\n  app:\n    image: example/app:${TAG}\n    env_file: app.env\n",
            Path.of("/srv/deploy/.env"),
            "TAG=7\n",
            Path.of("/srv/deploy/app.env"),
            "MODE=remote\n");
    SourceFiles remote =
        new SourceFiles() {
          @Override
          public java.util.Optional<byte[]> read(Path file) {
            return java.util.Optional.ofNullable(files.get(file)).map(String::getBytes);
          }

          @Override
          public boolean isFile(Path file) {
            return files.containsKey(file);
          }
        };
    Project p = ComposeLoader.load(LoadOptions.of(Path.of("/srv/deploy")).withSources(remote));
    assertThat(p.services().get("app").image()).isEqualTo("example/app:7");
    assertThat(p.services().get("app").environment()).containsEntry("MODE", "remote");
    assertThat(p.sources()).extracting(s -> s.role()).containsExactly("env", "compose", "env");
  }

  @Test
  void discoversOverridesAsDockerComposeDoes(@org.junit.jupiter.api.io.TempDir Path dir)
      throws java.io.IOException {
    java.nio.file.Files.writeString(dir.resolve("compose.yaml"), "services:\n  a: {image: a:1}\n");
    java.nio.file.Files.writeString(
        dir.resolve("docker-compose.override.yml"), "services:\n  a: {image: a:2}\n");
    assertThat(ComposeLoader.discover(dir))
        .containsExactly(dir.resolve("compose.yaml"), dir.resolve("docker-compose.override.yml"));
    assertThat(ComposeLoader.load(LoadOptions.of(dir)).services().get("a").image())
        .isEqualTo("a:2");
  }

  @Test
  void namingTheDefaultNetworkIsAllowed(@org.junit.jupiter.api.io.TempDir Path dir)
      throws java.io.IOException {
    java.nio.file.Files.writeString(
        dir.resolve("compose.yaml"),
        "services:\n  a:\n    image: a:1\n    networks:\n      default:\n        aliases: [w]\n");
    Project p = ComposeLoader.load(LoadOptions.of(dir));
    assertThat(p.networks()).containsKey("default");
    assertThat(p.services().get("a").networks().get("default").aliases()).containsExactly("w");
  }

  @Test
  void composeProfilesOnlyApplyWithoutProfileFlags() {
    Map<String, String> env = Map.of("COMPOSE_PROFILES", "debug");
    assertThat(load("profiles", env).services()).containsKeys("app", "debug");
    Project flagged =
        ComposeLoader.load(
            LoadOptions.of(fixture("profiles")).withEnvironment(env).withProfiles(Set.of("other")));
    assertThat(flagged.services()).containsOnlyKeys("app");
  }

  @Test
  void refusesValuesItCannotHonour(@org.junit.jupiter.api.io.TempDir Path dir)
      throws java.io.IOException {
    for (String bad :
        List.of(
            "    cpus: 1.5.3\n",
            "    shm_size: -5\n",
            "    env_file:\n      - path: x.env\n        format: raw\n")) {
      java.nio.file.Files.writeString(
          dir.resolve("compose.yaml"), "services:\n  a:\n    image: a:1\n" + bad);
      assertThatThrownBy(() -> ComposeLoader.load(LoadOptions.of(dir)))
          .as(bad)
          .isInstanceOf(ContractException.class)
          .hasMessageContaining("services.a.");
    }
  }

  @Test
  void evidencePathsAreRelativeToTheProjectAndEnvFilesAreNotHashed() {
    Project p =
        ComposeLoader.load(
            new LoadOptions(
                List.of(), fixture("envfile"), null, List.of(), Set.of(), Map.of(), Path.of("/")));
    assertThat(p.sources())
        .extracting(s -> s.path() + ":" + s.role() + ":" + (s.sha256() != null))
        .containsExactlyInAnyOrder(
            ".env:env:false", "compose.yaml:compose:true", "app.env:env:false");
  }
}
