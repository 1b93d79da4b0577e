package dev.selvedge.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * JSON trees to and from text through Jackson's streaming API alone. An {@code ObjectMapper} costs
 * tens of milliseconds to build and warm in a fresh process — more than a drift report or an engine
 * call it would serve — so the hot paths do without one. Trees are the ones {@code
 * ObjectMapper.readTree} builds; pretty text is what its {@code INDENT_OUTPUT} writes.
 */
public final class TreeJson {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int MAX_DEPTH = 64;

  private TreeJson() {}

  /**
   * The fields of an object worth building: each named field maps to the shape of its value (null:
   * the whole value); {@code each} applies to fields not named (null there: skip them). Skipped
   * parts are passed over by the tokenizer without creating strings or nodes.
   */
  public record Shape(Map<String, Shape> fields, Shape each) {
    public static Shape of(Map<String, Shape> fields) {
      return new Shape(fields, null);
    }

    /** These fields, whole. */
    public static Shape all(String... names) {
      Map<String, Shape> fields = new HashMap<>();
      for (String n : names) {
        fields.put(n, null);
      }
      return of(fields);
    }

    /** {@code base} and one more field with its own shape. */
    public static Shape with(Shape base, String name, Shape value) {
      Map<String, Shape> fields = new HashMap<>(base.fields());
      fields.put(name, value);
      return of(fields);
    }
  }

  /**
   * Exactly one JSON value, the parts {@code shape} names (all of it when null).
   *
   * @throws IOException when the body is empty, not JSON, or has content after the value
   */
  public static JsonNode read(byte[] body, Shape shape) throws IOException {
    try (JsonParser parser = FACTORY.createParser(body)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw new IOException("empty body");
      }
      JsonNode node = value(parser, first, 0, shape);
      if (parser.nextToken() != null) {
        throw new IOException("trailing content after the JSON value");
      }
      return node;
    }
  }

  /**
   * The JSON value {@code text} starts with, as {@code ObjectMapper.readTree} reads it (trailing
   * content ignored; null for an empty text).
   *
   * @throws IOException when it is not JSON
   */
  public static JsonNode readFirst(String text) throws IOException {
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken first = p.nextToken();
      return first == null ? null : value(p, first, 0, null);
    }
  }

  /** Reads concatenated JSON values (one object a line) and hands each over as it arrives. */
  public static void eachValue(InputStream in, Consumer<JsonNode> each) throws IOException {
    try (JsonParser parser = FACTORY.createParser(in)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        each.accept(value(parser, token, 0, null));
      }
    }
  }

  /** {@code node} pretty-printed (Jackson's default pretty printer), with no final newline. */
  public static String pretty(JsonNode node) {
    StringWriter out = new StringWriter(8192);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      write(g, node);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: cannot happen
    }
    return out.toString();
  }

  /** {@code node} as compact UTF-8 JSON. */
  public static byte[] compact(JsonNode node) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, node);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: cannot happen
    }
    return out.toByteArray();
  }

  private static void write(JsonGenerator g, JsonNode node) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          g.writeFieldName(e.getKey());
          write(g, e.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode n : node) {
          write(g, n);
        }
        g.writeEndArray();
      }
      case STRING -> g.writeString(node.textValue());
      case NUMBER -> {
        switch (node.numberType()) {
          case INT -> g.writeNumber(node.intValue());
          case LONG -> g.writeNumber(node.longValue());
          case BIG_INTEGER -> g.writeNumber(node.bigIntegerValue());
          case FLOAT -> g.writeNumber(node.floatValue());
          case DOUBLE -> g.writeNumber(node.doubleValue());
          case BIG_DECIMAL -> g.writeNumber(node.decimalValue());
        }
      }
      case BOOLEAN -> g.writeBoolean(node.booleanValue());
      case NULL, MISSING -> g.writeNull();
      case BINARY, POJO ->
          throw new IllegalArgumentException("no JSON text for a " + node.getNodeType() + " node");
    }
  }

  private static JsonNode value(JsonParser p, JsonToken token, int depth, Shape shape)
      throws IOException {
    if (depth > MAX_DEPTH) {
      throw new IOException("JSON nested deeper than " + MAX_DEPTH);
    }
    if (token == null) {
      throw new IOException("unexpected end of JSON");
    }
    switch (token) {
      case START_OBJECT -> {
        ObjectNode object = NODES.objectNode();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken next = p.nextToken();
          if (shape == null) {
            object.set(name, value(p, next, depth + 1, null));
          } else if (shape.fields().containsKey(name)) {
            object.set(name, value(p, next, depth + 1, shape.fields().get(name)));
          } else if (shape.each() != null) {
            object.set(name, value(p, next, depth + 1, shape.each()));
          } else if (next == null) {
            throw new IOException("unterminated JSON object");
          } else {
            p.skipChildren();
          }
        }
        if (t != JsonToken.END_OBJECT) {
          throw new IOException("unterminated JSON object");
        }
        return object;
      }
      case START_ARRAY -> {
        ArrayNode array = NODES.arrayNode();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          if (t == null) {
            throw new IOException("unterminated JSON array");
          }
          array.add(value(p, t, depth + 1, null));
        }
        return array;
      }
      case VALUE_STRING -> {
        return NODES.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.numberNode(p.getDoubleValue());
      }
      case VALUE_TRUE -> {
        return NODES.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return NODES.booleanNode(false);
      }
      case VALUE_NULL -> {
        return NODES.nullNode();
      }
      default -> throw new IOException("unexpected JSON token " + token);
    }
  }
}
