package dev.selvedge.server;

import dev.selvedge.drift.LiveCheck;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.parity.EngineSides;
import dev.selvedge.fleet.parity.Parity;
import dev.selvedge.fleet.parity.ParityCheck;
import dev.selvedge.fleet.parity.ParityJson;
import dev.selvedge.port.ApiKeyStore.Scope;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * {@code GET /api/v1/parity?a=A&b=B&stack=S}: {@code selvedge parity} over HTTP (read scope). The
 * nodes are read live when asked, as the operations read them ({@link OperationSettings}: the
 * poller's engine opener, environment and fingerprint key), not from the poller's last evidence:
 * that holds findings against each node's own contract, not the values (by fingerprint) parity
 * compares between nodes. The answer is the JSON of {@code selvedge parity --format json}; an
 * unreadable node is a 200 whose {@code result} is {@code unreadable}.
 *
 * <p>Each comparison reads every node of both sides, so the server runs at most {@link #AT_ONCE} at
 * a time; one asked beyond that is answered {@code 429 busy} at once rather than queued behind
 * engines that may take their whole timeout.
 */
final class ParityRoutes {
  /** Comparisons running at once on one server. */
  static final int AT_ONCE = 2;

  private final ControlPlane.Settings settings;
  private final Semaphore running = new Semaphore(AT_ONCE);

  ParityRoutes(ControlPlane.Settings settings) {
    this.settings = settings;
  }

  void register(RoutesConfig routes) {
    routes.get("/api/v1/parity", this::parity);
  }

  private void parity(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    String a = ctx.queryParam("a");
    String b = ctx.queryParam("b");
    String stack = ctx.queryParam("stack");
    if (a == null || a.isBlank() || b == null || b.isBlank()) {
      throw ApiError.badRequest("a and b: each a node id or env:ENVIRONMENT");
    }
    if (stack != null && stack.isBlank()) {
      throw ApiError.badRequest("stack: a stack name, or leave it out for every stack");
    }
    OperationSettings ops = settings.operations();
    if (ops == null) {
      throw new ApiError(503, "not_ready", "this server reads no engines (no operations settings)");
    }
    if (!running.tryAcquire()) {
      ctx.header("Retry-After", "5");
      throw new ApiError(
          429,
          "busy",
          AT_ONCE + " parity comparisons are running on this server; ask again when they end");
    }
    try {
      compare(ctx, ops, a, b, stack);
    } finally {
      running.release();
    }
  }

  private void compare(Context ctx, OperationSettings ops, String a, String b, String stack) {
    Fleet fleet = settings.fleet().fleet();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      LiveStackReader stacks =
          new LiveStackReader(
              new LiveCheck(threads, settings.clock(), ops.probe()),
              ops.environment(),
              ops.fingerprints(),
              true);
      Parity parity =
          new Parity(
              new ParityCheck(ops.fingerprints()),
              new EngineSides(ops.engines(), stacks, ops.fingerprints(), fleet.poll().timeout()),
              threads);
      try {
        ControlPlane.json(ctx, ParityJson.write(parity.run(fleet, a, b, stack)));
      } catch (Parity.UnknownSideException e) {
        throw ApiError.notFound(e.getMessage());
      }
    }
  }
}
