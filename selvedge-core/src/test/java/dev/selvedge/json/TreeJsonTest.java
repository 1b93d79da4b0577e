package dev.selvedge.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The mapper-free JSON text and trees match what an {@code ObjectMapper} writes and reads. */
class TreeJsonTest {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Test
  void writesWhatTheMapperWrites() throws IOException {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("text", "quote \" backslash \\ tab \t newline \n é ✓ \u0001");
    root.put("int", 42);
    root.put("long", 1L << 40);
    root.put("double", 2.5);
    root.put("float", 1.25f);
    root.put("big", new BigInteger("123456789012345678901234567890"));
    root.put("decimal", new BigDecimal("1.50"));
    root.put("yes", true);
    root.putNull("nothing");
    root.put("missingString", (String) null);
    root.putObject("empty");
    root.putArray("none");
    root.putArray("list").add(1).add("two").addObject().put("three", 3).putArray("four");
    root.putObject("nested").putObject("deeper").putArray("deepest").add(false);

    assertThat(TreeJson.pretty(root)).isEqualTo(MAPPER.writeValueAsString(root));
    assertThat(TreeJson.pretty(JsonNodeFactory.instance.arrayNode()))
        .isEqualTo(MAPPER.writeValueAsString(JsonNodeFactory.instance.arrayNode()));
  }

  @Test
  void readsWhatTheMapperReads() throws IOException {
    for (String text :
        List.of(
            "{\"status\":\"ok\",\"n\":1,\"l\":10000000000,\"b\":123456789012345678901234567890}",
            "{\"f\":1.5,\"e\":1e3,\"t\":true,\"x\":null,\"a\":[1,[2,{\"k\":\"v\"}]],\"o\":{}}",
            "[\"a\", {\"dup\": 1, \"dup\": 2}]",
            "{\"ok\":1} trailing",
            "\"just a string\"",
            "17")) {
      JsonNode mine = TreeJson.readFirst(text);
      JsonNode theirs = MAPPER.readTree(text);
      assertThat(mine).as(text).isEqualTo(theirs);
      assertThat(mine.getClass()).as(text).isEqualTo(theirs.getClass());
    }
    assertThat(TreeJson.readFirst("")).isNull();
    assertThatThrownBy(() -> TreeJson.readFirst("{\"open\": [1, 2"))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> TreeJson.readFirst("not json")).isInstanceOf(IOException.class);
  }
}
