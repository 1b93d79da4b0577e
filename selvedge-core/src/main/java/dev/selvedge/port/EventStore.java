package dev.selvedge.port;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The control plane's events as kept for resuming clients of the live stream: the store assigns
 * each its id, the stream's position, which only grows. A client that was away reads what it missed
 * with {@link #after}; retention ({@link #deleteBefore}) removes old events but never the newest,
 * so how far the stream went is always known.
 *
 * <p>On a store that several processes (control-plane replicas) append to, appends commit in id
 * order across all of them, so a reader that tails it ({@code after(last)}) never passes an id that
 * commits later; {@link #watch} then wakes such a reader when any of them appended.
 */
public interface EventStore {

  /**
   * One event.
   *
   * @param id the stream position (0 in an event not yet appended)
   * @param node null when not about a node (likewise stack, service, operation)
   * @param data the event's own fields as a JSON object's text (secret-free)
   */
  record StoredEvent(
      long id,
      String type,
      Instant at,
      String node,
      String stack,
      String service,
      String operation,
      String data) {
    public StoredEvent {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(data, "data");
    }
  }

  /**
   * Which events a reader wants; an empty list lets everything through. Events of the stream itself
   * (types starting with {@value #STREAM}, such as {@code stream.gap}) pass every filter: a client
   * that watches one node must still learn that it lost events.
   *
   * @param types exact types ({@code drift.detected}), or prefixes ending with a dot ({@code
   *     operation.})
   */
  record Filter(List<String> nodes, List<String> stacks, List<String> types) {
    public static final Filter ALL = new Filter(List.of(), List.of(), List.of());

    /** The prefix of the stream's own events, which pass every filter. */
    public static final String STREAM = "stream.";

    public Filter {
      nodes = List.copyOf(nodes);
      stacks = List.copyOf(stacks);
      types = List.copyOf(types);
    }

    /** Whether {@code e} passes. */
    public boolean matches(StoredEvent e) {
      return matches(e.type(), e.node(), e.stack());
    }

    /** Whether an event of this type and subject passes. */
    public boolean matches(String type, String node, String stack) {
      if (type.startsWith(STREAM)) {
        return true;
      }
      // Immutable lists throw on contains(null): an event without a node or stack fails the filter.
      if (!nodes.isEmpty() && (node == null || !nodes.contains(node))) {
        return false;
      }
      if (!stacks.isEmpty() && (stack == null || !stacks.contains(stack))) {
        return false;
      }
      if (types.isEmpty()) {
        return true;
      }
      for (String t : types) {
        if (t.endsWith(".") ? type.startsWith(t) : type.equals(t)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Appends {@code event} (its id is ignored) and returns the id given to it, greater than every id
   * given before. Callers that need ids committed in order append one at a time.
   *
   * @throws StoreException when the store cannot take it
   */
  long append(StoredEvent event);

  /**
   * Appends {@code events} in order, all or none (one transaction), and returns their ids in the
   * same order. By default one {@link #append} each.
   *
   * @throws StoreException when the store cannot take them (then none was kept)
   */
  default List<Long> appendAll(List<StoredEvent> events) {
    List<Long> ids = new java.util.ArrayList<>(events.size());
    for (StoredEvent e : events) {
      ids.add(append(e));
    }
    return ids;
  }

  /** Up to {@code limit} events with an id above {@code afterId} passing {@code filter}, by id. */
  List<StoredEvent> after(long afterId, Filter filter, int limit);

  /** The smallest id kept; empty when no event is kept. */
  OptionalLong oldestId();

  /** The greatest id kept; empty when no event is kept. */
  OptionalLong latestId();

  /**
   * Deletes the events older than {@code cutoff}, except the newest event of all; returns how many.
   */
  int deleteBefore(Instant cutoff);

  /**
   * A new watch on appends by any process, when other processes may append to this store (a shared
   * database); empty when only this process does (an embedded store, a test's list), and then the
   * appender itself knows every event. The caller closes it.
   */
  default Optional<Watch> watch() {
    return Optional.empty();
  }

  /** Notices of appends to the store, by whichever process. */
  interface Watch extends AutoCloseable {
    /**
     * Waits up to {@code timeout} for a notice of events appended since the last call.
     *
     * @return true when one came, or notices may have been missed (the watch reconnected): read the
     *     store; false when nothing came in time
     */
    boolean await(Duration timeout) throws InterruptedException;

    @Override
    void close();
  }
}
