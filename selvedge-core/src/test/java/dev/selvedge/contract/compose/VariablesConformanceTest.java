package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Mark;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import dev.selvedge.contract.yaml.Tag;
import dev.selvedge.testing.SharedData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** variables.json. Absent defaults and presence values (null here) are Go's "" there. */
class VariablesConformanceTest {

  @TestFactory
  Stream<DynamicTest> variables() {
    JsonNode cases = SharedData.conformanceJson("variables.json");
    return StreamSupport.stream(cases.spliterator(), false)
        .map(c -> DynamicTest.dynamicTest(c.get("id").asText(), () -> run(c)));
  }

  private static void run(JsonNode c) {
    Map<String, VariableRef> actual = Variables.extract(toNode(c.get("input")));
    Map<String, VariableRef> expected = new LinkedHashMap<>();
    c.get("expected")
        .properties()
        .forEach(
            e -> {
              JsonNode v = e.getValue();
              expected.put(
                  e.getKey(),
                  new VariableRef(
                      v.get("name").asText(),
                      v.get("default_value").asText(),
                      v.get("presence_value").asText(),
                      v.get("required").asBoolean()));
            });
    Map<String, VariableRef> goShaped = new LinkedHashMap<>();
    actual.forEach(
        (k, v) ->
            goShaped.put(
                k,
                new VariableRef(
                    v.name(),
                    v.defaultValue() == null ? "" : v.defaultValue(),
                    v.presenceValue() == null ? "" : v.presenceValue(),
                    v.required())));
    assertThat(goShaped).isEqualTo(expected);
  }

  static Node toNode(JsonNode json) {
    if (json.isObject()) {
      Map<String, Node> entries = new LinkedHashMap<>();
      json.properties().forEach(e -> entries.put(e.getKey(), toNode(e.getValue())));
      return new MapNode(entries, Mark.NONE, Tag.NONE);
    }
    if (json.isArray()) {
      List<Node> items = new ArrayList<>();
      json.forEach(item -> items.add(toNode(item)));
      return new SeqNode(items, Mark.NONE, Tag.NONE);
    }
    return json.isNull() ? ScalarNode.nullAt(Mark.NONE) : ScalarNode.of(json.asText());
  }
}
