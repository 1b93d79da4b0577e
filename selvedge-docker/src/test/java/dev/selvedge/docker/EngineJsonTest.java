package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ContainerDetails.Health;
import dev.selvedge.port.ContainerDetails.Mount;
import dev.selvedge.port.ContainerDetails.PortBinding;
import dev.selvedge.port.ContainerSummary;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Engine JSON captured from Docker 20.10 (API 1.41), mapped into the port's records. */
class EngineJsonTest {
  static final String ID = "9402bb85148a59d16b475218f44579abcb6df1939ee53c8c431958f95e570fc6";
  static final String IMAGE_ID =
      "sha256:9207f56e5d5d5d39600c4d51e1992396f68e7682a67c27b0d93d7f410033b1e8";

  static byte[] fixture(String name) throws IOException {
    try (InputStream in = EngineJsonTest.class.getResourceAsStream("/engine/" + name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void containerInspectBuildsOnlyWhatItReadsAndMapsTheSame() throws IOException {
    byte[] body = fixture("container-inspect.json");
    ContainerDetails whole = EngineJson.container(EngineJson.parse(body));
    com.fasterxml.jackson.databind.JsonNode shaped = EngineJson.parse(body, EngineJson.CONTAINER);

    assertThat(EngineJson.container(shaped)).isEqualTo(whole);
    assertThat(shaped.has("GraphDriver")).isFalse();
    assertThat(shaped.path("HostConfig").has("ShmSize")).isFalse();
    assertThat(shaped.path("NetworkSettings").has("Ports")).isFalse();
    assertThat(shaped.path("NetworkSettings").path("Networks").size())
        .isEqualTo(EngineJson.parse(body).path("NetworkSettings").path("Networks").size());
  }

  @Test
  void timestampsReadDirectlyAgreeWithInstantParse() {
    for (String t :
        List.of(
            "2026-11-23T18:28:13.726515078Z",
            "2026-11-23T18:28:13Z",
            "2026-11-23T18:28:13.5Z",
            "2024-02-29T23:59:59.000000001Z",
            "0001-01-01T00:00:00Z",
            "2026-11-23T24:00:00Z",
            "2026-11-23T18:28:13.Z",
            "2026-11-23T18:28:13.726515078+01:00",
            "2026-02-30T00:00:00Z",
            "2026-11-23T18:28:60Z",
            "2026-13-01T00:00:00Z",
            "yesterday",
            "")) {
      Instant expected;
      try {
        expected = Instant.parse(t);
      } catch (java.time.format.DateTimeParseException e) {
        expected = null;
      }
      assertThat(EngineJson.instant(t)).as(t).isEqualTo(expected);
    }
  }

  @Test
  void containerInspect() throws IOException {
    ContainerDetails d = EngineJson.container(EngineJson.parse(fixture("container-inspect.json")));

    assertThat(d.id()).isEqualTo(ID);
    assertThat(d.name()).isEqualTo("fixture-web");
    assertThat(d.image()).isEqualTo("selvedge-test/busybox:1");
    assertThat(d.imageId()).isEqualTo(IMAGE_ID);
    assertThat(d.created()).isEqualTo(Instant.parse("2026-11-23T18:28:13.726515078Z"));
    assertThat(d.labels())
        .containsEntry("com.docker.compose.project", "shop")
        .containsEntry("com.docker.compose.service", "web");
    assertThat(d.env())
        .containsExactly("DB_PASSWORD=fixture-not-secret", "GREETING=hello", "PATH=/bin");
    assertThat(d.entrypoint()).containsExactly("/bin/sh");
    assertThat(d.cmd()).containsExactly("-c", "exec httpd -f -p 80");
    assertThat(d.ports())
        .containsExactly(
            new PortBinding(80, "tcp", "127.0.0.1", "8080"),
            new PortBinding(443, "tcp", "127.0.0.1", ""),
            new PortBinding(9000, "tcp", null, null));
    assertThat(d.mounts())
        .containsExactly(
            new Mount("bind", "/srv/shop", "/data", false),
            new Mount("tmpfs", "", "/scratch", true),
            new Mount("volume", "shopdata", "/var/lib/app", true));
    assertThat(d.healthcheck())
        .isEqualTo(
            new Health(
                List.of("CMD-SHELL", "wget -q -O- http://127.0.0.1/healthz"),
                Duration.ofSeconds(5),
                null,
                3,
                null));
    assertThat(d.restartPolicy()).isEqualTo("unless-stopped");
    assertThat(d.networks()).containsOnlyKeys("fixture-net");
    assertThat(d.networks().get("fixture-net")).containsExactly("web", "9402bb85148a");
    assertThat(d.state().status()).isEqualTo("running");
    assertThat(d.state().running()).isTrue();
    assertThat(d.state().health()).isEqualTo("starting");
    assertThat(d.state().finishedAt()).isEqualTo("0001-01-01T00:00:00Z");
    assertThat(d.settings().hostname()).isEqualTo("web");
    assertThat(d.settings().init()).isTrue();
    assertThat(d.settings().networkMode()).isEqualTo("fixture-net");
    assertThat(d.settings().extraHosts()).isEmpty();
    assertThat(d.settings().capAdd()).isEmpty();
  }

  @Test
  void containerListAndImageAndVersion() throws IOException {
    List<ContainerSummary> list =
        EngineJson.summaries(EngineJson.parse(fixture("container-list.json")));

    assertThat(list)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.id()).isEqualTo(ID);
              assertThat(c.names()).containsExactly("fixture-web");
              assertThat(c.state()).isEqualTo("running");
              assertThat(c.imageId()).isEqualTo(IMAGE_ID);
              assertThat(c.labels()).containsEntry("com.docker.compose.project", "shop");
            });
    assertThat(EngineJson.image(EngineJson.parse(fixture("image-inspect.json"))).repoTags())
        .containsExactly("selvedge-test/busybox:1");
    assertThat(EngineJson.info(EngineJson.parse(fixture("version.json"))).apiVersion())
        .isEqualTo("1.41");
  }

  @Test
  void restartPoliciesInComposeSpelling() throws IOException {
    assertThat(restart("{\"Name\":\"on-failure\",\"MaximumRetryCount\":3}"))
        .isEqualTo("on-failure:3");
    assertThat(restart("{\"Name\":\"on-failure\",\"MaximumRetryCount\":0}"))
        .isEqualTo("on-failure");
    assertThat(restart("{\"Name\":\"\",\"MaximumRetryCount\":0}")).isEqualTo("no");
    assertThat(restart("{\"Name\":\"always\"}")).isEqualTo("always");
  }

  private static String restart(String policy) throws IOException {
    String json =
        "{\"Id\":\"x\",\"Name\":\"/x\",\"HostConfig\":{\"RestartPolicy\":" + policy + "}}";
    return EngineJson.container(EngineJson.parse(json.getBytes(StandardCharsets.UTF_8)))
        .restartPolicy();
  }

  @Test
  void errorMessagesFromJsonOrText() {
    assertThat(EngineJson.errorMessage("{\"message\":\"No such image: x\"}\n".getBytes()))
        .isEqualTo("No such image: x");
    assertThat(EngineJson.errorMessage("page not found\n".getBytes())).isEqualTo("page not found");
  }

  @Test
  void malformedJsonIsRefused() {
    assertThatThrownBy(() -> EngineJson.parse("{\"a\":".getBytes()))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> EngineJson.parse("{} {}".getBytes())).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> EngineJson.parse("[".repeat(100).getBytes()))
        .isInstanceOf(IOException.class);
  }
}
