package dev.selvedge.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.selvedge.SelvedgeException;
import dev.selvedge.port.Deployment.ServiceImage;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON columns of a deployment: {@code images} as {@code [{"service":..,"reference":..,
 * "imageId":..,"repoDigest":..}]} and {@code env_fingerprints} as {@code {"svc":{"KEY":"fp"}}}.
 * Streaming rather than data binding: it is two small fixed shapes, and an ObjectMapper costs a
 * short-lived CLI more to start than it saves.
 */
final class DeploymentJson {
  private DeploymentJson() {}

  private static final JsonFactory JSON = new JsonFactory();

  static String images(List<ServiceImage> images) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartArray();
      for (ServiceImage i : images) {
        g.writeStartObject();
        g.writeStringField("service", i.service());
        g.writeStringField("reference", i.reference());
        g.writeStringField("imageId", i.imageId());
        g.writeStringField("repoDigest", i.repoDigest());
        g.writeEndObject();
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new IllegalStateException("writing to a string failed", e);
    }
    return out.toString();
  }

  static String fingerprints(Map<String, Map<String, String>> fingerprints) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      for (Map.Entry<String, Map<String, String>> service : fingerprints.entrySet()) {
        g.writeObjectFieldStart(service.getKey());
        for (Map.Entry<String, String> key : service.getValue().entrySet()) {
          g.writeStringField(key.getKey(), key.getValue());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing to a string failed", e);
    }
    return out.toString();
  }

  static List<ServiceImage> readImages(String json, long id) {
    List<ServiceImage> images = new ArrayList<>();
    try (JsonParser p = JSON.createParser(json)) {
      expect(p, JsonToken.START_ARRAY, id);
      while (p.nextToken() == JsonToken.START_OBJECT) {
        Map<String, String> fields = readStrings(p, id);
        images.add(
            new ServiceImage(
                fields.get("service"),
                fields.get("reference"),
                fields.get("imageId"),
                fields.get("repoDigest")));
      }
      if (p.currentToken() != JsonToken.END_ARRAY) {
        throw corrupt(id, "images", null);
      }
    } catch (IOException e) {
      throw corrupt(id, "images", e);
    }
    return images;
  }

  static Map<String, Map<String, String>> readFingerprints(String json, long id) {
    Map<String, Map<String, String>> result = new LinkedHashMap<>();
    try (JsonParser p = JSON.createParser(json)) {
      expect(p, JsonToken.START_OBJECT, id);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String service = p.currentName();
        expect(p, JsonToken.START_OBJECT, id);
        result.put(service, readStrings(p, id));
      }
      if (p.currentToken() != JsonToken.END_OBJECT) {
        throw corrupt(id, "env_fingerprints", null);
      }
    } catch (IOException e) {
      throw corrupt(id, "env_fingerprints", e);
    }
    return result;
  }

  /** The string (or null) fields of the object whose START_OBJECT the parser is on. */
  private static Map<String, String> readStrings(JsonParser p, long id) throws IOException {
    Map<String, String> fields = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (value == JsonToken.VALUE_NULL) {
        fields.put(name, null);
      } else if (value == JsonToken.VALUE_STRING) {
        fields.put(name, p.getText());
      } else {
        throw corrupt(id, name, null);
      }
    }
    return fields;
  }

  private static void expect(JsonParser p, JsonToken token, long id) throws IOException {
    if (p.nextToken() != token) {
      throw corrupt(id, p.currentName() == null ? "a JSON column" : p.currentName(), null);
    }
  }

  private static SelvedgeException corrupt(long id, String what, IOException cause) {
    return new SelvedgeException(
        "deployment " + id + " in the store has unreadable " + what + " JSON", cause);
  }
}
