package dev.selvedge.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.json.TreeJson;
import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetJsonTest {
  static final Instant AT = Instant.parse("2026-03-01T10:00:00Z");

  static Fleet.Node node(String id, String... stacks) {
    Map<String, Fleet.Stack> m = new LinkedHashMap<>();
    for (String s : stacks) {
      m.put(s, new Fleet.Stack(s, Path.of("/c/" + s), s + "-p", null, null));
    }
    return new Fleet.Node(id, "unix:///x", null, null, "prod", List.of("eu", "t-a"), m);
  }

  static JsonNode parse(com.fasterxml.jackson.databind.node.ObjectNode tree) throws Exception {
    return TreeJson.readFirst(FleetJson.write(tree));
  }

  @Test
  void theFleetHasASummaryAndEveryNodeWithItsStacksUnknownPartsSpelledOut() throws Exception {
    NodeState a =
        new NodeState(
            "a",
            Pill.YELLOW,
            List.of("shop: web: image drifted"),
            AT,
            0,
            null,
            List.of(
                new StackState(
                    "a",
                    "shop",
                    "shop-p",
                    Sync.DRIFTED,
                    Health.HEALTHY,
                    Pill.YELLOW,
                    List.of("web: image drifted"),
                    "{}",
                    AT)));
    List<NodeView> views =
        List.of(
            new NodeView(node("a", "shop", "blog"), a, false),
            new NodeView(node("b", "shop"), null, true));
    JsonNode j = parse(FleetJson.fleet(views, AT.plusSeconds(5)));
    assertThat(j.get("generated_at").asText()).isEqualTo("2026-03-01T10:00:05Z");
    assertThat(j.get("summary").toString())
        .isEqualTo("{\"nodes\":2,\"stacks\":3,\"green\":0,\"yellow\":1,\"red\":0}");
    JsonNode na = j.at("/nodes/0");
    assertThat(na.get("id").asText()).isEqualTo("a");
    assertThat(na.get("environment").asText()).isEqualTo("prod");
    assertThat(na.get("tags").toString()).isEqualTo("[\"eu\",\"t-a\"]");
    assertThat(na.get("pill").asText()).isEqualTo("yellow");
    assertThat(na.get("last_swept_at").asText()).isEqualTo("2026-03-01T10:00:00Z");
    assertThat(na.get("stale").asBoolean()).isFalse();
    assertThat(na.at("/stacks/0").toString())
        .isEqualTo(
            "{\"name\":\"shop\",\"project\":\"shop-p\",\"sync\":\"drifted\",\"health\":\"healthy\","
                + "\"pill\":\"yellow\",\"reasons\":[\"web: image drifted\"]}");
    assertThat(na.at("/stacks/1/pill").asText()).isEqualTo("unknown");
    JsonNode nb = j.at("/nodes/1");
    assertThat(nb.get("pill").asText()).isEqualTo("unknown");
    assertThat(nb.get("last_swept_at").isNull()).isTrue();
    assertThat(nb.get("stale").asBoolean()).isTrue();
    assertThat(nb.get("reasons").toString()).isEqualTo("[\"not swept yet\"]");
  }

  @Test
  void aNodeInFullCarriesItsEngineFactsAndHistoryItsChanges() throws Exception {
    EngineFacts facts =
        new EngineFacts(
            "ID1", "27.0.1", "1.47", "linux", "aarch64", 4, 8L << 30, "/var/lib/docker", null);
    NodeState s =
        new NodeState("a", Pill.RED, List.of("engine unreachable"), AT, 3, facts, List.of());
    JsonNode n = parse(FleetJson.node(new NodeView(node("a"), s, false)));
    assertThat(n.get("failures").asInt()).isEqualTo(3);
    assertThat(n.get("engine").toString())
        .isEqualTo(
            "{\"id\":\"ID1\",\"version\":\"27.0.1\",\"api_version\":\"1.47\",\"os\":\"linux\","
                + "\"arch\":\"aarch64\",\"cpus\":4,\"memory_bytes\":8589934592,"
                + "\"root_dir\":\"/var/lib/docker\",\"root_disk_bytes\":null}");
    assertThat(parse(FleetJson.node(new NodeView(node("b"), null, true))).get("engine").isNull())
        .isTrue();

    JsonNode h =
        parse(
            FleetJson.history(
                "a",
                List.of(
                    new PillChange("a", "shop", Pill.GREEN, Pill.RED, List.of("web: exited"), AT),
                    new PillChange(
                        "a", null, null, Pill.GREEN, List.of("ok"), AT.minusSeconds(60)))));
    assertThat(h.get("node").asText()).isEqualTo("a");
    assertThat(h.at("/changes/0").toString())
        .isEqualTo(
            "{\"stack\":\"shop\",\"from\":\"green\",\"to\":\"red\",\"reasons\":[\"web: exited\"],"
                + "\"at\":\"2026-03-01T10:00:00Z\"}");
    assertThat(h.at("/changes/1/stack").isNull()).isTrue();
    assertThat(h.at("/changes/1/from").isNull()).isTrue();
  }
}
