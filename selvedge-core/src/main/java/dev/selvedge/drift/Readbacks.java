package dev.selvedge.drift;

import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Readback;
import dev.selvedge.contract.model.Service;
import dev.selvedge.port.HttpProbe;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads the application layer: every {@code x-selvedge.readback} URL of a project, all at once on
 * virtual threads, each bounded by its readback timeout — so a stack's readback takes as long as
 * its slowest endpoint, not the sum.
 */
public final class Readbacks {
  private Readbacks() {}

  /** At most this many probes of one project in flight. */
  private static final int WIDTH = 16;

  /**
   * As {@link #read(Project, HttpProbe)}, on the caller's threads: at most {@value #WIDTH} probes
   * at once on {@code executor}, the calling thread probing too (so it may be one of the
   * executor's).
   */
  public static List<ReadbackResult> read(Project project, HttpProbe probe, Executor executor) {
    List<Call> calls = calls(project);
    try {
      return Parallel.map(
          calls,
          WIDTH,
          executor,
          c ->
              new ReadbackResult(
                  c.service().name(),
                  c.endpoint(),
                  c.uri(),
                  probe.get(c.uri(), c.readback().timeout())));
    } catch (RuntimeException e) {
      Throwable cause = e instanceof Parallel.Failure ? e.getCause() : e;
      throw new dev.selvedge.SelvedgeException(
          "a readback probe failed unexpectedly: " + cause, cause);
    }
  }

  private record Call(
      Service service, ReadbackResult.Endpoint endpoint, URI uri, Readback readback) {}

  private static List<Call> calls(Project project) {
    List<Call> calls = new ArrayList<>();
    for (Service s : project.services().values()) {
      Readback r = s.selvedge().readback();
      if (r == null) {
        continue;
      }
      if (r.health() != null) {
        calls.add(new Call(s, ReadbackResult.Endpoint.HEALTH, URI.create(r.health()), r));
      }
      if (r.version() != null) {
        calls.add(new Call(s, ReadbackResult.Endpoint.VERSION, URI.create(r.version()), r));
      }
    }
    return calls;
  }

  /** Probes the health and version URL of every service that declares a readback. */
  public static List<ReadbackResult> read(Project project, HttpProbe probe) {
    List<Call> calls = calls(project);
    if (calls.isEmpty()) {
      return List.of();
    }
    // Platform threads, not virtual ones: in a short-lived CLI process the virtual-thread
    // scheduler's cold start cost ~300 ms for 50 probes; a small pool costs nothing.
    try (ExecutorService pool = Executors.newFixedThreadPool(Math.min(16, calls.size()))) {
      List<Future<ReadbackResult>> futures = new ArrayList<>();
      for (Call c : calls) {
        futures.add(
            pool.submit(
                () ->
                    new ReadbackResult(
                        c.service().name(),
                        c.endpoint(),
                        c.uri(),
                        probe.get(c.uri(), c.readback().timeout()))));
      }
      List<ReadbackResult> results = new ArrayList<>();
      for (Future<ReadbackResult> f : futures) {
        results.add(f.get());
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new dev.selvedge.SelvedgeException("interrupted while reading readback URLs", e);
    } catch (ExecutionException e) {
      throw new dev.selvedge.SelvedgeException(
          "a readback probe failed unexpectedly: " + e.getCause(), e.getCause());
    }
  }
}
