package dev.selvedge.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed authentications per source address: after {@code limit} failures within one window the
 * address is refused (429) until that window ends, whatever token it sends. Guessing a 256-bit
 * token is hopeless anyway; this keeps a scanner from costing the store a lookup per attempt.
 */
final class FailedAuthLimiter {
  private final int limit;
  private final Duration window;
  private final Clock clock;
  private final Map<String, Window> byAddress = new ConcurrentHashMap<>();

  /** Addresses tracked at most; past it, ended windows are dropped first. */
  private static final int MAX_TRACKED = 10_000;

  FailedAuthLimiter(int limit, Duration window, Clock clock) {
    this.limit = limit;
    this.window = window;
    this.clock = clock;
  }

  private record Window(Instant start, int failures) {}

  /** How long {@code address} must wait; {@link Duration#ZERO} when it may try. */
  Duration retryAfter(String address) {
    Window w = byAddress.get(address);
    if (w == null || w.failures < limit) {
      return Duration.ZERO;
    }
    Duration left = Duration.between(clock.instant(), w.start.plus(window));
    return left.isNegative() || left.isZero() ? Duration.ZERO : left;
  }

  /** Counts a failed attempt from {@code address}. */
  void failed(String address) {
    Instant now = clock.instant();
    if (byAddress.size() >= MAX_TRACKED) {
      prune(now);
    }
    byAddress.compute(
        address,
        (k, w) ->
            w == null || !w.start.plus(window).isAfter(now)
                ? new Window(now, 1)
                : new Window(w.start, w.failures + 1));
  }

  private void prune(Instant now) {
    for (Iterator<Window> it = byAddress.values().iterator(); it.hasNext(); ) {
      if (!it.next().start.plus(window).isAfter(now)) {
        it.remove();
      }
    }
    if (byAddress.size() >= MAX_TRACKED) {
      byAddress.clear(); // a flood of addresses: forget rather than grow without bound
    }
  }
}
