package dev.selvedge.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.Version;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.Notification;
import dev.selvedge.port.NotificationStore;
import dev.selvedge.port.NotificationStore.Delivery;
import dev.selvedge.server.ClusterJobs;
import dev.selvedge.server.events.EventPublisher;
import dev.selvedge.server.events.ServerEvent;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Tells the fleet file's webhooks ({@code notifications:}, docs/notifications.md) of the events
 * this replica publishes: it wraps the {@link EventPublisher} serve builds, so with several
 * replicas each event is told once (the hub's fan-out, which hands out every replica's events, is
 * not where it listens). Publishing never waits on a webhook: an event is offered to a bounded
 * queue (full: counted and recorded as dropped), one thread decides what to send ({@link Dedup}),
 * and each message is delivered on a virtual thread of its own, a few at once, with connect and
 * request timeouts and retries with exponential backoff. Every attempt is recorded in the store.
 * The webhooks are read from the fleet on every event, so a reloaded fleet file takes effect at
 * once. Logs show a webhook's redacted URL only, never its path or headers.
 */
public final class Notifier implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Notifier.class.getName());

  /**
   * Bounds and timings.
   *
   * @param queue events waiting to be looked at, and messages waiting to be sent, at most each
   * @param concurrency messages being sent at once, at most
   * @param connectTimeout to connect to a webhook
   * @param requestTimeout for a webhook's answer, per attempt
   * @param attempts tries of one message, at most (the first included)
   * @param firstRetry the wait after the first failed try; doubled after each one
   * @param maxRetry the longest wait between two tries
   * @param tick how often reminders are looked for (and drops recorded)
   */
  public record Limits(
      int queue,
      int concurrency,
      Duration connectTimeout,
      Duration requestTimeout,
      int attempts,
      Duration firstRetry,
      Duration maxRetry,
      Duration tick) {
    public static final Limits DEFAULT =
        new Limits(
            1000,
            16,
            Duration.ofSeconds(5),
            Duration.ofSeconds(10),
            5,
            Duration.ofSeconds(2),
            Duration.ofMinutes(2),
            Duration.ofSeconds(30));

    public Limits {
      if (queue < 1 || concurrency < 1 || attempts < 1) {
        throw new IllegalArgumentException("queue, concurrency and attempts must be positive");
      }
      Objects.requireNonNull(connectTimeout, "connectTimeout");
      Objects.requireNonNull(requestTimeout, "requestTimeout");
      Objects.requireNonNull(firstRetry, "firstRetry");
      Objects.requireNonNull(maxRetry, "maxRetry");
      Objects.requireNonNull(tick, "tick");
    }

    /** The wait after failed try {@code attempt} (1-based): first, doubled each time, capped. */
    public Duration backoff(int attempt) {
      Duration d = firstRetry;
      for (int i = 1; i < attempt && d.compareTo(maxRetry) < 0; i++) {
        d = d.multipliedBy(2);
      }
      return d.compareTo(maxRetry) > 0 ? maxRetry : d;
    }
  }

  private final Supplier<Fleet> fleet;
  private final NotificationStore store;
  private final Clock clock;
  private final Limits limits;
  private final Consumer<String> log;
  private final HttpClient http;
  private final Dedup dedup = new Dedup();
  private volatile Supplier<Predicate<String>> sweptHere = () -> node -> true;
  private volatile ClusterJobs jobs = ClusterJobs.ALONE;
  private final BlockingQueue<ServerEvent> intake;
  private final Semaphore sending;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicInteger looking = new AtomicInteger();
  private final Map<Notification, AtomicInteger> perHook =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong droppedTold = new AtomicLong();
  private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService timer;
  private final Thread dispatcher;
  private volatile boolean closing;

  /**
   * A notifier reading its webhooks from {@code fleet} (the running fleet: a reload applies to the
   * next event), recording into {@code store}. Not running until {@link #start()}.
   */
  public Notifier(
      Supplier<Fleet> fleet,
      NotificationStore store,
      Clock clock,
      Limits limits,
      Consumer<String> log) {
    this.fleet = fleet;
    this.store = store;
    this.clock = clock;
    this.limits = limits;
    this.log = log;
    this.intake = new ArrayBlockingQueue<>(limits.queue());
    this.sending = new Semaphore(limits.concurrency());
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(limits.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            // No h2c upgrade dance with a plain-http receiver: one plain POST.
            .version(HttpClient.Version.HTTP_1_1)
            .executor(senders)
            .build();
    this.dispatcher = Thread.ofPlatform().daemon().name("selvedge-notify").unstarted(this::run);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("selvedge-notify-timer").unstarted(r));
  }

  /** Starts the dispatcher and the reminder timer; returns this. */
  public Notifier start() {
    dispatcher.start();
    long tick = Math.max(1, limits.tick().toMillis());
    timer.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    return this;
  }

  /** A publisher that publishes to {@code delegate} and then offers the event to this notifier. */
  public EventPublisher wrap(EventPublisher delegate) {
    return event -> {
      delegate.publish(event);
      offer(event);
    };
  }

  /** Offers an event; never blocks: a full queue drops it (counted, recorded on the next tick). */
  public void offer(ServerEvent event) {
    if (closing
        || !Notification.KNOWN_EVENTS.contains(event.type())
        || fleet.get().notifications().isEmpty()) {
      return; // operation steps and the like: no webhook gets them, they take no queue space
    }
    looking.incrementAndGet();
    if (!intake.offer(event)) {
      looking.decrementAndGet();
      dropped.incrementAndGet();
    }
  }

  /** Whether every event offered was looked at and every message started has ended (tests). */
  public boolean idle() {
    return looking.get() == 0 && pending.get() == 0;
  }

  /**
   * Whether every event offered was looked at and every message to {@code hook} has ended (tests
   * with another webhook that never answers).
   */
  public boolean idle(Notification hook) {
    AtomicInteger n = perHook.get(hook);
    return looking.get() == 0 && (n == null || n.get() == 0);
  }

  /** Events not told because the queue was full, since start. */
  public long dropped() {
    return dropped.get();
  }

  /**
   * Which nodes this replica sweeps now (several replicas on one store: the nodes it holds claims
   * on); reminders are only sent for those. Every node until called (one replica).
   */
  public Notifier sweptHere(Supplier<Predicate<String>> nodes) {
    this.sweptHere = java.util.Objects.requireNonNull(nodes, "nodes");
    return this;
  }

  /** Removes old delivery records on one replica at a time ({@code notification-retention}). */
  public Notifier onceAcross(ClusterJobs jobs) {
    this.jobs = java.util.Objects.requireNonNull(jobs, "jobs");
    return this;
  }

  /** Looks for reminders due now and sends them (the timer calls it every tick). */
  public void remindNow() {
    Fleet f = fleet.get();
    List<Dedup.Message> due;
    synchronized (dedup) {
      due = dedup.due(f.notifications(), clock.instant(), sweptHere.get());
    }
    for (Dedup.Message m : due) {
      send(m, f);
    }
  }

  /** Removes delivery records older than the fleet's event retention; how many. */
  public int retainNow() {
    return store.deleteBefore(clock.instant().minus(fleet.get().retention().events()));
  }

  /**
   * Sends a {@code test} message to every webhook (no filter, no deduplication); the messages' ids,
   * one per webhook.
   */
  public List<String> test() {
    Fleet f = fleet.get();
    List<String> ids = new ArrayList<>();
    ObjectNode data = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    data.put("message", "a test message sent on request; no action needed");
    ServerEvent e = ServerEvent.of("test", clock.instant(), null, null, null, null, data);
    for (Notification hook : f.notifications()) {
      ids.add(send(new Dedup.Message(hook, e, "-", "test"), f));
    }
    return ids;
  }

  private void run() {
    while (!closing) {
      ServerEvent e;
      try {
        e = intake.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException x) {
        return;
      }
      if (e == null) {
        continue;
      }
      try {
        dispatch(e);
      } catch (RuntimeException x) {
        LOG.log(System.Logger.Level.ERROR, "the notifier failed on an event; it carries on", x);
      } finally {
        looking.decrementAndGet();
      }
    }
  }

  private void dispatch(ServerEvent e) {
    Fleet f = fleet.get();
    Fleet.Node node = e.node() == null ? null : f.nodes().get(e.node());
    List<Notification> hooks = new ArrayList<>();
    for (Notification hook : f.notifications()) {
      if (covers(hook, e, node)) {
        hooks.add(hook);
      }
    }
    if (hooks.isEmpty()) {
      return;
    }
    List<Dedup.Message> messages;
    synchronized (dedup) {
      messages = dedup.on(e, hooks, clock.instant());
    }
    for (Dedup.Message m : messages) {
      send(m, f);
    }
  }

  private static boolean covers(Notification hook, ServerEvent e, Fleet.Node node) {
    if (node != null) {
      return hook.covers(node.tags(), node.environment());
    }
    // An event about no node of the fleet: the tags and environment it names itself, if any.
    List<String> tags = new ArrayList<>();
    JsonNode t = e.data().get("tags");
    if (t != null && t.isArray()) {
      t.forEach(x -> tags.add(x.asText()));
    }
    if (e.data().hasNonNull("tag")) {
      tags.add(e.data().get("tag").asText());
    }
    return hook.covers(tags, Dedup.text(e.data(), "environment"));
  }

  /** Starts delivering one message on a virtual thread of its own; its id. */
  private String send(Dedup.Message m, Fleet f) {
    String id = UUID.randomUUID().toString();
    Fleet.Node node = m.event().node() == null ? null : f.nodes().get(m.event().node());
    if (closing || pending.incrementAndGet() > limits.queue()) {
      pending.decrementAndGet();
      record(m, id, 0, "dropped", null, "the notification queue was full", 0);
      return id;
    }
    byte[] body = Payloads.body(m.hook().format(), id, m.kind(), m.event(), node);
    AtomicInteger mine = perHook.computeIfAbsent(m.hook(), h -> new AtomicInteger());
    mine.incrementAndGet();
    try {
      senders.execute(
          () -> {
            try {
              deliver(m, id, body);
            } finally {
              mine.decrementAndGet();
              pending.decrementAndGet();
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException x) {
      mine.decrementAndGet();
      pending.decrementAndGet(); // closing
    }
    return id;
  }

  private void deliver(Dedup.Message m, String id, byte[] body) {
    Notification hook = m.hook();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(hook.url())
            .timeout(limits.requestTimeout())
            .header("Content-Type", "application/json")
            .header("User-Agent", "selvedge/" + Version.current())
            .header("X-Selvedge-Notification", id)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (Map.Entry<String, String> h : hook.headers().entrySet()) {
      b.header(h.getKey(), h.getValue());
    }
    HttpRequest request = b.build();
    for (int attempt = 1; attempt <= limits.attempts(); attempt++) {
      Integer status = null;
      String error;
      boolean retry;
      long start = System.nanoTime();
      try {
        sending.acquire();
      } catch (InterruptedException x) {
        return;
      }
      try {
        HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
        status = r.statusCode();
        if (status >= 200 && status < 300) {
          record(m, id, attempt, "sent", status, null, millis(start));
          return;
        }
        error = "the webhook answered " + status;
        retry = status >= 500 || status == 408 || status == 429;
      } catch (HttpTimeoutException x) {
        error = "no answer within " + limits.requestTimeout().toMillis() + " ms";
        retry = true;
      } catch (IOException x) {
        error = failure(x, hook);
        retry = true;
      } catch (InterruptedException x) {
        return;
      } catch (RuntimeException x) {
        error = failure(x, hook);
        retry = false;
      } finally {
        sending.release();
      }
      boolean last = !retry || attempt == limits.attempts() || closing;
      record(m, id, attempt, last ? "gave_up" : "failed", status, error, millis(start));
      if (last) {
        log.accept(
            "notification to "
                + hook.redactedUrl()
                + " ("
                + m.event().type()
                + " "
                + m.subject()
                + ") not delivered after "
                + attempt
                + (attempt == 1 ? " try: " : " tries: ")
                + error);
        return;
      }
      try {
        Thread.sleep(limits.backoff(attempt));
      } catch (InterruptedException x) {
        return;
      }
    }
  }

  /** Why a try failed, with the webhook's URL (its path may be a secret) redacted. */
  private static String failure(Exception x, Notification hook) {
    String why = x.getMessage() == null ? x.getClass().getSimpleName() : x.getMessage();
    if (x.getCause() != null && x.getMessage() == null && x.getCause().getMessage() != null) {
      why = x.getCause().getMessage();
    }
    String url = hook.url().toString();
    why = why.replace(url, hook.redactedUrl());
    if (hook.url().getRawPath() != null && hook.url().getRawPath().length() > 1) {
      why = why.replace(hook.url().getRawPath(), "/…");
    }
    return x instanceof java.net.ConnectException ? "cannot connect: " + why : why;
  }

  private static long millis(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }

  private void record(
      Dedup.Message m,
      String id,
      int attempt,
      String status,
      Integer http,
      String error,
      long millis) {
    try {
      store.add(
          new Delivery(
              0,
              clock.instant(),
              m.hook().redactedUrl(),
              id,
              m.event().type(),
              m.subject(),
              m.kind(),
              attempt,
              status,
              http,
              error,
              millis));
    } catch (RuntimeException x) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot record a notification delivery: {0}",
          x.getMessage());
    }
  }

  private Instant lastRetention = Instant.EPOCH;

  private void tick() {
    try {
      remindNow();
      long n = dropped.get();
      long told = droppedTold.getAndSet(n);
      if (n > told) {
        Fleet f = fleet.get();
        for (Notification hook : f.notifications()) {
          ObjectNode data =
              com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
          record(
              new Dedup.Message(
                  hook,
                  ServerEvent.of("-", clock.instant(), null, null, null, null, data),
                  "-",
                  "change"),
              "dropped-" + UUID.randomUUID(),
              0,
              "dropped",
              null,
              (n - told) + " events not looked at: the notification queue was full",
              0);
        }
      }
      Instant now = clock.instant();
      if (Duration.between(lastRetention, now).compareTo(Duration.ofHours(1)) >= 0) {
        lastRetention = now;
        // once an hour across the replicas sharing the store
        jobs.once("notification-retention", Duration.ofMinutes(50), this::retainNow);
      }
    } catch (RuntimeException x) {
      LOG.log(System.Logger.Level.WARNING, "the notifier's timer failed: {0}", x.getMessage());
    }
  }

  @Override
  public void close() {
    closing = true;
    timer.shutdownNow();
    dispatcher.interrupt();
    senders.shutdownNow();
    http.shutdownNow(); // a webhook that never answers does not hold the stop
  }
}
