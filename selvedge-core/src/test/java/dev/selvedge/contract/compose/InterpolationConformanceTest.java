package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.model.VariableUse;
import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Mark;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import dev.selvedge.contract.yaml.Tag;
import dev.selvedge.testing.SharedData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * interpolation.json and interpolation_operator_choice.json. Cases with a {@code context_path} are
 * also run through {@link Interpolator#interpolate} on a document holding the template at that
 * path. {@code expected_result_on_error} (the partial result Go returns beside an error) has no
 * counterpart: Java throws and returns nothing.
 */
class InterpolationConformanceTest {
  private static final Mark AT = new Mark("compose.yaml", 7, 12);
  private static final Pattern SEGMENT = Pattern.compile("([^.\\[]+)((?:\\[\\d+])*)");

  @TestFactory
  Stream<DynamicTest> interpolation() {
    JsonNode cases = SharedData.conformanceJson("interpolation.json");
    return StreamSupport.stream(cases.spliterator(), false)
        .map(c -> DynamicTest.dynamicTest(c.get("id").asText(), () -> run(c)));
  }

  @TestFactory
  Stream<DynamicTest> operatorChoice() {
    JsonNode cases = SharedData.conformanceJson("interpolation_operator_choice.json");
    return StreamSupport.stream(cases.spliterator(), false)
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.get("id").asText(),
                    () ->
                        assertThat(Operator.choose(c.get("braced_content").asText()).symbol())
                            .isEqualTo(c.get("expected_operator").asText())));
  }

  private static void run(JsonNode c) {
    Map<String, String> env = new HashMap<>();
    c.get("env").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
    String template = c.get("template").asText();
    String path = c.hasNonNull("context_path") ? c.get("context_path").asText() : null;

    if (c.has("expected")) {
      String expected = c.get("expected").asText();
      List<String> warnings = new ArrayList<>();
      assertThat(Interpolator.substitute(template, env::get, warnings::add)).isEqualTo(expected);
      if (c.has("expected_warnings")) {
        assertThat(warnings).hasSize(c.get("expected_warnings").asInt());
      }
      if (path != null) {
        List<VariableUse> uses = new ArrayList<>();
        Node out = Interpolator.interpolate(documentWith(path, template), env::get, uses::add);
        ScalarNode scalar = (ScalarNode) at(out, path);
        assertThat(scalar.value()).isEqualTo(expected);
        assertThat(scalar.mark()).isEqualTo(AT);
        assertThat(uses).isNotEmpty().allSatisfy(u -> assertThat(u.path()).isEqualTo(path));
      }
      return;
    }

    InterpolationException e =
        catchThrowableOfType(
            InterpolationException.class, () -> Interpolator.substitute(template, env::get));
    assertThat(e).as("substitution must fail").isNotNull();
    if (c.hasNonNull("error")) {
      String error = c.get("error").asText();
      if (c.path("error_exact").asBoolean()) {
        assertThat(e.kind()).isEqualTo(InterpolationException.Kind.INVALID_TEMPLATE);
        assertThat(e.getMessage()).contains("Invalid template");
      } else {
        assertThat(e.getMessage()).contains(error);
      }
      if ("MissingRequiredError".equals(c.path("error_type").asText())) {
        assertThat(e.kind()).isEqualTo(InterpolationException.Kind.MISSING_REQUIRED);
      }
    } else {
      JsonNode detail = c.get("error_detail");
      assertThat(e.kind()).isEqualTo(InterpolationException.Kind.MISSING_REQUIRED);
      assertThat(e.variable()).isEqualTo(detail.get("variable").asText());
      assertThat(e.reason()).isEqualTo(detail.get("reason").asText());
      assertThat(e.getMessage()).isEqualTo(c.get("error_message_derived").asText());
    }

    if (path != null) {
      String whole =
          c.path("error_exact").asBoolean()
              ? c.get("error").asText()
              : c.path("error_full_in_context").asText(null);
      if (whole != null) {
        assertThatThrownBy(
                () -> Interpolator.interpolate(documentWith(path, template), env::get, u -> {}))
            .isInstanceOfSatisfying(
                ContractException.class,
                ce -> {
                  assertThat(ce.mark()).isEqualTo(AT);
                  assertThat(ce.path()).isEqualTo(path);
                  // The message already names the path, so ContractException does not repeat it.
                  assertThat(ce.getMessage()).isEqualTo(AT + ": " + whole);
                });
      }
    }
  }

  /** A document holding {@code value} (a plain scalar at {@link #AT}) at {@code path}. */
  static Node documentWith(String path, String value) {
    Node node = new ScalarNode(value, true, AT, Tag.NONE);
    List<String> parts = segments(path);
    for (int i = parts.size() - 1; i >= 0; i--) {
      String part = parts.get(i);
      if (part.startsWith("[")) {
        int index = Integer.parseInt(part.substring(1, part.length() - 1));
        List<Node> items = new ArrayList<>();
        for (int k = 0; k < index; k++) {
          items.add(ScalarNode.of("filler"));
        }
        items.add(node);
        node = new SeqNode(items, Mark.NONE, Tag.NONE);
      } else {
        node = new MapNode(Map.of(part, node), Mark.NONE, Tag.NONE);
      }
    }
    return node;
  }

  static Node at(Node root, String path) {
    Node node = root;
    for (String part : segments(path)) {
      node =
          part.startsWith("[")
              ? ((SeqNode) node).items().get(Integer.parseInt(part.substring(1, part.length() - 1)))
              : ((MapNode) node).get(part);
    }
    return node;
  }

  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    for (String dotted : path.split("\\.")) {
      Matcher m = SEGMENT.matcher(dotted);
      if (!m.matches()) {
        throw new IllegalArgumentException(path);
      }
      out.add(m.group(1));
      Matcher idx = Pattern.compile("\\[\\d+]").matcher(m.group(2));
      while (idx.find()) {
        out.add(idx.group());
      }
    }
    return out;
  }
}
