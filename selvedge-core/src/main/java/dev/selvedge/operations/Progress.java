package dev.selvedge.operations;

import dev.selvedge.port.PullListener;

/**
 * What a long operation is doing, as it does it: the CLI draws it (a live line on a terminal, plain
 * lines otherwise), the server streams it as events. Called from worker threads, so implementations
 * are thread-safe. Messages never hold secret values.
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
}
