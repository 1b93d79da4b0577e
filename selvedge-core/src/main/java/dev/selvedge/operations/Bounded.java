package dev.selvedge.operations;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * At most {@code width} of one operation's tasks at once on the caller's executor, the rest queued:
 * the operation's parallelism without a pool of its own. Closing waits for every task given, as
 * closing an {@code ExecutorService} does; interrupted meanwhile, it cancels them (interrupting
 * those running) and still waits for those running to end.
 */
final class Bounded implements AutoCloseable {
  private final Executor executor;
  private final int width;
  private final Queue<FutureTask<?>> waiting = new ArrayDeque<>();
  private final List<FutureTask<?>> all = new ArrayList<>();
  private int running;

  Bounded(Executor executor, int width) {
    this.executor = executor;
    this.width = Math.max(1, width);
  }

  <T> Future<T> submit(Callable<T> task) {
    FutureTask<T> f = new FutureTask<>(task);
    enqueue(f);
    return f;
  }

  Future<?> submit(Runnable task) {
    FutureTask<Void> f = new FutureTask<>(task, null);
    enqueue(f);
    return f;
  }

  private void enqueue(FutureTask<?> f) {
    synchronized (this) {
      all.add(f);
      waiting.add(f);
    }
    drain();
  }

  /** Starts queued tasks while fewer than {@code width} run. */
  private void drain() {
    while (true) {
      FutureTask<?> next;
      synchronized (this) {
        if (running >= width || waiting.isEmpty()) {
          return;
        }
        next = waiting.poll();
        running++;
      }
      try {
        executor.execute(
            () -> {
              try {
                next.run();
              } finally {
                finished();
              }
            });
      } catch (RuntimeException e) {
        // Refused by the executor: the task fails with that, the slot is given back.
        next.cancel(false);
        finished();
        throw e;
      }
    }
  }

  private void finished() {
    synchronized (this) {
      running--;
      notifyAll();
    }
    drain();
  }

  @Override
  public void close() {
    boolean interrupted = false;
    synchronized (this) {
      while (running > 0 || !waiting.isEmpty()) {
        try {
          wait();
        } catch (InterruptedException e) {
          if (!interrupted) {
            interrupted = true;
            all.forEach(f -> f.cancel(true));
            waiting.clear();
          }
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
