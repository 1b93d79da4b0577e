package dev.selvedge.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.port.ContainerCreate;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecBuilderTest {
  @TempDir Path dir;

  private static final String SHOP =
      """
      name: shop
      services:
        api:
          image: 127.0.0.1:5000/shop/api:1
          environment:
            DB_PASSWORD: ${DB_PASSWORD}
            MODE: prod
          ports: ["127.0.0.1:9000:9000"]
          volumes: [data:/var/lib/api, ./conf:/etc/api:ro]
          networks:
            back: {aliases: [backend]}
            front: {priority: 10}
          secrets: [token]
          labels: {team: core}
          x-selvedge:
            readback: {health: http://127.0.0.1:9000/healthz}
      networks:
        back: {}
        front: {}
      volumes:
        data: {}
      secrets:
        token: {file: ./token.txt}
      """;

  private Project shop(String password) {
    return OperationsFixtures.load(dir, SHOP, Map.of("DB_PASSWORD", password));
  }

  private static final ResolvedImage IMAGE =
      new ResolvedImage("127.0.0.1:5000/shop/api:1", "sha256:" + "a".repeat(64), null);

  @Test
  void buildsTheEngineSpecWithComposeLabelsAndEngineNames() {
    Project p = shop("s3cret-value");
    SpecBuilder b = new SpecBuilder(p);
    ContainerCreate c = b.build(p.services().get("api"), IMAGE, 7);

    assertThat(b.containerName(p.services().get("api"))).isEqualTo("shop-api-1");
    assertThat(c.image()).isEqualTo(IMAGE.imageId());
    assertThat(c.env()).containsExactly("DB_PASSWORD=s3cret-value", "MODE=prod");
    assertThat(c.labels())
        .containsEntry("com.docker.compose.project", "shop")
        .containsEntry("com.docker.compose.service", "api")
        .containsEntry("com.docker.compose.container-number", "1")
        .containsEntry("com.docker.compose.oneoff", "False")
        .containsEntry("com.docker.compose.project.working_dir", dir.toString())
        .containsEntry(
            "com.docker.compose.project.config_files", dir.resolve("compose.yaml").toString())
        .containsEntry("dev.selvedge.deployment", "7")
        .containsEntry("team", "core")
        .containsKey("com.docker.compose.config-hash");
    // Priority first, then by name; the service name always resolves.
    assertThat(c.networks().keySet()).containsExactly("shop_front", "shop_back");
    assertThat(c.networks().get("shop_back").aliases()).containsExactly("api", "backend");
    assertThat(c.mounts())
        .extracting(ServiceVolume::type, ServiceVolume::source, ServiceVolume::target)
        .contains(
            org.assertj.core.groups.Tuple.tuple("volume", "shop_data", "/var/lib/api"),
            org.assertj.core.groups.Tuple.tuple(
                "bind", dir.resolve("token.txt").toString(), "/run/secrets/token"));
    assertThat(c.toString()).doesNotContain("s3cret-value");
  }

  @Test
  void theConfigHashIsStableAndFollowsWhatShapesTheContainer() {
    Project p = shop("one");
    String h1 = new SpecBuilder(p).configHash(p.services().get("api"), IMAGE);
    Project again = shop("one");
    assertThat(new SpecBuilder(again).configHash(again.services().get("api"), IMAGE)).isEqualTo(h1);
    Project otherSecret = shop("two");
    assertThat(new SpecBuilder(otherSecret).configHash(otherSecret.services().get("api"), IMAGE))
        .isNotEqualTo(h1);
    ResolvedImage moved = new ResolvedImage(IMAGE.reference(), "sha256:" + "b".repeat(64), null);
    assertThat(new SpecBuilder(p).configHash(p.services().get("api"), moved)).isNotEqualTo(h1);
    assertThat(h1).matches("[0-9a-f]{64}");
  }

  @Test
  void dependenciesDoNotRecreateTheContainer() {
    String two =
        """
        name: d
        services:
          db: {image: a/db:1}
          api: {image: a/api:1}
        """;
    Project p = OperationsFixtures.load(dir, two, Map.of());
    Project withDependency =
        OperationsFixtures.load(
            dir, two.replace("a/api:1}", "a/api:1, depends_on: [db]}"), Map.of());
    assertThat(withDependency.services().get("api").dependsOn()).containsKey("db");
    assertThat(
            new SpecBuilder(withDependency).configHash(withDependency.services().get("api"), IMAGE))
        .isEqualTo(new SpecBuilder(p).configHash(p.services().get("api"), IMAGE));
  }

  @Test
  void readbackSettingsDoNotRecreateTheContainer() {
    Project p = shop("x");
    Project changed =
        OperationsFixtures.load(
            dir,
            SHOP.replace("http://127.0.0.1:9000/healthz", "http://127.0.0.1:9000/ready"),
            Map.of("DB_PASSWORD", "x"));
    assertThat(new SpecBuilder(changed).configHash(changed.services().get("api"), IMAGE))
        .isEqualTo(new SpecBuilder(p).configHash(p.services().get("api"), IMAGE));
  }

  @Test
  void aRegistryPinCreatesFromTheDigestReference() {
    String digest = "sha256:" + "c".repeat(64);
    ResolvedImage pinned = new ResolvedImage("127.0.0.1:5000/shop/api:1", "sha256:x", digest);
    assertThat(pinned.createFrom()).isEqualTo("127.0.0.1:5000/shop/api:1@" + digest);
    assertThat(pinned.pin()).isEqualTo(digest);
  }

  @Test
  void buildSectionsAreRefusedWithWhatToDo() {
    Project p =
        OperationsFixtures.load(
            dir,
            """
            name: b
            services:
              app:
                image: example/app:1
                build: .
            """,
            Map.of());
    assertThatThrownBy(() -> new SpecBuilder(p).check(p.services().get("app")))
        .isInstanceOf(OperationException.class)
        .hasMessageContaining("service 'app' has a build: section")
        .hasMessageContaining("push the image");
  }

  @Test
  void dependencyWavesPutDependenciesFirstAndRefuseCycles() {
    Project p =
        OperationsFixtures.load(
            dir,
            """
            name: w
            services:
              web: {image: a:1, depends_on: [api]}
              api: {image: a:1, depends_on: {db: {condition: service_healthy}}}
              db: {image: a:1}
              cache: {image: a:1}
              worker: {image: a:1, depends_on: [db]}
            """,
            Map.of());
    assertThat(Planner.waves(p))
        .containsExactly(
            java.util.List.of("cache", "db"),
            java.util.List.of("api", "worker"),
            java.util.List.of("web"));
  }
}
