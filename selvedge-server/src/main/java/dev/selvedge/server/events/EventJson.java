package dev.selvedge.server.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.EventStore.StoredEvent;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The stream's messages as JSON text: an event is {@code {id, type, at, node, stack, service,
 * operation, data}}; a notice of the stream itself ({@code stream.reset}) has the same shape with a
 * null id. Written once per event and shared by every client that gets it.
 */
final class EventJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private EventJson() {}

  /** The stored form of {@code e}: its data as compact JSON text. */
  static StoredEvent stored(ServerEvent e) {
    return new StoredEvent(
        e.id(),
        e.type(),
        e.at(),
        e.node(),
        e.stack(),
        e.service(),
        e.operation(),
        new String(TreeJson.compact(e.data()), StandardCharsets.UTF_8));
  }

  /** The message of a stored event (its data is JSON already: written as it is). */
  static String write(StoredEvent e) {
    return write(e.id() == 0 ? null : e.id(), e);
  }

  /** A notice with no id (a {@code stream.*} type). */
  static String notice(StoredEvent e) {
    return write(null, e);
  }

  private static String write(Long id, StoredEvent e) {
    StringWriter out = new StringWriter(128 + e.data().length());
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      if (id == null) {
        g.writeNullField("id");
      } else {
        g.writeNumberField("id", id);
      }
      g.writeStringField("type", e.type());
      g.writeStringField("at", e.at().toString());
      g.writeStringField("node", e.node());
      g.writeStringField("stack", e.stack());
      g.writeStringField("service", e.service());
      g.writeStringField("operation", e.operation());
      g.writeFieldName("data");
      g.writeRawValue(e.data());
      g.writeEndObject();
    } catch (IOException x) {
      throw new UncheckedIOException(x); // in memory: cannot happen
    }
    return out.toString();
  }
}
