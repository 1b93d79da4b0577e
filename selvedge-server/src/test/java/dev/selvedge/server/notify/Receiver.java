package dev.selvedge.server.notify;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * A webhook for tests: an HTTP server on 127.0.0.1 (an ephemeral port) keeping every request's body
 * and headers, answering the statuses queued ({@code 200} when none), or holding every request
 * until released ({@link #hang()}).
 */
public final class Receiver implements AutoCloseable {
  /** One request received. */
  public record Request(String path, Map<String, List<String>> headers, String body) {}

  private final HttpServer server;
  private final List<Request> requests = new ArrayList<>();
  private final Deque<Integer> answers = new ArrayDeque<>();
  private volatile CountDownLatch hold;

  public Receiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          int status;
          synchronized (this) {
            requests.add(new Request(ex.getRequestURI().getPath(), ex.getRequestHeaders(), body));
            Integer next = answers.poll();
            status = next == null ? 200 : next;
            notifyAll();
          }
          CountDownLatch h = hold;
          if (h != null) {
            try {
              h.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          byte[] out = "ok".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(status, out.length);
          ex.getResponseBody().write(out);
          ex.close();
        });
    server.start();
  }

  /** The URL of {@code path} on this receiver. */
  public URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  /** Answers these statuses to the next requests, in order. */
  public synchronized Receiver answer(Integer... statuses) {
    answers.addAll(List.of(statuses));
    return this;
  }

  /** Holds every request from now on until {@link #release()}. */
  public Receiver hang() {
    hold = new CountDownLatch(1);
    return this;
  }

  public void release() {
    CountDownLatch h = hold;
    if (h != null) {
      h.countDown();
    }
  }

  public synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Waits (20 s at most) until at least {@code n} requests came; them. */
  public synchronized List<Request> await(int n) throws InterruptedException {
    long end = System.nanoTime() + 20_000_000_000L;
    while (requests.size() < n) {
      long left = (end - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new AssertionError("expected " + n + " requests, got " + requests);
      }
      wait(left);
    }
    return List.copyOf(requests);
  }

  /** Waits (20 s at most) until {@code condition} holds. */
  public static void until(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + 20_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("waited 20 s for " + what);
      }
      Thread.sleep(5);
    }
  }

  @Override
  public void close() {
    release();
    server.stop(0);
  }
}
