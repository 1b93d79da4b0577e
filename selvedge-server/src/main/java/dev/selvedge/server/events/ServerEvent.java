package dev.selvedge.server.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One event of the control plane, as the event stream ({@code GET /api/v1/events}) and the store
 * keep it: a type such as {@code node.status.changed} or {@code operation.step}, when, its subject
 * (node, stack, service, operation: each null when it is not about one) and the rest in {@code
 * data}. Its {@code id} is assigned when it is published (monotonically increasing); 0 before.
 * Nothing in it may carry a secret: publishers scrub before they publish.
 */
public record ServerEvent(
    long id,
    String type,
    Instant at,
    String node,
    String stack,
    String service,
    String operation,
    ObjectNode data) {
  public ServerEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(data, "data");
  }

  /** An event not yet published. */
  public static ServerEvent of(
      String type,
      Instant at,
      String node,
      String stack,
      String service,
      String operation,
      ObjectNode data) {
    return new ServerEvent(0, type, at, node, stack, service, operation, data);
  }

  /** The same event with the id the stream gave it. */
  public ServerEvent withId(long newId) {
    return new ServerEvent(newId, type, at, node, stack, service, operation, data);
  }
}
