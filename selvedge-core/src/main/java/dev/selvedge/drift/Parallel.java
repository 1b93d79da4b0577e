package dev.selvedge.drift;

import dev.selvedge.SelvedgeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Calls over a list, a few at a time, on a caller's executor: the calling thread works too and
 * waits only for calls already under way, so helpers the executor has not started (it is busy, or
 * this runs on one of its threads) find nothing left to do and no executor can deadlock it.
 */
final class Parallel {
  private Parallel() {}

  /** A call's failure, kept with the first item in list order that failed. */
  static final class Failure extends RuntimeException {
    Failure(Throwable cause) {
      super(cause);
    }
  }

  /**
   * {@code fn} of every item, in list order, at most {@code width} at once.
   *
   * @throws RuntimeException or {@link Error} the first failed item's (in list order) as thrown; a
   *     {@link Failure} around a checked one
   */
  static <T, R> List<R> map(List<T> items, int width, Executor executor, Function<T, R> fn) {
    int n = items.size();
    Object[] results = new Object[n];
    Throwable[] failures = new Throwable[n];
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(n);
    Runnable worker =
        () -> {
          for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
            try {
              results[i] = fn.apply(items.get(i));
            } catch (Throwable t) {
              failures[i] = t;
            } finally {
              done.countDown();
            }
          }
        };
    for (int h = 1; h < Math.min(width, n); h++) {
      try {
        executor.execute(worker);
      } catch (RejectedExecutionException e) {
        break; // a saturated executor: this thread does the rest
      }
    }
    worker.run();
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SelvedgeException("interrupted", e);
    }
    List<R> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Throwable t = failures[i];
      if (t instanceof RuntimeException r) {
        throw r;
      } else if (t instanceof Error err) {
        throw err;
      } else if (t != null) {
        throw new Failure(t);
      }
      @SuppressWarnings("unchecked")
      R r = (R) results[i];
      out.add(r);
    }
    return out;
  }
}
