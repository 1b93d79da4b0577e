package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ContainerDetails.Mount;
import dev.selvedge.port.ContainerDetails.PortBinding;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The canned engine training reads answers like a real one, through the real client code. */
class TrainingEngineTest {
  @Test
  void listsAndInspectsOneContainerPerService() {
    try (DockerEngine engine =
        TrainingEngine.of("proj", "/srv/proj", List.of("web", "api"), 20000)) {
      List<ContainerSummary> listed =
          engine.listContainers(Map.of("com.docker.compose.project", "proj"), true);
      assertThat(listed)
          .extracting(ContainerSummary::names)
          .containsExactly(List.of("proj_web_1"), List.of("proj_api_1"));

      ContainerDetails api = engine.inspectContainer(listed.get(1).id());
      assertThat(api.name()).isEqualTo("proj_api_1");
      assertThat(api.labels()).containsEntry("com.docker.compose.service", "api");
      assertThat(api.env()).contains("INDEX=2", "MODE=prod");
      assertThat(api.ports()).containsExactly(new PortBinding(8080, "tcp", "127.0.0.1", "20001"));
      assertThat(api.mounts())
          .containsExactly(
              new Mount("volume", "proj_data", "/data", true),
              new Mount("bind", "/srv/proj/www", "/www", false));
      assertThat(api.state().running()).isTrue();
      assertThat(api.networks()).containsKey("proj_default");
      assertThat(engine.inspectImage(api.imageId())).isPresent();
      assertThat(engine.inspectImage("sha256:0000")).isEmpty();
    }
  }
}
