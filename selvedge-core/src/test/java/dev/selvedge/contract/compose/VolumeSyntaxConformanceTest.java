package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.testing.SharedData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs {@code conformance/volumes.json}: short syntax to long form, and {@code kind: to_string}
 * back. A {@code bind}/{@code volume} key in the expectation means the sub-object must exist.
 */
class VolumeSyntaxConformanceTest {

  @TestFactory
  Stream<DynamicTest> cases() {
    Map<String, String> deviations = PortSyntaxConformanceTest.deviations("volumes");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : SharedData.conformanceJson("volumes.json")) {
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
    if (c.path("kind").asText().equals("to_string")) {
      assertThat(VolumeSyntax.format(fromJson(c.get("volume"))))
          .isEqualTo(c.get("expected_string").asText());
      return;
    }
    String input = c.get("input").asText();
    if (c.has("error") && c.get("error").asBoolean()) {
      var thrown =
          assertThatThrownBy(() -> VolumeSyntax.parse(input))
              .isInstanceOf(IllegalArgumentException.class);
      if (c.path("error_exact").asBoolean()) {
        thrown.hasMessage(c.get("error_message").asText());
      } else {
        thrown.hasMessageContaining(c.get("error_contains").asText());
      }
      return;
    }
    if (c.has("error")) {
      assertThatCode(() -> VolumeSyntax.parse(input)).doesNotThrowAnyException();
      return;
    }
    if (c.has("expected_source_nonempty")) {
      // Upstream ignores the error here and looks at the zero value's source.
      String source;
      try {
        source = VolumeSyntax.parse(input).source();
      } catch (IllegalArgumentException e) {
        source = null;
      }
      assertThat(source != null && !source.isEmpty())
          .as("source of %s is non-empty", input)
          .isEqualTo(c.get("expected_source_nonempty").asBoolean());
      return;
    }
    ServiceVolume actual = VolumeSyntax.parse(input);
    if (c.has("expected")) {
      assertThat(fields(actual, null)).isEqualTo(fields(fromJson(c.get("expected")), null));
    } else {
      JsonNode partial = c.get("expected_partial");
      assertThat(fields(actual, partial)).isEqualTo(fields(fromJson(partial), partial));
    }
  }

  /** A volume from its long-form JSON; absent scalars are Go zero values. */
  private static ServiceVolume fromJson(JsonNode n) {
    JsonNode b = n.get("bind");
    JsonNode v = n.get("volume");
    return new ServiceVolume(
        n.path("type").asText("volume"),
        n.path("source").asText(""),
        n.path("target").asText(""),
        n.path("read_only").asBoolean(false),
        null,
        b == null
            ? null
            : new ServiceVolume.Bind(
                b.path("propagation").asText(""),
                b.path("create_host_path").asBoolean(false),
                b.path("selinux").asText("")),
        v == null
            ? null
            : new ServiceVolume.VolumeOptions(
                v.path("nocopy").asBoolean(false), v.path("subpath").asText("")),
        null);
  }

  /** Comparable fields with zero values for null; only the top-level keys of {@code only}. */
  private static Map<String, Object> fields(ServiceVolume v, JsonNode only) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", v.type());
    m.put("source", orEmpty(v.source()));
    m.put("target", orEmpty(v.target()));
    m.put("read_only", v.readOnly());
    m.put("consistency", orEmpty(v.consistency()));
    m.put(
        "bind",
        v.bind() == null
            ? "absent"
            : List.of(
                orEmpty(v.bind().propagation()),
                Boolean.TRUE.equals(v.bind().createHostPath()),
                orEmpty(v.bind().selinux())));
    m.put(
        "volume",
        v.volume() == null
            ? "absent"
            : List.of(v.volume().nocopy(), orEmpty(v.volume().subpath())));
    m.put("tmpfs", v.tmpfs() == null ? "absent" : v.tmpfs().toString());
    if (only != null) {
      List<String> keep = new ArrayList<>();
      only.fieldNames().forEachRemaining(keep::add);
      m.keySet().retainAll(keep);
    }
    return m;
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
