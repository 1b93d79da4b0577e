package dev.selvedge.operations.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.Deployment;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperationsRenderTest {

  private static Deployment deployment(
      long id, Long rollbackOf, String actor, Deployment.Outcome o) {
    return new Deployment(
        id,
        "unix:///var/run/docker.sock",
        "shop",
        rollbackOf == null ? Deployment.Kind.APPLY : Deployment.Kind.ROLLBACK,
        null,
        actor,
        Instant.parse("2026-12-04T03:00:00.123Z"),
        null,
        o,
        false,
        "{}",
        List.of(),
        Map.of(),
        rollbackOf,
        "summary of " + id);
  }

  @Test
  void historyColumnsAreAsWideAsTheirContent() {
    String text =
        OperationsRender.historyText(
            List.of(
                deployment(
                    123457,
                    123456L,
                    "release-bot@build-agent-17.example.internal",
                    Deployment.Outcome.ROLLED_BACK),
                deployment(7, null, "ana@box", Deployment.Outcome.HEALTHY)));
    List<String> lines = text.lines().toList();
    String header = lines.get(0);
    for (String column : List.of("KIND", "OUTCOME", "BY", "SUMMARY")) {
      int at = header.indexOf(column);
      // Every row has a cell starting where its header does, after a space.
      for (String row : lines.subList(1, lines.size())) {
        assertThat(row.charAt(at - 1)).as("%s in%n%s", column, text).isEqualTo(' ');
        assertThat(row.charAt(at)).as("%s in%n%s", column, text).isNotEqualTo(' ');
      }
    }
    assertThat(lines.get(1))
        .contains("rollback (to 123456) rolled-back ")
        .endsWith("release-bot@build-agent-17.example.internal summary of 123457");
  }
}
