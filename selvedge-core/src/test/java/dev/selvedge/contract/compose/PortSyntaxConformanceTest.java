package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.testing.SharedData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Runs {@code conformance/ports.json}: short syntax (and long-syntax defaults) to long form. */
class PortSyntaxConformanceTest {

  @TestFactory
  Stream<DynamicTest> cases() {
    Map<String, String> deviations = deviations("ports");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : SharedData.conformanceJson("ports.json")) {
      String id = c.get("id").asText();
      tests.add(
          DynamicTest.dynamicTest(
              id,
              () -> {
                assumeTrue(
                    !deviations.containsKey(id), () -> "known deviation: " + deviations.get(id));
                run(c);
              }));
    }
    return tests.stream();
  }

  private static void run(JsonNode c) {
    String kind = c.path("kind").asText("short");
    if (kind.startsWith("long_syntax")) {
      JsonNode in = c.get("input");
      PortConfig port =
          PortSyntax.fromLongSyntax(
              text(in, "name"),
              text(in, "mode"),
              text(in, "host_ip"),
              text(in, "target"),
              text(in, "published"),
              text(in, "protocol"),
              text(in, "app_protocol"));
      // Our model keeps published as text; "8080" stands for the YAML integer 8080.
      if (c.has("expected")) {
        assertThat(fields(port, null)).isEqualTo(expectedFields(c.get("expected"), false));
      } else {
        JsonNode e = c.get("expected_partial");
        assertThat(fields(port, e)).isEqualTo(expectedFields(e, true));
      }
      return;
    }
    String input = c.get("input").asText();
    if (c.path("ignore_parse_error").asBoolean()) {
      List<String> list = new ArrayList<>();
      c.get("expected_list").forEach(n -> list.add(n.asText()));
      assertThat(PortSyntax.tryParseAll(list))
          .as("unparsable entry leaves the list as written")
          .isEmpty();
      return;
    }
    if (c.path("error").asBoolean()) {
      String message = c.get("error_message").asText();
      var thrown = assertThatThrownBy(() -> PortSyntax.parse(input));
      thrown.isInstanceOf(IllegalArgumentException.class);
      if (c.path("error_exact").asBoolean()) {
        thrown.hasMessage(message);
      } else {
        thrown.hasMessageContaining(message);
      }
      return;
    }
    List<PortConfig> actual = PortSyntax.parse(input);
    if (c.has("expected")) {
      List<Map<String, Object>> want = new ArrayList<>();
      c.get("expected").forEach(e -> want.add(expectedFields(e, false)));
      List<Map<String, Object>> got = actual.stream().map(p -> fields(p, null)).toList();
      if (c.path("order_significant").asBoolean(true)) {
        assertThat(got).containsExactlyElementsOf(want);
      } else {
        assertThat(got).containsExactlyInAnyOrderElementsOf(want);
      }
    } else if (c.has("expected_partial")) {
      JsonNode e = c.get("expected_partial");
      assertThat(actual).hasSize(1);
      assertThat(fields(actual.get(0), e)).isEqualTo(expectedFields(e, true));
    } else {
      JsonNode list = c.get("expected_partial_list");
      assertThat(actual).hasSize(list.size());
      for (int i = 0; i < list.size(); i++) {
        assertThat(fields(actual.get(i), list.get(i))).isEqualTo(expectedFields(list.get(i), true));
      }
    }
  }

  private static String text(JsonNode n, String field) {
    return n.has(field) ? n.get(field).asText() : null;
  }

  /** The long-form fields of a port with Go zero values; only those in {@code only} if given. */
  private static Map<String, Object> fields(PortConfig p, JsonNode only) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", orEmpty(p.name()));
    m.put("mode", orEmpty(p.mode()));
    m.put("host_ip", orEmpty(p.hostIp()));
    m.put("target", (long) p.target());
    m.put("published", orEmpty(p.published()));
    m.put("protocol", orEmpty(p.protocol()));
    m.put("app_protocol", orEmpty(p.appProtocol()));
    if (only != null) {
      m.keySet().retainAll(fieldNames(only));
    }
    return m;
  }

  /** Expected fields with Go zero values for absent ones; only the listed ones when partial. */
  private static Map<String, Object> expectedFields(JsonNode e, boolean partial) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (String name :
        List.of("name", "mode", "host_ip", "target", "published", "protocol", "app_protocol")) {
      if (name.equals("target")) {
        m.put(name, e.path(name).asLong(0));
      } else {
        m.put(name, e.path(name).asText(""));
      }
    }
    if (partial) {
      m.keySet().retainAll(fieldNames(e));
    }
    return m;
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  /** {@code case-id<TAB>reason} lines of {@code conformance/known-deviations-<area>.txt}. */
  static Map<String, String> deviations(String area) {
    Map<String, String> map = new HashMap<>();
    String resource = "/conformance/known-deviations-" + area + ".txt";
    try (InputStream in = PortSyntaxConformanceTest.class.getResourceAsStream(resource)) {
      if (in == null) {
        return map;
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        int tab = line.indexOf('\t');
        if (!line.isBlank() && !line.startsWith("#") && tab > 0) {
          map.put(line.substring(0, tab), line.substring(tab + 1).strip());
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return map;
  }
}
