package dev.selvedge.server.events;

/**
 * Where the control plane's parts (the poller's listener, the operations run through the API, the
 * audit) hand their events to the live stream. Publishing never blocks on a client and never throws
 * for one: a slow or gone subscriber is the stream's business.
 */
@FunctionalInterface
public interface EventPublisher {

  /** Publishes {@code event} (its id is ignored: the stream assigns one). */
  void publish(ServerEvent event);

  /** Drops every event (a server with no event stream, tests). */
  EventPublisher NONE = event -> {};
}
