package dev.selvedge.contract.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.yaml.Nodes;
import java.util.List;
import org.junit.jupiter.api.Test;

class TreeWriterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> TRICKY =
      List.of(
          "",
          "plain",
          "true",
          "False",
          "yes",
          "no",
          "on",
          "null",
          "~",
          "1",
          "-1",
          "1.5",
          "1e3",
          "0x1F",
          "0o17",
          ".inf",
          "-.Inf",
          ".nan",
          "12:30",
          "a: b",
          "a:b",
          "key:",
          "# c",
          "a #b",
          "a#b",
          "- x",
          "-",
          "-q",
          "---",
          "...",
          "?",
          "multi\nline",
          "tab\there",
          "  lead",
          "trail ",
          "naïve",
          "ünïcode ✓",
          "quote\"s",
          "back\\slash",
          "'single'",
          "@at",
          "`tick`",
          "{x}",
          "[y]",
          "*ref",
          "&anchor",
          "!tag",
          "|",
          ">",
          "%",
          "ctrl\u0001char",
          "http://127.0.0.1:8080/healthz",
          "CMD-SHELL",
          "wget -q -O- http://x/ || exit 1");

  private static ObjectNode tricky() {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode map = root.putObject("map");
    ArrayNode list = root.putArray("list");
    for (int i = 0; i < TRICKY.size(); i++) {
      map.put(TRICKY.get(i).isEmpty() ? "empty" : TRICKY.get(i), TRICKY.get(i));
      list.add(TRICKY.get(i));
    }
    root.put("int", 8080L);
    root.put("bool", true);
    root.putNull("nothing");
    root.putObject("emptyMap");
    root.putArray("emptyList");
    ArrayNode objects = root.putArray("objects");
    objects
        .addObject()
        .put("target", 80L)
        .put("published", "8080")
        .putObject("nested")
        .put("a", "b");
    objects.addObject().putArray("deep").add("x").addArray().add("y");
    return root;
  }

  @Test
  void yamlReadsBackAsTheSameTree() {
    ObjectNode tree = tricky();
    String yaml = TreeWriter.yaml(tree);
    assertThat(Nodes.parseToJava(yaml)).isEqualTo(JSON.convertValue(tree, Object.class));
  }

  @Test
  void jsonReadsBackAsTheSameTree() throws Exception {
    ObjectNode tree = tricky();
    assertThat(JSON.readValue(TreeWriter.json(tree), Object.class))
        .isEqualTo(JSON.readValue(JSON.writeValueAsString(tree), Object.class));
  }

  @Test
  void quotesOnlyWhatNeedsIt() {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.put("image", "nginx:1.27");
    tree.put("published", "8080");
    assertThat(TreeWriter.yaml(tree)).isEqualTo("image: nginx:1.27\npublished: \"8080\"\n");
  }
}
