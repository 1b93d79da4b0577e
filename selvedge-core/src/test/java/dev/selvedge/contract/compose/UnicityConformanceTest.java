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

/** The shared {@code unicity.json} cases: duplicate list entries removed. */
class UnicityConformanceTest {
  private static final KnownDeviations DEVIATIONS = KnownDeviations.load("unicity");

  @TestFactory
  List<DynamicTest> unicityCases() {
    JsonNode cases = SharedData.conformanceJson("unicity.json");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : cases) {
      String id = c.get("id").asText();
      tests.add(DynamicTest.dynamicTest(id, () -> run(id, c)));
    }
    assertThat(tests).hasSize(4);
    return tests;
  }

  private static void run(String id, JsonNode c) {
    Optional<String> deviation = DEVIATIONS.reason(id);
    assumeTrue(deviation.isEmpty(), () -> "known deviation: " + deviation.orElse(""));
    Node input = YamlReader.read("compose.yaml", c.get("input").asText());
    Node unique = Merger.enforceUnicity(input);
    assertThat(Nodes.toJava(unique))
        .as(id)
        .isEqualTo(Nodes.parseToJava(c.get("expected").asText()));
    // A second pass finds nothing more to remove.
    assertThat(Merger.enforceUnicity(unique)).isSameAs(unique);
  }
}
