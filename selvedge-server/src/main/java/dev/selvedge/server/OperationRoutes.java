package dev.selvedge.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.json.TreeJson;
import dev.selvedge.operations.LeaseKeeper;
import dev.selvedge.operations.LogRead;
import dev.selvedge.operations.LogWindow;
import dev.selvedge.operations.Planner;
import dev.selvedge.operations.VerifyGate;
import dev.selvedge.operations.render.OperationsRender;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.Lease;
import dev.selvedge.port.OperationStore.Operation;
import dev.selvedge.port.OperationStore.State;
import dev.selvedge.server.OperationRunner.Action;
import dev.selvedge.server.OperationRunner.Running;
import dev.selvedge.verify.Finding;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The operations API: plan, apply, rollback, restart/stop/start of a service (202 and an operation
 * to follow at {@code /api/v1/operations/{id}}), bounded logs and "sweep now". Each runs the CLI's
 * use case on the node's engine with the node's stack, as the poller opens and loads them; see
 * docs/api.md.
 */
final class OperationRoutes {
  /** The largest request body taken (a bigger one is 413). */
  static final int MAX_BODY = 64 * 1024;

  /** What a restart or stop of a self-critical service needs, set to {@code yes}. */
  static final String CONFIRM = "X-Confirm-Self-Restart";

  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  /** At most this much log text in one answer (the rest is left out, and the answer says so). */
  static final int MAX_LOG_BYTES = 1 << 20;

  /** Reading one container's log stops after this long (the answer says so). */
  static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);

  /** The default {@code tail}, as {@code selvedge logs}. */
  static final String DEFAULT_TAIL = "120";

  private static final Pattern KEY_SYNTAX = Pattern.compile("[\\x21-\\x7e]{1,255}");
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final SecureRandom IDS = new SecureRandom();
  private static final String STACK = "/api/v1/nodes/{node}/stacks/{stack}";

  private final ControlPlane plane;
  private final ControlPlane.Settings settings;
  private final OperationSettings ops;
  private final OperationRunner runner;
  private final Clock clock;
  private final Map<String, Instant> sweptOnRequest = new ConcurrentHashMap<>();

  OperationRoutes(ControlPlane plane, ControlPlane.Settings settings) {
    this.plane = plane;
    this.settings = settings;
    this.ops = settings.operations();
    this.clock = settings.clock();
    this.runner = new OperationRunner(settings.store(), ops, settings.events(), clock);
  }

  /**
   * Marks the operations an earlier run of the server left unfinished {@code interrupted}.
   *
   * @return how many
   */
  int interruptUnfinished() {
    runner.watchReplicas(ReplicaHeartbeat.PERIOD.multipliedBy(ReplicaHeartbeat.ALIVE_BEATS));
    return runner.interruptUnfinished(true);
  }

  void register(RoutesConfig routes) {
    routes.post(STACK + "/plan", this::plan);
    routes.post(STACK + "/apply", ctx -> mutate(ctx, Action.APPLY));
    routes.post(STACK + "/rollback", ctx -> mutate(ctx, Action.ROLLBACK));
    routes.post(STACK + "/services/{service}/restart", ctx -> mutate(ctx, Action.RESTART));
    routes.post(STACK + "/services/{service}/stop", ctx -> mutate(ctx, Action.STOP));
    routes.post(STACK + "/services/{service}/start", ctx -> mutate(ctx, Action.START));
    routes.get(STACK + "/services/{service}/logs", this::logs);
    routes.get("/api/v1/operations/{id}", this::operation);
    routes.post("/api/v1/nodes/{node}/sweep", this::sweep);
  }

  /** Lets operations under way end. */
  void close() {
    runner.close();
  }

  // ----------------------------------------------------------------------------------- plan

  private void plan(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    Fleet.Node node = plane.nodeView(ctx).node();
    Fleet.Stack stack = ControlPlane.fleetStack(ctx, node);
    AuditNote.of(ctx).action("plan").subject(node.id(), stack.name(), null);
    fields(body(ctx), Set.of());
    ControlPlane.json(ctx, planAnswer(ctx));
  }

  /**
   * The plan of the request's node and stack (path parameters {@code node}, {@code stack}) on its
   * engine, scrubbed of the contract's secret values: the API's and the web UI's.
   */
  JsonNode planAnswer(Context ctx) {
    Fleet.Node node = plane.nodeView(ctx).node();
    Fleet.Stack stack = ControlPlane.fleetStack(ctx, node);
    Project project = load(node, stack);
    try (DockerEngine engine = ops.engines().open(node, ops.engineTimeout())) {
      // Image references and reasons can quote a secret substituted into the contract.
      return OperationRunner.scrubbed(
          OperationsRender.planJson(Planner.dryRun(engine, project, ops.fingerprints(), clock)),
          project.secretValues()::scrub);
    } catch (SelvedgeException e) {
      throw scrubbed(e, project);
    }
  }

  // ------------------------------------------------------------------------------ mutations

  private void mutate(Context ctx, Action action) {
    ControlPlane.require(ctx, Scope.OPERATE);
    NodeView view = plane.nodeView(ctx);
    Fleet.Stack stack = ControlPlane.fleetStack(ctx, view.node());
    String service = action.verb() == null ? null : ctx.pathParam("service");
    AuditNote.of(ctx).action(action.id()).subject(view.node().id(), stack.name(), service);
    ObjectNode body = body(ctx);
    boolean force = false;
    Long to = null;
    switch (action) {
      case APPLY -> {
        fields(body, Set.of("force"));
        if (body.has("force")) {
          if (!body.get("force").isBoolean()) {
            throw ApiError.badRequest("force: true or false");
          }
          force = body.get("force").booleanValue();
        }
      }
      case ROLLBACK -> {
        fields(body, Set.of("to"));
        if (body.has("to")) {
          JsonNode t = body.get("to");
          if (!t.canConvertToLong() || !t.isIntegralNumber() || t.longValue() < 1) {
            throw ApiError.badRequest("to: a deployment id (a whole number from 1)");
          }
          to = t.longValue();
        }
      }
      default -> fields(body, Set.of());
    }
    String idempotencyKey = ctx.header(IDEMPOTENCY_KEY);
    if (idempotencyKey != null && !KEY_SYNTAX.matcher(idempotencyKey).matches()) {
      throw ApiError.badRequest(IDEMPOTENCY_KEY + ": 1 to 255 visible ASCII characters, no spaces");
    }
    boolean confirmed = "yes".equalsIgnoreCase(String.valueOf(ctx.header(CONFIRM)).strip());
    Started started = start(ctx, action, body, force, to, confirmed, idempotencyKey, 202);
    if (started.replayed()) {
      ctx.header("Idempotent-Replayed", "true");
    }
    accepted(ctx, started.operation());
  }

  /** An operation a request started, or found again by its idempotency key. */
  record Started(Operation operation, boolean replayed) {}

  /**
   * The one path of every request that starts an operation, from the API or the web UI's forms: the
   * key's scope, the node, stack and service (path parameters {@code node}, {@code stack}, {@code
   * service}), the self-critical confirmation, the verify gate of an apply, busy (409 naming the
   * holder), the operation recorded and the request audited (answered {@code acceptedStatus})
   * before it runs. Refusals are {@link ApiError}s.
   *
   * @param body what was asked, for the request's hash (an idempotent retry must ask the same)
   * @param confirmed whether the request confirms stopping or restarting a self-critical service
   * @param idempotencyKey the client's key, or null
   */
  Started start(
      Context ctx,
      Action action,
      ObjectNode body,
      boolean force,
      Long to,
      boolean confirmed,
      String idempotencyKey,
      int acceptedStatus) {
    ControlPlane.require(ctx, Scope.OPERATE);
    NodeView view = plane.nodeView(ctx);
    Fleet.Node node = view.node();
    Fleet.Stack stack = ControlPlane.fleetStack(ctx, node);
    String service = action.verb() == null ? null : ctx.pathParam("service");
    AuditNote note =
        AuditNote.of(ctx).action(action.id()).subject(node.id(), stack.name(), service);
    Project project = load(node, stack);
    if (service != null) {
      Service s = project.services().get(service);
      if (s == null) {
        throw ApiError.notFound(
            "stack '"
                + stack.name()
                + "' has no service '"
                + service
                + "'; its services are "
                + String.join(", ", project.services().keySet()));
      }
      if (s.selvedge().selfCritical() && action != Action.START && !confirmed) {
        throw new ApiError(
            428,
            "confirmation_required",
            "service '"
                + service
                + "' is marked x-selvedge.self-critical: to "
                + action.id()
                + " it may cut off access to what you are using. Send the header "
                + CONFIRM
                + ": yes if you mean it");
      }
    }
    if (action == Action.APPLY) {
      VerifyGate.Verdict verdict = VerifyGate.judge(project, force);
      if (verdict.decision() == VerifyGate.Decision.REFUSED) {
        StringBuilder why = new StringBuilder();
        for (Finding f : verdict.failing()) {
          Finding clean = f.scrubbed(project.secretValues());
          if (why.length() < 2000) {
            why.append("; ").append(clean.rule()).append(": ").append(clean.message());
          }
        }
        throw new ApiError(
            422,
            "verify_refused",
            "apply refused: the contract fails verify ("
                + verdict.failing().size()
                + " finding(s)"
                + why
                + "). Fix them, or send {\"force\": true} to apply anyway (recorded in the"
                + " deployment)");
      }
      force = verdict.forced();
    }
    String actor = "key:" + ControlPlane.key(ctx).name();
    String hash =
        sha256(
            String.join(
                "\n",
                action.id(),
                node.id(),
                stack.name(),
                String.valueOf(service),
                OperationRunner.text(body)));
    // Requests with one idempotency key are taken one after the other, so a retry racing the
    // first finds its operation (recorded, or refused) instead of a busy stack.
    KeyLock held = idempotencyKey == null ? null : lockKey(actor + "\u0000" + idempotencyKey);
    try {
      if (idempotencyKey != null) {
        Optional<Operation> earlier = ops().findByKey(actor, idempotencyKey);
        if (earlier.isPresent()) {
          replay(earlier.get(), hash, note);
          return new Started(earlier.get(), true);
        }
      }
      busy(node, stack);
      // The engine opened here (its /info answered, which the lease needs anyway) is the one the
      // operation runs on: it is handed over, or closed when the request ends before that.
      DockerEngine engine = ops.engines().open(node, ops.engineTimeout());
      boolean handedOver = false;
      try {
        String before;
        String host;
        try {
          host = LeaseKeeper.key(engine);
          Optional<Lease> lease = settings.store().leases().current(host, project.name());
          if (lease.isPresent()) {
            Lease l = lease.get();
            throw busy(node, stack, l.owner(), l.operation(), l.acquiredAt(), null);
          }
          before =
              settings.store().deployments().history(host, project.name(), 1).stream()
                  .findFirst()
                  .map(d -> "deployment " + d.id() + " (" + outcome(d) + ")")
                  .orElse("no deployment");
        } catch (SelvedgeException e) {
          throw scrubbed(e, project);
        }
        String id = newId();
        Instant now = clock.instant();
        Running mine = new Running(id, actor, action.id(), now);
        Optional<Running> other = runner.claim(node.id(), stack.name(), mine);
        if (other.isPresent()) {
          Running r = other.get();
          throw busy(node, stack, r.actor(), r.action(), r.since(), r.id());
        }
        Operation created;
        try {
          created =
              ops()
                  .create(
                      new Operation(
                          id,
                          node.id(),
                          stack.name(),
                          service,
                          action.id(),
                          State.QUEUED,
                          actor,
                          ControlPlane.requestId(ctx),
                          idempotencyKey,
                          hash,
                          now,
                          null,
                          null,
                          null,
                          null,
                          runner.replica()));
        } catch (RuntimeException e) {
          runner.release(node.id(), stack.name(), mine);
          throw e; // a StoreException is 503: nothing was recorded, nothing runs
        }
        if (!created.id().equals(id)) {
          // A retry with the same key raced this one and was recorded first: answer with it.
          runner.release(node.id(), stack.name(), mine);
          replay(created, hash, note);
          return new Started(created, true);
        }
        note.operation(id).change(before, "operation " + id);
        OperationRunner.Job job =
            new OperationRunner.Job(
                created, engine, node, stack, project, action, service, to, force, ctx.ip(), host,
                before);
        // The request is in the audit log before anything runs: else 503, and nothing ran.
        try {
          plane.audit().recordNow(ctx, acceptedStatus);
        } catch (RuntimeException e) {
          handedOver = true;
          runner.abandon(job, mine, "the request could not be audited, nothing was run");
          throw e;
        }
        handedOver = true;
        runner.start(job, mine);
        return new Started(created, false);
      } finally {
        if (!handedOver) {
          engine.close();
        }
      }
    } finally {
      if (held != null) {
        unlockKey(actor + "\u0000" + idempotencyKey, held);
      }
    }
  }

  /** The requests under way with one idempotency key, and the lock they take turns with. */
  private static final class KeyLock {
    final java.util.concurrent.locks.ReentrantLock lock =
        new java.util.concurrent.locks.ReentrantLock();
    int users; // changed only inside the map's compute
  }

  private final Map<String, KeyLock> keyLocks = new ConcurrentHashMap<>();

  private KeyLock lockKey(String key) {
    KeyLock l =
        keyLocks.compute(
            key,
            (k, v) -> {
              KeyLock got = v == null ? new KeyLock() : v;
              got.users++;
              return got;
            });
    l.lock.lock();
    return l;
  }

  private void unlockKey(String key, KeyLock l) {
    l.lock.unlock();
    keyLocks.compute(key, (k, v) -> --v.users == 0 ? null : v);
  }

  /** The operation an earlier request with the same idempotency key started. */
  private static void replay(Operation earlier, String hash, AuditNote note) {
    note.operation(earlier.id()).detail("idempotent replay");
    if (!hash.equals(earlier.bodyHash())) {
      throw new ApiError(
          422,
          "idempotency_key_reused",
          IDEMPOTENCY_KEY
              + " was used by this key for another request (operation "
              + earlier.id()
              + ", "
              + earlier.action()
              + " of "
              + earlier.node()
              + "/"
              + earlier.stack()
              + "): use a new key for a new request");
    }
  }

  private static void accepted(Context ctx, Operation op) {
    ctx.status(202);
    ctx.header("Location", "/api/v1/operations/" + op.id());
    ControlPlane.json(
        ctx, F.objectNode().put("operation", op.id()).put("state", op.state().label()));
  }

  /**
   * 409 when an operation has the node's stack: this server's own, or one another server on the
   * store recorded and has not finished. A stored unfinished operation this server is not running
   * (its end not recorded yet, or left by an earlier run) does not count: see {@link
   * OperationRunner#holds}.
   */
  private void busy(Fleet.Node node, Fleet.Stack stack) {
    runner
        .holder(node.id(), stack.name())
        .ifPresent(
            r -> {
              throw busy(node, stack, r.actor(), r.action(), r.since(), r.id());
            });
    for (Operation o : ops().unfinished(node.id(), stack.name())) {
      if (!runner.holds(o)) {
        continue;
      }
      throw busy(node, stack, o.actor(), o.action(), o.createdAt(), o.id());
    }
  }

  private static ApiError busy(
      Fleet.Node node,
      Fleet.Stack stack,
      String holder,
      String what,
      Instant since,
      String operation) {
    return new ApiError(
        409,
        "busy",
        "stack '"
            + stack.name()
            + "' on node '"
            + node.id()
            + "' is busy: "
            + holder
            + " has been running '"
            + what
            + "'"
            + (operation == null ? "" : " (operation " + operation + ")")
            + " since "
            + since
            + "; try again when it has finished");
  }

  private static String outcome(Deployment d) {
    return d.outcome().name().toLowerCase(java.util.Locale.ROOT);
  }

  // ----------------------------------------------------------------------------- following

  private void operation(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    String id = ctx.pathParam("id");
    Operation op = ops().find(id).orElseThrow(() -> ApiError.notFound("no operation '" + id + "'"));
    ObjectNode o = F.objectNode();
    o.put("id", op.id());
    o.put("node", op.node());
    o.put("stack", op.stack());
    o.put("service", op.service());
    o.put("action", op.action());
    o.put("state", op.state().label());
    o.put("actor", op.actor());
    o.put("request_id", op.requestId());
    o.put("created_at", op.createdAt().toString());
    o.put("started_at", op.startedAt() == null ? null : op.startedAt().toString());
    o.put("finished_at", op.finishedAt() == null ? null : op.finishedAt().toString());
    o.set("steps", parse(op.steps()));
    o.set("result", op.result() == null ? F.nullNode() : parse(op.result()));
    ControlPlane.json(ctx, o);
  }

  private static JsonNode parse(String json) {
    try {
      return TreeJson.read(json.getBytes(StandardCharsets.UTF_8), null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------------------------- logs

  private void logs(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    ControlPlane.json(ctx, logAnswer(ctx));
  }

  /**
   * The bounded, scrubbed log tail of the request's service (path parameters {@code node}, {@code
   * stack}, {@code service}; query {@code tail}, {@code since}): the API's and the web UI's.
   */
  ObjectNode logAnswer(Context ctx) {
    Fleet.Node node = plane.nodeView(ctx).node();
    Fleet.Stack stack = ControlPlane.fleetStack(ctx, node);
    String service = ctx.pathParam("service");
    String tailText = Optional.ofNullable(ctx.queryParam("tail")).orElse(DEFAULT_TAIL);
    String sinceText = Optional.ofNullable(ctx.queryParam("since")).orElse("15m");
    int tail;
    Instant since;
    try {
      tail = LogWindow.tail("tail", tailText);
      since = LogWindow.since("since", sinceText, clock.instant(), ZoneOffset.UTC);
    } catch (SelvedgeException e) {
      throw ApiError.badRequest(e.getMessage());
    }
    Project project = load(node, stack);
    if (!project.services().containsKey(service)) {
      throw ApiError.notFound("stack '" + stack.name() + "' has no service '" + service + "'");
    }
    ObjectNode answer = F.objectNode();
    answer.put("node", node.id());
    answer.put("stack", stack.name());
    answer.put("service", service);
    answer.put("since", since.toString());
    answer.put("tail", tail);
    ArrayNode containers = answer.putArray("containers");
    ArrayNode limits = F.arrayNode();
    int[] bytes = {0};
    boolean[] overBytes = {false};
    boolean[] timedOut = {false};
    try (DockerEngine engine = ops.engines().open(node, min(ops.engineTimeout(), LOG_TIMEOUT))) {
      LogRead.read(
          engine,
          new LogRead.Request(project, service, since, tail, LOG_TIMEOUT),
          log -> {
            ObjectNode c = containers.addObject();
            c.put("name", log.label());
            ArrayNode lines = c.putArray("lines");
            // The newest lines matter most: when the answer would grow too big, the oldest go.
            List<String> all = log.lines();
            int from = all.size();
            int room = MAX_LOG_BYTES - bytes[0];
            while (from > 0) {
              int size = all.get(from - 1).getBytes(StandardCharsets.UTF_8).length + 1;
              if (size > room) {
                overBytes[0] = true;
                break;
              }
              room -= size;
              from--;
            }
            bytes[0] = MAX_LOG_BYTES - room;
            for (String line : all.subList(from, all.size())) {
              lines.add(line);
            }
            c.put("lines_left_out", from);
            c.put("timed_out", log.truncated());
            timedOut[0] |= log.truncated();
            if (log.lines().size() >= tail) {
              c.put("tail_reached", true);
            }
          });
    } catch (SelvedgeException e) {
      throw scrubbed(e, project);
    }
    if (timedOut[0]) {
      limits.add("time: stopped reading a log after " + LOG_TIMEOUT.toSeconds() + "s");
    }
    if (overBytes[0]) {
      limits.add(
          "bytes: the oldest lines were left out to keep the answer under "
              + MAX_LOG_BYTES
              + " bytes");
    }
    if (tail == LogWindow.MAX_TAIL) {
      limits.add("tail: at most " + LogWindow.MAX_TAIL + " lines per container");
    }
    answer.set("limits_hit", limits);
    return answer;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  // --------------------------------------------------------------------------------- sweep

  private void sweep(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    Fleet.Node node = plane.nodeView(ctx).node();
    AuditNote.of(ctx).action("sweep").subject(node.id(), null, null);
    fields(body(ctx), Set.of());
    Instant now = clock.instant();
    Instant[] last = {null};
    sweptOnRequest.compute(
        node.id(),
        (id, previous) -> {
          if (previous != null && previous.plus(ops.sweepEvery()).isAfter(now)) {
            last[0] = previous;
            return previous;
          }
          return now;
        });
    if (last[0] != null) {
      Duration wait = Duration.between(now, last[0].plus(ops.sweepEvery()));
      ctx.header("Retry-After", Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000)));
      throw new ApiError(
          429,
          "too_many_sweeps",
          "node '"
              + node.id()
              + "' was swept on request at "
              + last[0]
              + ": at most one such sweep per "
              + ops.sweepEvery().toSeconds()
              + "s");
    }
    if (settings.fleet().sweepNow(node.id()).isEmpty()) {
      sweptOnRequest.remove(node.id(), now);
      throw new ApiError(503, "not_ready", "this server sweeps no nodes now (stopping?)");
    }
    ctx.status(202);
    ControlPlane.json(
        ctx, F.objectNode().put("node", node.id()).put("requested_at", now.toString()));
  }

  // ------------------------------------------------------------------------------- helpers

  private dev.selvedge.port.OperationStore ops() {
    return settings.store().operations();
  }

  /** The stack's contract, loaded as the poller loads it. */
  private Project load(Fleet.Node node, Fleet.Stack stack) {
    try {
      return ComposeLoader.load(LiveStackReader.loadOptions(stack, ops.environment()));
    } catch (SelvedgeException e) {
      throw new ApiError(
          500,
          "contract_unreadable",
          "the contract of stack '"
              + stack.name()
              + "' on node '"
              + node.id()
              + "' cannot be loaded: "
              + e.getMessage());
    }
  }

  /** The stack's contract as operations load it (for the web UI's confirmations). */
  Project contract(Context ctx) {
    Fleet.Node node = plane.nodeView(ctx).node();
    return load(node, ControlPlane.fleetStack(ctx, node));
  }

  /** The operations' store. */
  dev.selvedge.port.OperationStore operations() {
    return ops();
  }

  /** An engine or store error, its text scrubbed of the project's secret values. */
  private static RuntimeException scrubbed(SelvedgeException e, Project project) {
    String clean = project.secretValues().scrub(String.valueOf(e.getMessage()));
    if (clean.equals(e.getMessage())) {
      return e;
    }
    if (e instanceof dev.selvedge.port.StoreException) {
      return new dev.selvedge.port.StoreException(clean, null);
    }
    return new ApiError(502, "engine_failed", clean);
  }

  /** The request's body: a JSON object of at most {@link #MAX_BODY} bytes; none is {} . */
  static ObjectNode body(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > MAX_BODY) {
      throw tooLarge();
    }
    byte[] bytes;
    try (InputStream in = ctx.req().getInputStream()) {
      bytes = in.readNBytes(MAX_BODY + 1);
    } catch (IOException e) {
      throw ApiError.badRequest("the request body could not be read: " + e.getMessage());
    }
    if (bytes.length > MAX_BODY) {
      throw tooLarge();
    }
    if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
      return F.objectNode();
    }
    JsonNode node;
    try {
      node = TreeJson.read(bytes, null);
    } catch (IOException e) {
      throw ApiError.badRequest("the body is not JSON: " + e.getMessage());
    }
    if (!(node instanceof ObjectNode object)) {
      throw ApiError.badRequest("the body must be a JSON object");
    }
    return object;
  }

  private static ApiError tooLarge() {
    return new ApiError(
        413, "too_large", "the request body is larger than " + MAX_BODY / 1024 + " KiB");
  }

  /** Refuses a field not in {@code known}, naming it. */
  static void fields(ObjectNode body, Set<String> known) {
    body.fieldNames()
        .forEachRemaining(
            name -> {
              if (!known.contains(name)) {
                throw ApiError.badRequest(
                    name
                        + ": unknown field"
                        + (known.isEmpty()
                            ? "; this request takes no body"
                            : "; known: " + String.join(", ", known.stream().sorted().toList())));
              }
            });
  }

  private static String newId() {
    byte[] b = new byte[12];
    IDS.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
