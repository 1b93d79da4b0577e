package dev.selvedge.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An operation's parallelism on the caller's threads: the width holds, close waits for all. */
class BoundedTest {
  private static final Executor THREAD_PER_TASK =
      task -> Thread.ofPlatform().name("bounded-test").start(task);

  @Test
  void atMostWidthRunAtOnceAndCloseWaitsForEveryTask() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    CountDownLatch twoRunning = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    List<Future<Integer>> futures = new ArrayList<>();
    try (Bounded pool = new Bounded(THREAD_PER_TASK, 2)) {
      for (int i = 0; i < 6; i++) {
        int n = i;
        futures.add(
            pool.submit(
                () -> {
                  most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                  twoRunning.countDown();
                  release.await();
                  inFlight.decrementAndGet();
                  done.incrementAndGet();
                  return n;
                }));
      }
      assertThat(twoRunning.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(done).hasValue(0);
      release.countDown();
    }
    assertThat(done).hasValue(6);
    assertThat(most.get()).isEqualTo(2);
    for (int i = 0; i < 6; i++) {
      assertThat(futures.get(i).get()).isEqualTo(i);
    }
  }
}
