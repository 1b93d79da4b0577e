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
              JsonNode get = p.getValue().path("get");
              assertThat(get.isObject()).as(p.getKey()).isTrue();
              // A WebSocket route answers 101 where the others answer 200.
              String ok = get.path("x-selvedge-websocket").asBoolean() ? "101" : "200";
              assertThat(get.path("responses").has(ok)).as(p.getKey()).isTrue();
              if (!p.getKey().startsWith("/api/v1/")) {
                assertThat(get.path("security").isArray() && get.path("security").isEmpty())
                    .as("%s needs no key", p.getKey())
                    .isTrue();
                return;
              }
              assertThat(get.at("/security/0/bearer").isArray()).as(p.getKey()).isTrue();
              for (String status : List.of(ok, "401", "403", "429", "503")) {
                assertThat(
                        get.at("/responses/" + status + "/content/application~1json/schema")
                            .isObject())
                    .as("%s %s", p.getKey(), status)
                    .isTrue();
              }
              Matcher m = param.matcher(p.getKey());
              while (m.find()) {
                String name = m.group(1);
                boolean declared = false;
                for (JsonNode par : get.path("parameters")) {
                  declared |=
                      par.path("in").asText().equals("path")
                          && par.path("name").asText().equals(name);
                }
                assertThat(declared).as("%s declares {%s}", p.getKey(), name).isTrue();
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
