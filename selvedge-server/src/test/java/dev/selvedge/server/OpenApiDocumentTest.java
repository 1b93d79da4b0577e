package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document itself: complete and consistent, so checking answers against it means
 * something.
 */
class OpenApiDocumentTest {
  private static final JsonNode DOC = OpenApiCheck.DOCUMENT;

  @Test
  void isOpenApi31WithABearerScheme() {
    assertThat(DOC.path("openapi").asText()).isEqualTo("3.1.0");
    assertThat(DOC.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
  }

  @Test
  void everyReferenceResolves() {
    List<String> refs = new ArrayList<>();
    collect(DOC, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).startsWith("#/");
      assertThat(DOC.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
    }
  }

  @Test
  void everyApiRouteNeedsAKeyDeclaresItsParametersAndAnswersJson() {
    Pattern param = Pattern.compile("\\{([a-z]+)}");
    DOC.path("paths")
        .properties()
        .forEach(
            p -> {
              List<String> methods =
                  OpenApiCheck.METHODS.stream().filter(m -> p.getValue().has(m)).toList();
              assertThat(methods).as(p.getKey()).isNotEmpty();
              for (String method : methods) {
                JsonNode op = p.getValue().path(method);
                String what = method.toUpperCase(java.util.Locale.ROOT) + " " + p.getKey();
                boolean success = false;
                for (String s : List.of("101", "200", "201", "202", "204")) {
                  success |= op.path("responses").has(s);
                }
                assertThat(success).as("%s has a success answer", what).isTrue();
                if (method.equals("get")) {
                  // A WebSocket route answers 101 where the others answer 200.
                  String ok = op.path("x-selvedge-websocket").asBoolean() ? "101" : "200";
                  assertThat(op.path("responses").has(ok)).as(what).isTrue();
                }
                if (!p.getKey().startsWith("/api/v1/")) {
                  assertThat(op.path("security").isArray() && op.path("security").isEmpty())
                      .as("%s needs no key", what)
                      .isTrue();
                  continue;
                }
                assertThat(op.at("/security/0/bearer").isArray()).as(what).isTrue();
                for (String status : List.of("401", "403", "429", "503")) {
                  assertThat(
                          op.at("/responses/" + status + "/content/application~1json/schema")
                              .isObject())
                      .as("%s %s", what, status)
                      .isTrue();
                }
                Matcher m = param.matcher(p.getKey());
                while (m.find()) {
                  String name = m.group(1);
                  boolean declared = false;
                  for (JsonNode par : op.path("parameters")) {
                    declared |=
                        par.path("in").asText().equals("path")
                            && par.path("name").asText().equals(name);
                  }
                  assertThat(declared).as("%s declares {%s}", what, name).isTrue();
                }
              }
            });
  }

  private static void collect(JsonNode n, List<String> refs) {
    if (n.isObject()) {
      n.properties()
          .forEach(
              e -> {
                if (e.getKey().equals("$ref")) {
                  refs.add(e.getValue().asText());
                } else {
                  collect(e.getValue(), refs);
                }
              });
    } else if (n.isArray()) {
      n.forEach(c -> collect(c, refs));
    }
  }
}
