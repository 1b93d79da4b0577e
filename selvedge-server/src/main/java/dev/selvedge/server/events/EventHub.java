package dev.selvedge.server.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.port.EventStore;
import dev.selvedge.port.EventStore.Filter;
import dev.selvedge.port.EventStore.StoredEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The live event stream's hub: publishers hand it events ({@link #publish}, never blocking), one
 * writer thread appends each to the {@link EventStore} (which gives it its id) and then hands it to
 * every subscriber whose filter it passes, in id order.
 *
 * <ul>
 *   <li>Memory is bounded: the intake holds at most {@link Limits#intake} events (more are counted
 *       as lost, and a {@code stream.gap} event says how many once the store takes events again);
 *       each subscriber holds at most {@link Limits#perClient}.
 *   <li>A subscriber whose queue is full, or whose send is not completed within {@link
 *       Limits#sendTimeout}, is dropped with close code {@link #TOO_SLOW}: neither publishers nor
 *       other subscribers ever wait for it.
 *   <li>Only stored events are streamed: an id always names an event a resuming client can read
 *       back. While the store is down the writer retries (the intake fills, then drops), so live
 *       clients see events late rather than events that a resume would miss.
 *   <li>A subscriber resuming after an id reads what it missed from the store, then continues live,
 *       without gap or duplicate: it is registered for live events before it reads, and what it
 *       gets live is skipped up to the last id it was sent. One too far behind (its id older than
 *       the oldest kept, or newer than the newest) gets a {@code stream.reset} notice and close
 *       code {@link #TOO_FAR_BEHIND}.
 * </ul>
 *
 * Ids come from one writer, so within one server they are committed in order. On a store that
 * several replicas append to ({@link EventStore#watch} present: PostgreSQL), appends commit in id
 * order across the replicas, and the writer does not hand its events out itself: a tail thread
 * reads the store after the last id it sent ({@code after(last)}), woken by the store's watch
 * (another replica appended), by this hub's writer, or every {@link #TAIL_POLL} at the latest, and
 * hands out what it reads, this replica's events and the others' alike; so every client on every
 * replica sees one order, and resumes by id on any of them.
 */
public final class EventHub implements EventPublisher, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(EventHub.class.getName());

  /** Close code: the client did not keep up (queue full, or a send not completed in time). */
  public static final int TOO_SLOW = 4008;

  /** Close code: the id to resume after is no longer kept (or unknown); start afresh. */
  public static final int TOO_FAR_BEHIND = 4009;

  /** Close code: the server stops. */
  public static final int GOING_AWAY = 1001;

  /** The tail's read when nothing woke it: the fallback of a watch that missed a notice. */
  public static final Duration TAIL_POLL = Duration.ofSeconds(1);

  /** Default retention of events in the store. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

  /**
   * The hub's bounds.
   *
   * @param intake events published but not yet stored
   * @param perClient events waiting to be sent to one client
   * @param sendTimeout how long one message to a client may take
   * @param replayPage events read from the store at a time when a client resumes
   * @param hello how long a client connecting without {@code ?after} has to send {@code {"after":
   *     ID}} as its first message before it is streamed live events from now
   * @param linger how long a client's first waiting event may wait for others to go out with it: at
   *     1,000 events a second one write (a system call) carries ten events instead of one, which is
   *     what lets hundreds of clients be served on a few cores
   * @param keyRecheck how often an open stream's API key is looked up again: a revoked key's
   *     streams close (code 4001) within this time
   */
  public record Limits(
      int intake,
      int perClient,
      Duration sendTimeout,
      int replayPage,
      Duration hello,
      Duration linger,
      Duration keyRecheck) {
    /** How often an open stream's key is looked up again by default. */
    public static final Duration KEY_RECHECK = Duration.ofSeconds(30);

    public static final Limits DEFAULT =
        new Limits(
            10_000,
            2_048,
            Duration.ofSeconds(10),
            500,
            Duration.ofMillis(500),
            Duration.ofMillis(10),
            KEY_RECHECK);

    /** The limits with the default key recheck. */
    public Limits(
        int intake,
        int perClient,
        Duration sendTimeout,
        int replayPage,
        Duration hello,
        Duration linger) {
      this(intake, perClient, sendTimeout, replayPage, hello, linger, KEY_RECHECK);
    }

    public Limits {
      if (intake < 1 || perClient < 1 || replayPage < 1) {
        throw new IllegalArgumentException("limits must be positive");
      }
      Objects.requireNonNull(sendTimeout, "sendTimeout");
      Objects.requireNonNull(hello, "hello");
      Objects.requireNonNull(linger, "linger");
      if (keyRecheck.isNegative() || keyRecheck.isZero()) {
        throw new IllegalArgumentException("keyRecheck must be positive");
      }
    }
  }

  /** Where one subscriber's messages go: a WebSocket session, or a test's list. */
  public interface Sink {
    /**
     * Sends one text message without waiting; exactly one of {@code done} and {@code failed} is
     * called once it is sent or has failed.
     */
    void send(String text, Runnable done, Consumer<Throwable> failed);

    /** Closes the connection with this close code and reason (may wait a little for it). */
    void close(int code, String reason);
  }

  /** One subscriber, as its connection sees it. */
  public interface Subscription {
    /**
     * The client's first message asked to resume after {@code id}; false when too late (after the
     * hello window, after {@code ?after}, or a second time).
     */
    boolean resumeAfter(long id);

    /** The connection closed (by the client or the network): stop sending. */
    void cancel();
  }

  private final EventStore store;
  private final Clock clock;
  private final Limits limits;
  private final java.util.function.Supplier<Duration> retention;
  private final ArrayBlockingQueue<ServerEvent> intake;
  private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
  private final AtomicLong lost = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong stored = new AtomicLong();
  // The last event handed out; -1: not known (the store could not be read at the start)
  private volatile long handedOut = -1;
  private final Thread writer;
  // Tailing a shared store (null: the writer hands its events out itself).
  private final EventStore.Watch watch;
  private final java.util.concurrent.Semaphore wake = new java.util.concurrent.Semaphore(0);
  private final java.util.concurrent.CountDownLatch tailing =
      new java.util.concurrent.CountDownLatch(1);
  private final Thread tail;
  private final Thread listen;
  private volatile boolean closing;
  private long nextRetention;

  /**
   * Starts the hub's writer thread.
   *
   * @param retention how long events are kept in the store (deleted hourly, and at start)
   */
  public EventHub(EventStore store, Clock clock, Limits limits, Duration retention) {
    this(store, clock, limits, fixed(retention));
  }

  /**
   * Starts the hub's writer thread, with a retention read at each deletion ({@code serve}: the
   * fleet file's {@code retention.events}, which a reload may change).
   */
  public EventHub(
      EventStore store,
      Clock clock,
      Limits limits,
      java.util.function.Supplier<Duration> retention) {
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.retention = Objects.requireNonNull(retention, "retention");
    this.intake = new ArrayBlockingQueue<>(limits.intake());
    this.nextRetention = System.nanoTime();
    try {
      this.handedOut = store.latestId().orElse(0L);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "the event stream cannot read the newest event: " + e);
    }
    this.watch = store.watch().orElse(null);
    this.writer = Thread.ofPlatform().name("selvedge-events").daemon().unstarted(this::write);
    if (watch != null) {
      this.tail = Thread.ofPlatform().name("selvedge-events-tail").daemon().unstarted(this::tail);
      this.listen =
          Thread.ofPlatform().name("selvedge-events-listen").daemon().unstarted(this::listen);
      tail.start();
      listen.start();
    } else {
      this.tail = null;
      this.listen = null;
      tailing.countDown();
    }
    writer.start();
  }

  private static java.util.function.Supplier<Duration> fixed(Duration retention) {
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("the events' retention must be positive: " + retention);
    }
    return () -> retention;
  }

  /** A hub with the default limits. */
  public EventHub(EventStore store, Clock clock, Duration retention) {
    this(store, clock, Limits.DEFAULT, retention);
  }

  @Override
  public void publish(ServerEvent event) {
    if (closing || !intake.offer(event)) {
      lost.incrementAndGet();
    }
  }

  /** The hub's bounds (the event stream reads its key recheck here). */
  public Limits limits() {
    return limits;
  }

  /** Events published but never stored (the intake was full, or the hub stopping). */
  public long lostEvents() {
    return lost.get();
  }

  /** Clients dropped for being too slow. */
  public long droppedClients() {
    return dropped.get();
  }

  /** Events stored and handed to subscribers so far. */
  public long storedEvents() {
    return stored.get();
  }

  /** Events published and not yet taken by the writer. */
  int waiting() {
    return intake.size();
  }

  /** Subscribers now. */
  public int subscribers() {
    return subscribers.size();
  }

  /**
   * Subscribes {@code sink}: it is sent every event passing {@code filter}, from now on, or from
   * the store after {@code after} when it is not null.
   */
  public Subscription subscribe(Sink sink, Filter filter, Long after) {
    return subscribe(sink, filter, after, null);
  }

  /**
   * As {@link #subscribe(Sink, Filter, Long)}; a client without {@code after} that does not resume
   * by its first message starts after {@code from} ({@link #handedOut()} when its connection was
   * accepted; null: when it is subscribed here), so nothing published between the two is missed.
   */
  public Subscription subscribe(Sink sink, Filter filter, Long after, Long from) {
    Subscriber s = new Subscriber(sink, filter, from);
    if (closing) {
      sink.close(GOING_AWAY, "the server is stopping");
      return s;
    }
    subscribers.add(s);
    if (after != null) {
      s.start.complete(after);
    }
    s.thread = Thread.ofVirtual().name("selvedge-events-client").start(s::run);
    return s;
  }

  /** Deletes the events older than the retention now (also done hourly by the writer). */
  public int retainNow() {
    return store.deleteBefore(clock.instant().minus(retention.get()));
  }

  /**
   * Stops: the events already published are stored (for a few seconds at most), every subscriber is
   * closed with {@link #GOING_AWAY}.
   */
  @Override
  public void close() {
    closing = true;
    try {
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      writer.interrupt(); // a store that does not answer: what is left is lost
    }
    if (tail != null) {
      wake.release(); // a last read: what this replica stored reaches its clients
      join(tail);
      join(listen);
      watch.close();
    }
    for (Subscriber s : List.copyOf(subscribers)) {
      s.drop(GOING_AWAY, "the server is stopping");
    }
  }

  private static void join(Thread t) {
    try {
      t.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      t.interrupt();
    }
  }

  // --------------------------------------------------------------------------------- the tail

  /** Waits for the store's notices of appends (of any replica) and wakes the tail on each. */
  private void listen() {
    while (!closing) {
      try {
        if (watch.await(TAIL_POLL)) {
          wake.release();
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "the event stream's watch failed: " + e.getMessage());
      }
    }
  }

  /**
   * Hands out every event the store has after the last one handed out, in id order, whoever
   * appended it; starts after the newest kept when the hub starts (the writer waits for that).
   */
  private void tail() {
    long last = -1;
    boolean warned = false;
    while (true) {
      boolean stopping = closing;
      try {
        if (last < 0) {
          last = store.latestId().orElse(0L);
          tailing.countDown();
        }
        while (true) {
          List<StoredEvent> page = store.after(last, Filter.ALL, limits.replayPage());
          for (StoredEvent e : page) {
            send(e);
            last = e.id();
          }
          if (page.size() < limits.replayPage()) {
            break;
          }
        }
        warned = false;
      } catch (RuntimeException e) {
        if (!warned) {
          LOG.log(
              System.Logger.Level.WARNING,
              "the event stream cannot read the store; tried again: " + e.getMessage());
          warned = true;
        }
      }
      if (stopping) {
        tailing.countDown();
        return;
      }
      try {
        wake.tryAcquire(TAIL_POLL.toMillis(), TimeUnit.MILLISECONDS);
        wake.drainPermits();
      } catch (InterruptedException e) {
        tailing.countDown();
        return;
      }
    }
  }

  // ------------------------------------------------------------------------------- the writer

  private void write() {
    try {
      // On a shared store, events appended before the tail knows where it starts would be missed.
      while (!tailing.await(1, TimeUnit.SECONDS)) {
        if (closing) {
          break;
        }
      }
    } catch (InterruptedException e) {
      return;
    }
    List<ServerEvent> batch = new ArrayList<>();
    while (!closing || !intake.isEmpty()) {
      try {
        ServerEvent first = intake.poll(1, TimeUnit.SECONDS);
        if (first != null) {
          batch.add(first);
          intake.drainTo(batch, 255);
          if (!storeAndSend(batch)) {
            lost.addAndGet(batch.size());
          }
          batch.clear();
        }
        retainWhenDue();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "the event stream's writer failed; it carries on", e);
      }
    }
  }

  /**
   * Stores {@code batch} in one transaction (retrying while the store is away) and sends each event
   * in order; false when given up (the hub stopping).
   */
  private boolean storeAndSend(List<ServerEvent> batch) throws InterruptedException {
    List<StoredEvent> events = new ArrayList<>(batch.size());
    for (ServerEvent e : batch) {
      events.add(EventJson.stored(e));
    }
    long wait = 100;
    boolean warned = false;
    while (true) {
      try {
        List<Long> ids = store.appendAll(events);
        if (watch != null) {
          wake.release(); // the tail hands them out, in the store's order
          break;
        }
        for (int i = 0; i < events.size(); i++) {
          StoredEvent event = events.get(i);
          send(
              new StoredEvent(
                  ids.get(i),
                  event.type(),
                  event.at(),
                  event.node(),
                  event.stack(),
                  event.service(),
                  event.operation(),
                  event.data()));
        }
        break;
      } catch (RuntimeException x) {
        if (closing) {
          return false;
        }
        if (!warned) {
          LOG.log(
              System.Logger.Level.WARNING,
              "the store does not take events; they wait (up to "
                  + limits.intake()
                  + ") and are retried: "
                  + x.getMessage());
          warned = true;
        }
        Thread.sleep(wait);
        wait = Math.min(wait * 2, 5_000);
      }
    }
    long missed = lost.getAndSet(0);
    if (missed > 0) {
      ObjectNode data = JsonNodeFactory.instance.objectNode();
      data.put("lost", missed);
      data.put("reason", "events published while the store was away or the intake full");
      try {
        StoredEvent gap =
            EventJson.stored(
                ServerEvent.of("stream.gap", clock.instant(), null, null, null, null, data));
        long id = store.append(gap);
        if (watch != null) {
          wake.release();
        } else {
          send(new StoredEvent(id, gap.type(), gap.at(), null, null, null, null, gap.data()));
        }
      } catch (RuntimeException x) {
        lost.addAndGet(missed); // told with the next one
      }
    }
    return true;
  }

  /**
   * The id of the last event handed to subscribers (at the start: the newest kept), what a client
   * that connects without {@code after} starts after; null when not known.
   */
  public Long handedOut() {
    long id = handedOut;
    return id < 0 ? null : id;
  }

  private void send(StoredEvent e) {
    handedOut = e.id();
    stored.incrementAndGet();
    String json = null;
    for (Subscriber s : subscribers) {
      if (s.filter.matches(e.type(), e.node(), e.stack())) {
        if (json == null) {
          json = EventJson.write(e);
        }
        s.offer(new Live(e.id(), json));
      }
    }
  }

  private volatile dev.selvedge.server.ClusterJobs jobs = dev.selvedge.server.ClusterJobs.ALONE;

  /**
   * Deletes old events once an hour across the replicas sharing the store ({@code
   * event-retention}), not once per replica.
   */
  public EventHub retainThrough(dev.selvedge.server.ClusterJobs jobs) {
    this.jobs = Objects.requireNonNull(jobs, "jobs");
    return this;
  }

  private void retainWhenDue() {
    if (System.nanoTime() - nextRetention < 0) {
      return;
    }
    nextRetention = System.nanoTime() + Duration.ofHours(1).toNanos();
    try {
      int n = jobs.once("event-retention", Duration.ofMinutes(50), this::retainNow).orElse(0);
      if (n > 0) {
        LOG.log(System.Logger.Level.INFO, "deleted " + n + " events older than " + retention.get());
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot delete old events: " + e.getMessage());
    }
  }

  // -------------------------------------------------------------------------- a subscriber

  private record Live(long id, String json) {}

  /** Messages sent to one client without waiting for each (written together by the connection). */
  private static final int BATCH = 64;

  /** Wakes a subscriber's thread once it is dropped (its queue emptied first). */
  private static final Live END = new Live(Long.MIN_VALUE, "");

  /** Thrown out of a subscriber's loop once it is closed. */
  private static final class Closed extends Exception {
    private static final long serialVersionUID = 1L;

    Closed() {
      super(null, null, false, false);
    }
  }

  private final class Subscriber implements Subscription {
    final Sink sink;
    final Filter filter;
    final ArrayBlockingQueue<Live> queue;
    final Long from;
    final CompletableFuture<Long> start = new CompletableFuture<>();
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    volatile Thread thread;
    // under `this`: while catching up, a full queue is emptied (the store has it all) and noted
    private boolean catchingUp = true;
    private boolean overflowed;
    private volatile boolean closed;
    private int closeCode;
    private String closeReason;
    private long lastSent;

    Subscriber(Sink sink, Filter filter, Long from) {
      this.sink = sink;
      this.filter = filter;
      this.from = from;
      this.queue = new ArrayBlockingQueue<>(limits.perClient());
    }

    /** The writer's hand-over: never waits. */
    void offer(Live live) {
      synchronized (this) {
        if (closed || queue.offer(live)) {
          return;
        }
        if (catchingUp) {
          queue.clear();
          overflowed = true;
          return;
        }
      }
      drop(
          TOO_SLOW,
          "too slow: more than "
              + limits.perClient()
              + " events waiting; resume after your last id");
    }

    @Override
    public boolean resumeAfter(long id) {
      return start.complete(id);
    }

    @Override
    public void cancel() {
      drop(0, null);
    }

    /** Ends this subscriber; its thread closes the connection with {@code code} (0: closed). */
    void drop(int code, String reason) {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        closeCode = code;
        closeReason = reason;
        // Woken without an interrupt: one could land in a store read, and H2 closes its file then.
        queue.clear();
        queue.offer(END);
      }
      subscribers.remove(this);
      if (code == TOO_SLOW) {
        dropped.incrementAndGet();
      }
      ended.complete(null);
    }

    void run() {
      try {
        Long after;
        try {
          CompletableFuture.anyOf(start, ended).get(limits.hello().toNanos(), TimeUnit.NANOSECONDS);
          if (closed) {
            throw new Closed();
          }
          after = start.getNow(null);
        } catch (TimeoutException e) {
          after = start.complete(null) ? from : start.getNow(null);
        }
        if (after != null) {
          catchUp(after);
        } else {
          synchronized (this) {
            if (overflowed) {
              throw tooSlow();
            }
            catchingUp = false;
          }
        }
        List<Live> batch = new ArrayList<>(BATCH);
        List<String> texts = new ArrayList<>(BATCH);
        while (!closed) {
          // What has piled up goes out together (the connection writes it in one go), then the
          // last of it is waited for: at most BATCH messages in flight per client.
          batch.add(queue.take());
          if (!limits.linger().isZero() && queue.size() < BATCH - 1) {
            java.util.concurrent.locks.LockSupport.parkNanos(limits.linger().toNanos());
          }
          queue.drainTo(batch, BATCH - 1);
          long last = lastSent;
          for (Live live : batch) {
            if (live == END) {
              throw new Closed();
            }
            if (live.id() > last) {
              texts.add(live.json());
              last = live.id();
            }
          }
          batch.clear();
          sendAndWait(texts);
          texts.clear();
          lastSent = last;
        }
      } catch (Closed | InterruptedException e) {
        // closed by the hub, the client or the network
      } catch (ExecutionException e) {
        // a send failed: the connection is gone
        drop(0, null);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "an event stream client failed: " + e.getMessage());
        drop(1011, "the server failed to read the events");
      } finally {
        if (!closed) {
          drop(0, null);
        }
        int code;
        String reason;
        synchronized (this) {
          code = closeCode;
          reason = closeReason;
        }
        if (code != 0) {
          sink.close(code, reason);
        }
      }
    }

    private Closed tooSlow() {
      drop(TOO_SLOW, "too slow: fell behind while catching up; resume after your last id");
      return new Closed();
    }

    /** Reads what was missed from the store, then turns live (see the class comment). */
    private void catchUp(long after) throws Closed, InterruptedException, ExecutionException {
      // The newest first: an event appended between the two reads then cannot leave "latest" set
      // and "oldest" empty (the newest event is never deleted, so an oldest exists after it).
      OptionalLong latest = store.latestId();
      OptionalLong oldest = store.oldestId();
      boolean behind =
          latest.isEmpty()
              ? after > 0
              : after > latest.getAsLong() || after < oldest.getAsLong() - 1;
      if (behind) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("after", after);
        if (latest.isPresent()) {
          data.put("oldest", oldest.getAsLong());
          data.put("latest", latest.getAsLong());
        } else {
          data.putNull("oldest");
          data.putNull("latest");
        }
        data.put(
            "reason",
            latest.isPresent() && after <= latest.getAsLong()
                ? "the events after " + after + " are no longer kept"
                : "no event " + after + " was ever kept here");
        sendAndWait(
            EventJson.notice(
                EventJson.stored(
                    ServerEvent.of(
                        "stream.reset", clock.instant(), null, null, null, null, data))));
        drop(TOO_FAR_BEHIND, "too far behind: read the state afresh, then connect without after");
        throw new Closed();
      }
      lastSent = after;
      while (true) {
        synchronized (this) {
          overflowed = false;
        }
        List<StoredEvent> page = store.after(lastSent, filter, limits.replayPage());
        for (StoredEvent e : page) {
          sendAndWait(EventJson.write(e));
          lastSent = e.id();
        }
        if (page.size() < limits.replayPage()) {
          synchronized (this) {
            if (!overflowed) {
              catchingUp = false;
              return;
            }
          }
        }
      }
    }

    private void sendAndWait(String text) throws Closed, InterruptedException, ExecutionException {
      sendAndWait(List.of(text));
    }

    /** Sends these in order and waits until the last is sent (or one failed). */
    private void sendAndWait(List<String> texts)
        throws Closed, InterruptedException, ExecutionException {
      if (closed) {
        throw new Closed();
      }
      if (texts.isEmpty()) {
        return;
      }
      CompletableFuture<Void> sent = new CompletableFuture<>();
      Runnable nothing = () -> {};
      for (int i = 0; i < texts.size(); i++) {
        boolean last = i == texts.size() - 1;
        sink.send(
            texts.get(i), last ? () -> sent.complete(null) : nothing, sent::completeExceptionally);
      }
      try {
        CompletableFuture.anyOf(sent, ended)
            .get(limits.sendTimeout().toNanos(), TimeUnit.NANOSECONDS);
        if (!sent.isDone()) {
          throw new Closed();
        }
        sent.get();
      } catch (TimeoutException e) {
        drop(
            TOO_SLOW,
            "too slow: a message was not taken within "
                + limits.sendTimeout().toSeconds()
                + " s; resume after your last id");
        throw new Closed();
      }
    }
  }
}
