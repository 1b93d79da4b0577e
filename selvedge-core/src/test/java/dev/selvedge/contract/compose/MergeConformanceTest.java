package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.Nodes;
import dev.selvedge.contract.yaml.YamlReader;
import dev.selvedge.testing.SharedData;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The shared {@code merge.json} cases: override merged onto base must equal expected. */
class MergeConformanceTest {
  private static final KnownDeviations DEVIATIONS = KnownDeviations.load("merge");

  @TestFactory
  List<DynamicTest> mergeCases() {
    JsonNode cases = SharedData.conformanceJson("merge.json");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : cases) {
      String id = c.get("id").asText();
      tests.add(DynamicTest.dynamicTest(id, () -> run(id, c)));
    }
    assertThat(tests).hasSize(67);
    return tests;
  }

  private static void run(String id, JsonNode c) {
    Optional<String> deviation = DEVIATIONS.reason(id);
    assumeTrue(deviation.isEmpty(), () -> "known deviation: " + deviation.orElse(""));
    Node base = YamlReader.read("base.yaml", c.get("base").asText());
    Node override = YamlReader.read("override.yaml", c.get("override").asText());
    Node merged = Merger.merge(base, override);
    if (c.get("enforce_unicity").asBoolean()) {
      merged = Merger.enforceUnicity(merged);
    }
    Object expected = Nodes.parseToJava(c.get("expected").asText());
    assertThat(Nodes.toJava(merged)).as(id).isEqualTo(expected);
  }
}
