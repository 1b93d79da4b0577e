package dev.selvedge.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.selvedge.json.TreeJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's own OpenAPI document as the judge of its answers: an answer's status must be one the
 * document lists for the route, and its body valid against that response's schema (JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1).
 */
final class OpenApiCheck {
  static final JsonNode DOCUMENT = load();
  private static final SchemaRegistry REGISTRY =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  /** Every route and status seen in answers, as "GET /api/v1/fleet 200". */
  static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

  private OpenApiCheck() {}

  /** The HTTP methods a path of the document may have operations for. */
  static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete");

  /** What is wrong with this answer to {@code GET route}; empty when the document allows it. */
  static List<String> problems(String route, int status, String contentType, String body) {
    return problems("GET", route, status, contentType, body);
  }

  /** What is wrong with this answer to {@code method route}; empty when the document allows it. */
  static List<String> problems(
      String method, String route, int status, String contentType, String body) {
    List<String> problems = new ArrayList<>();
    String m = method.toLowerCase(java.util.Locale.ROOT);
    JsonNode operation = DOCUMENT.path("paths").path(route).path(m);
    if (operation.isMissingNode()) {
      return List.of("no route " + method + " " + route + " in openapi.json");
    }
    JsonNode response = operation.path("responses").path(Integer.toString(status));
    if (response.isMissingNode()) {
      return List.of(
          method + " " + route + " answered " + status + ", which openapi.json does not list");
    }
    SEEN.add(method.toUpperCase(java.util.Locale.ROOT) + " " + route + " " + status);
    JsonNode content = response.path("content");
    String type = contentType == null ? "" : contentType.split(";")[0].strip();
    if (!content.has(type)) {
      return List.of(route + " " + status + ": content type " + contentType + " not documented");
    }
    JsonNode schema = content.path(type).path("schema");
    if (!type.equals("application/json")) {
      return problems;
    }
    JsonNode value;
    try {
      value = TreeJson.read(body.getBytes(StandardCharsets.UTF_8), null);
    } catch (IOException e) {
      return List.of(route + " " + status + ": not JSON: " + e.getMessage());
    }
    ObjectNode wrapper = JsonNodeFactory.instance.objectNode();
    wrapper.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    wrapper.set("components", DOCUMENT.path("components"));
    wrapper.putArray("allOf").add(schema);
    Schema compiled = REGISTRY.getSchema(wrapper);
    for (Error e : compiled.validate(value)) {
      problems.add(route + " " + status + ": " + e);
    }
    return problems;
  }

  /**
   * The documented (route, status) pairs of /api/v1 not seen in any answer yet, leaving out the
   * routes another test class checks ({@code x-selvedge-checked-by}: they need a real engine).
   */
  static Set<String> unseenApiAnswers() {
    Set<String> unseen = new TreeSet<>();
    DOCUMENT
        .path("paths")
        .properties()
        .forEach(
            p -> {
              if (p.getKey().startsWith("/api/v1/")) {
                for (String m : METHODS) {
                  if (p.getValue().path(m).has("x-selvedge-checked-by")) {
                    continue; // checked by a test class of its own (it needs a real engine)
                  }
                  p.getValue()
                      .path(m)
                      .path("responses")
                      .properties()
                      .forEach(
                          r -> {
                            String key =
                                m.toUpperCase(java.util.Locale.ROOT)
                                    + " "
                                    + p.getKey()
                                    + " "
                                    + r.getKey();
                            if (!SEEN.contains(key)) {
                              unseen.add(key);
                            }
                          });
                }
              }
            });
    return unseen;
  }

  private static JsonNode load() {
    try (InputStream in = ControlPlane.class.getResourceAsStream("openapi.json")) {
      return TreeJson.read(in.readAllBytes(), null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
