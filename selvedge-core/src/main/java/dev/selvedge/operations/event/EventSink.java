package dev.selvedge.operations.event;

/**
 * Where operations send their {@link OperationEvent}s: the CLI's terminal progress is one adapter,
 * the server's event stream another. Called from worker threads, so implementations are
 * thread-safe; a sink that cannot keep up must not block the operation for long.
 */
@FunctionalInterface
public interface EventSink {
  /** Drops everything. */
  EventSink NONE = event -> {};

  void emit(OperationEvent event);
}
