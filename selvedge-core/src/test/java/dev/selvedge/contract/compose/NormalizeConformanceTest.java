package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.model.Dependency;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Nodes;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.YamlReader;
import dev.selvedge.testing.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * normalize.json: the normalized document must be contained in Selvedge's rendered config. The
 * comparison reads both sides as docker compose's long form: environment lists as maps, relative
 * build contexts resolved against the project directory, and {@code restart: false} in depends_on
 * equal to its absence (compose-go compares Go structs, where false is the zero value).
 */
class NormalizeConformanceTest {
  private static final Path DIR = Path.of("/srv/normalize");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  Stream<DynamicTest> normalize() {
    Map<String, String> deviations = PortSyntaxConformanceTest.deviations("normalize");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : SharedData.conformanceJson("normalize.json")) {
      String id = c.get("id").asText();
      tests.add(DynamicTest.dynamicTest(id, () -> run(c, deviations.get(id))));
    }
    return tests.stream();
  }

  private static void run(JsonNode c, String deviation) {
    Map<String, String> env = new HashMap<>();
    if (c.hasNonNull("env")) {
      c.get("env").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
    }
    MapNode doc =
        withPlaceholderImages((MapNode) YamlReader.read("compose.yaml", c.get("input").asText()));
    Object actual;
    try {
      Project p =
          ComposeLoader.normalize(doc, DIR, c.get("project_name").asText(), env::get, Set.of());
      actual = JSON.convertValue(ComposeConfig.unredacted().render(p), Object.class);
    } catch (ContractException e) {
      assumeFalse(deviation != null, "known deviation: " + deviation);
      throw e;
    }
    assumeFalse(deviation != null, "known deviation listed but the case passes: remove it");
    Object expected = Nodes.parseToJava(c.get("expected").asText());
    assertContained(expected, actual, "");
  }

  @SuppressWarnings("unchecked")
  private static void assertContained(Object expected, Object actual, String path) {
    if (expected instanceof Map<?, ?> em) {
      assertThat(actual).as(path).isInstanceOf(Map.class);
      Map<String, Object> am = (Map<String, Object>) actual;
      for (Map.Entry<String, Object> e : ((Map<String, Object>) em).entrySet()) {
        String key = e.getKey();
        String p = path.isEmpty() ? key : path + "." + key;
        Object ev = e.getValue();
        Object av = am.get(key);
        if (key.equals("environment") || key.equals("args")) {
          ev = asMap(ev);
        }
        if (key.equals("context") && ev instanceof String ctx) {
          ev = DIR.resolve(ctx).normalize().toString();
        }
        if (key.equals("restart") && Boolean.FALSE.equals(ev) && av == null) {
          continue;
        }
        if (ev == null) {
          assertThat(am).as(p).containsKey(key);
          assertThat(av).as(p).isNull();
          continue;
        }
        assertThat(am).as(p).containsKey(key);
        assertContained(ev, av, p);
      }
    } else if (expected instanceof List<?> el) {
      assertThat(actual).as(path).isInstanceOf(List.class);
      List<Object> al = (List<Object>) actual;
      assertThat(al).as(path).hasSameSizeAs(el);
      for (int i = 0; i < el.size(); i++) {
        assertContained(el.get(i), al.get(i), path + "[" + i + "]");
      }
    } else {
      assertThat(String.valueOf(actual)).as(path).isEqualTo(String.valueOf(expected));
    }
  }

  /**
   * Selvedge, like docker compose's validation, refuses a service with neither image nor build;
   * compose-go's normalize step alone does not check it. Such services get an image here so the
   * normalization itself is compared (the expected documents never mention that image).
   */
  private static MapNode withPlaceholderImages(MapNode doc) {
    if (!(doc.get("services") instanceof MapNode services)) {
      return doc;
    }
    MapNode out = services;
    for (var e : services.entries().entrySet()) {
      if (e.getValue() instanceof MapNode svc && !svc.has("image") && !svc.has("build")) {
        out = out.with(e.getKey(), svc.with("image", ScalarNode.of("placeholder:1")));
      } else if (e.getValue() instanceof ScalarNode n && n.isNull()) {
        out = out.with(e.getKey(), MapNode.empty(n.mark()).with("image", ScalarNode.of("p:1")));
      }
    }
    return doc.with("services", out);
  }

  private static Object asMap(Object v) {
    if (!(v instanceof List<?> list)) {
      return v;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (Object o : list) {
      String s = String.valueOf(o);
      int eq = s.indexOf('=');
      m.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? null : s.substring(eq + 1));
    }
    return m;
  }

  /** The part of TestNormalizeImplicitDependencies that Selvedge supports. */
  @Test
  void implicitDependencies() {
    MapNode doc =
        (MapNode)
            YamlReader.read(
                "compose.yaml",
                """
                services:
                  test:
                    image: a:1
                    ipc: service:foo
                    pid: service:qux
                    depends_on:
                      foo:
                        condition: service_healthy
                  foo: {image: a:1}
                  qux: {image: a:1}
                  net: {image: a:1, network_mode: service:foo}
                """);
    Project p = ComposeLoader.normalize(doc, DIR, "p", k -> null, Set.of());
    assertThat(p.services().get("test").dependsOn())
        .containsExactly(
            Map.entry("foo", new Dependency(Dependency.HEALTHY, false, true)),
            Map.entry("qux", new Dependency(Dependency.STARTED, true, true)));
    assertThat(p.services().get("net").dependsOn())
        .containsExactly(Map.entry("foo", new Dependency(Dependency.STARTED, true, true)));
  }
}
