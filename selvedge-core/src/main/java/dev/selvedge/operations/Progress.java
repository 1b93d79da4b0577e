package dev.selvedge.operations;

import dev.selvedge.port.PullListener;

/**
 * What a long operation is doing, as it does it, told by the operation's code; {@link
 * dev.selvedge.operations.event.Emitter} turns it into {@link
 * dev.selvedge.operations.event.OperationEvent}s for a sink (the CLI's terminal, the server's
 * stream). Called from worker threads, so implementations are thread-safe.
 */
public interface Progress extends PullListener {

  /** Ignores everything. */
  Progress NONE =
      new Progress() {
        @Override
        public void step(String service, String message) {}

        @Override
        public void progress(
            String reference, String layer, String status, long current, long total) {}
      };

  /**
   * One step of the operation ({@code creating container shop-web-1}, {@code waiting for health:
   * starting}).
   *
   * @param service the service it is about, or null for the project
   */
  void step(String service, String message);

  /** The operation began ({@code apply}, {@code restart web}). */
  default void started(String operation) {}

  /** A service's health gate decided. */
  default void verdict(String service, boolean passed, String reason) {}

  /**
   * The operation ended.
   *
   * @param outcome {@code healthy}, {@code failed}, {@code unchanged}, {@code done} or {@code
   *     error}
   */
  default void finished(String operation, String outcome, String detail) {}
}
