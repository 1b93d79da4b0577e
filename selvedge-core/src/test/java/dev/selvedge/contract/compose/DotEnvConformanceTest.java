package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.contract.ContractException;
import dev.selvedge.testing.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * dotenv.json. Go's errors say {@code line N: what}; here the line travels in the {@link
 * ContractException}'s mark, so {@code line N: } is checked against the mark and the rest against
 * the message. {@code Load} sets a map standing in for the process environment.
 *
 * <p>A case in {@code known-deviations-dotenv.txt} is still run: it must fail, on the expected
 * line, but its exact message (which would echo the value) is not compared; the test then reports
 * itself skipped with the reason.
 */
class DotEnvConformanceTest {
  private static final Pattern LINE_PREFIX = Pattern.compile("line (\\d+): (.*)", Pattern.DOTALL);

  @TestFactory
  Stream<DynamicTest> dotenv() {
    JsonNode cases = SharedData.conformanceJson("dotenv.json");
    KnownDeviations deviations = KnownDeviations.load("dotenv");
    return StreamSupport.stream(cases.spliterator(), false)
        .map(
            c -> {
              String id = c.get("id").asText();
              return DynamicTest.dynamicTest(id, () -> run(c, deviations.reason(id).orElse(null)));
            });
  }

  private static void run(JsonNode c, String deviation) {
    Map<String, String> lookupEnv = strings(c.get("lookup_env"));
    List<String> asked = new ArrayList<>();
    Function<String, String> lookup =
        name -> {
          asked.add(name);
          return lookupEnv.get(name);
        };
    String operation = c.get("operation").asText();

    if (c.path("error").asBoolean()) {
      ContractException e =
          catchThrowableOfType(ContractException.class, () -> execute(c, operation, lookup));
      assertThat(e).as("must fail").isNotNull();
      if (c.hasNonNull("file")) {
        assertThat(e.getMessage()).contains(c.get("file").asText());
      }
      if (c.hasNonNull("error_contains")) {
        String wanted = c.get("error_contains").asText();
        Matcher m = LINE_PREFIX.matcher(wanted);
        if (m.matches()) {
          assertThat(e.mark().line()).isEqualTo(Integer.parseInt(m.group(1)));
          wanted = m.group(2);
        }
        assumeTrue(deviation == null, () -> "known deviation: " + deviation);
        if (c.path("error_exact").asBoolean()) {
          assertThat(e.getMessage()).isEqualTo(e.mark() + ": " + wanted);
        } else {
          assertThat(e.getMessage()).contains(wanted);
        }
      }
      assumeTrue(deviation == null, () -> "known deviation: " + deviation);
      return;
    }

    assumeTrue(deviation == null, () -> "known deviation: " + deviation);
    Map<String, String> actual = execute(c, operation, lookup);
    Map<String, String> expected = strings(c.get("expected"));
    if ("exact".equals(c.path("match").asText())) {
      assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
    } else {
      assertThat(actual).containsAllEntriesOf(expected);
    }
    c.path("expected_absent").forEach(k -> assertThat(actual).doesNotContainKey(k.asText()));
    c.path("expected_lookups").forEach(k -> assertThat(asked).contains(k.asText()));
  }

  private static Map<String, String> execute(
      JsonNode c, String operation, Function<String, String> lookup) {
    return switch (operation) {
      case "Parse", "ParseWithLookup" -> DotEnv.parse(c.get("input").asText(), ".env", lookup);
      case "Read", "ReadWithLookup" -> DotEnv.read(fixture(c), lookup);
      case "Load" -> {
        Map<String, String> environment = new LinkedHashMap<>(strings(c.get("preset_env")));
        DotEnv.read(fixture(c), name -> null).forEach(environment::putIfAbsent);
        yield environment;
      }
      case "GetEnvFromFile" -> {
        LinkedHashMap<String, String> env = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode content : c.get("input_files")) {
          DotEnv.parseInto(env, content.asText(), "file" + i++ + ".env", lookup);
        }
        yield env;
      }
      default -> throw new IllegalArgumentException("unknown operation " + operation);
    };
  }

  private static Path fixture(JsonNode c) {
    return SharedData.conformance("dotenv/fixtures").resolve(c.get("file").asText());
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> out = new HashMap<>();
    if (object != null && object.isObject()) {
      object.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    }
    return out;
  }
}
