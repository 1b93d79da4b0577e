package dev.selvedge.docker;

import dev.selvedge.port.EngineUnreachableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A minimal HTTP/1.1 client over a {@link Transport}: one request per round trip, idle connections
 * kept for the next request (keep-alive), every call bounded by a deadline. Enough for the Docker
 * Engine API and no more: no redirects, no compression, no pipelining.
 *
 * <p>Thread-safe: concurrent calls each borrow their own connection.
 */
final class EngineHttp implements AutoCloseable {
  static final int MAX_BODY = 64 << 20;

  private final Transport transport;
  private final Duration connectTimeout;
  private final int maxIdle;
  private final String hostHeader;
  private final String userAgent;
  private final Deque<Wire> idle = new ArrayDeque<>();
  private int briefInFlight; // brief reads holding (or opening) a connection
  private int waiting;
  private boolean closed;

  /**
   * @param maxIdle how many idle connections are kept for the next calls; more are closed
   */
  EngineHttp(
      Transport transport,
      Duration connectTimeout,
      int maxIdle,
      String hostHeader,
      String userAgent) {
    this.transport = transport;
    this.connectTimeout = connectTimeout;
    this.maxIdle = maxIdle;
    this.hostHeader = hostHeader;
    this.userAgent = userAgent;
  }

  String endpoint() {
    return transport.endpoint();
  }

  /** A response whose body was read whole. Header names are lower case. */
  record Response(int status, Map<String, String> headers, byte[] body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Reads a streamed body; may stop early (the connection is then not reused). */
  interface BodyReader<T> {
    T read(int status, Map<String, String> headers, InputStream body) throws IOException;
  }

  Response get(String target, Duration timeout) {
    return exchange("GET", target, Map.of(), null, null, timeout, READ_WHOLE);
  }

  /** A GET with extra request headers (registry credentials). */
  Response get(String target, Map<String, String> headers, Duration timeout) {
    return exchange("GET", target, headers, null, null, timeout, READ_WHOLE);
  }

  /** A request with an optional body (JSON for the API's write calls). */
  Response send(String method, String target, byte[] body, String contentType, Duration timeout) {
    return exchange(method, target, Map.of(), body, contentType, timeout, READ_WHOLE);
  }

  /** A GET whose body is handed to {@code reader} as it arrives. */
  <T> T stream(String target, Duration timeout, BodyReader<T> reader) {
    return exchange("GET", target, Map.of(), null, null, timeout, reader);
  }

  /**
   * A body-less request with extra headers whose answer is handed to {@code reader} as it arrives
   * (an image pull's progress).
   */
  <T> T stream(
      String method,
      String target,
      Map<String, String> headers,
      Duration timeout,
      BodyReader<T> reader) {
    return exchange(method, target, headers, null, null, timeout, reader);
  }

  private static Response readWhole(int status, Map<String, String> headers, InputStream body)
      throws IOException {
    return new Response(status, headers, ((Wire.Body) body).readAll(MAX_BODY));
  }

  private static final BodyReader<Response> READ_WHOLE = EngineHttp::readWhole;

  private <T> T exchange(
      String method,
      String target,
      Map<String, String> extraHeaders,
      byte[] body,
      String contentType,
      Duration timeout,
      BodyReader<T> reader) {
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] request = request(method, target, extraHeaders, body, contentType);
    // A read whose whole answer is taken at once holds its connection for moments only: worth
    // waiting for where connections are costly. Writes (a stop waits for the container) and
    // streams may hold theirs for long.
    boolean brief = method.equals("GET") && reader == READ_WHOLE;
    boolean retried = false;
    while (true) {
      Wire wire = borrow(brief, deadline);
      boolean reused = wire != null;
      if (wire == null) {
        long left = deadline - System.nanoTime();
        Duration connect = Duration.ofNanos(Math.max(1, Math.min(left, connectTimeout.toNanos())));
        try {
          wire = new Wire(transport.open(connect));
        } catch (EngineUnreachableException e) {
          finished(null, false, brief);
          if (System.nanoTime() - deadline >= 0) {
            throw new EngineUnreachableException(
                transport.endpoint(),
                "no complete answer from the engine within "
                    + seconds(timeout)
                    + ": it is overloaded or hung; try again or "
                    + EngineOptions.TIMEOUT_HINT,
                e);
          }
          throw e;
        }
      }
      boolean keep = false;
      boolean sent = false;
      try {
        wire.startRequest(deadline);
        wire.connection.output().write(request);
        wire.connection.output().flush();
        sent = true;
        String statusLine = wire.readLine();
        if (statusLine == null) {
          throw new ClosedBeforeAnswer();
        }
        int status = status(statusLine);
        Map<String, String> headers = headers(wire);
        Wire.Body responseBody = body(wire, method, status, headers);
        T result = reader.read(status, headers, responseBody);
        keep =
            responseBody.done
                && statusLine.startsWith("HTTP/1.1")
                && !"close".equalsIgnoreCase(headers.get("connection"));
        return result;
      } catch (IOException e) {
        // An idle connection the engine has since closed fails before any answer: retry once.
        // Only a request that is safe to repeat, or one that was not sent whole: a create or start
        // sent on a connection that then broke may have been carried out (the engine went away
        // while answering), and sent again it would fail on what the first one did.
        if (reused
            && !retried
            && (!sent || repeatable(method))
            && wire.bytesRead() == 0
            && !(e instanceof InterruptedIOException)
            && deadline - System.nanoTime() > 0) {
          retried = true;
          continue;
        }
        throw failure(reused ? e : tlsAlertBehind(e, wire), wire, timeout);
      } finally {
        finished(wire, keep, brief);
      }
    }
  }

  /** A method whose repetition does no more than its first run (RFC 9110, 9.2.2). */
  static boolean repeatable(String method) {
    return switch (method) {
      case "GET", "HEAD", "PUT", "DELETE", "OPTIONS" -> true;
      default -> false;
    };
  }

  private byte[] request(
      String method,
      String target,
      Map<String, String> extraHeaders,
      byte[] body,
      String contentType) {
    StringBuilder head = new StringBuilder(160);
    head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(hostHeader).append("\r\n");
    head.append("User-Agent: ").append(userAgent).append("\r\n");
    head.append("Accept: application/json\r\n");
    for (Map.Entry<String, String> h : extraHeaders.entrySet()) {
      if (h.getValue().indexOf('\r') >= 0 || h.getValue().indexOf('\n') >= 0) {
        throw new IllegalArgumentException("header " + h.getKey() + " holds a line break");
      }
      head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Type: ").append(contentType).append("\r\n");
      head.append("Content-Length: ").append(body.length).append("\r\n");
    } else if (!method.equals("GET") && !method.equals("HEAD")) {
      head.append("Content-Length: 0\r\n");
    }
    head.append("\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    if (body == null) {
      return headBytes;
    }
    // One write per request: no Nagle/delayed-ACK stall between head and body.
    byte[] all = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, all, 0, headBytes.length);
    System.arraycopy(body, 0, all, headBytes.length, body.length);
    return all;
  }

  private static int status(String line) throws IOException {
    // HTTP/1.1 200 OK
    if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
      throw new IOException("not an HTTP response: " + abbreviate(line));
    }
    try {
      return Integer.parseInt(line.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP status line: " + abbreviate(line));
    }
  }

  private static Map<String, String> headers(Wire wire) throws IOException {
    Map<String, String> headers = new HashMap<>();
    String line;
    while ((line = wire.readLine()) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IOException("malformed header line: " + abbreviate(line));
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      headers.merge(name, value, (a, b) -> a + ", " + b);
      if (headers.size() > 200) {
        throw new IOException("too many headers");
      }
    }
    if (line == null) {
      throw new IOException("connection closed in the response headers");
    }
    return headers;
  }

  private static Wire.Body body(Wire wire, String method, int status, Map<String, String> headers)
      throws IOException {
    if (method.equals("HEAD") || status == 204 || status == 304 || status / 100 == 1) {
      return wire.fixed(0);
    }
    String encoding = headers.get("transfer-encoding");
    if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
      return wire.chunked();
    }
    String length = headers.get("content-length");
    if (length != null) {
      try {
        return wire.fixed(Long.parseLong(length.trim()));
      } catch (NumberFormatException e) {
        throw new IOException("bad Content-Length " + length);
      }
    }
    Wire.Body rest = wire.untilEnd();
    return rest;
  }

  /**
   * With TLS 1.3 an engine rejects a client certificate after the handshake: the first write then
   * fails with a broken pipe while the alert that says why waits unread. Read it.
   */
  private IOException tlsAlertBehind(IOException e, Wire wire) {
    if (e instanceof SSLException
        || !(transport instanceof TcpTransport tcp)
        || !tcp.tls()
        || wire.bytesRead() > 0) {
      return e;
    }
    try {
      wire.connection.readTimeout(Duration.ofMillis(200));
      wire.connection.input().read();
    } catch (SSLException alert) {
      return alert;
    } catch (IOException ignored) {
      // no alert: keep the original failure
    }
    return e;
  }

  private EngineUnreachableException failure(Exception e, Wire wire, Duration timeout) {
    String endpoint = transport.endpoint();
    if (e instanceof SSLException ssl) {
      Transport t = transport;
      return TcpTransport.tlsFailure(
          endpoint, t instanceof TcpTransport tcp ? tcp.certPath() : null, ssl);
    }
    String detail = wire.connection.failureDetail();
    String suffix = detail.isBlank() ? "" : " (" + detail.strip() + ")";
    if (e instanceof InterruptedIOException) {
      return new EngineUnreachableException(
          endpoint,
          "no complete answer from the engine within "
              + seconds(timeout)
              + suffix
              + ": it is overloaded or hung; try again or "
              + EngineOptions.TIMEOUT_HINT,
          e);
    }
    if (e instanceof ClosedBeforeAnswer) {
      return new EngineUnreachableException(
          endpoint, "the connection closed before the engine answered" + suffix, e);
    }
    return new EngineUnreachableException(
        endpoint, "connection to the engine failed: " + e.getMessage() + suffix, e);
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  /**
   * An idle connection, or null when the caller should open one. Where the transport prefers reuse,
   * a caller finding none idle while brief reads are in flight waits for one of theirs (within its
   * deadline) instead. A {@code brief} caller counts as in flight from here to {@link #finished}.
   */
  private synchronized Wire borrow(boolean brief, long deadline) {
    if (brief) {
      briefInFlight++;
    }
    boolean preferReuse = transport.preferReuse();
    while (true) {
      if (closed) {
        if (brief) {
          briefInFlight--;
        }
        throw new IllegalStateException("engine client is closed");
      }
      Wire wire = idle.pollFirst();
      // Others than this caller: a brief read counts itself in flight.
      int others = briefInFlight - (brief ? 1 : 0);
      long left = deadline - System.nanoTime();
      if (wire != null || !preferReuse || others <= 0 || left <= 0) {
        return wire;
      }
      waiting++;
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null; // opening on an interrupted thread fails at once, with the usual message
      } finally {
        waiting--;
      }
    }
  }

  /** Keeps {@code wire} for the next call when {@code keep} (else closes it); wakes any waiter. */
  private void finished(Wire wire, boolean keep, boolean brief) {
    synchronized (this) {
      if (brief) {
        briefInFlight--;
      }
      notifyAll();
      if (wire == null) {
        return;
      }
      if (keep && !closed && idle.size() < maxIdle && wire.connection.usable()) {
        idle.addFirst(wire);
        return;
      }
    }
    wire.connection.close();
  }

  /** Callers waiting for a connection to come back, for tests of reuse. */
  synchronized int waiting() {
    return waiting;
  }

  /** Number of idle connections kept, for tests of keep-alive. */
  synchronized int idleConnections() {
    return idle.size();
  }

  @Override
  public void close() {
    Deque<Wire> toClose;
    synchronized (this) {
      closed = true;
      notifyAll();
      toClose = new ArrayDeque<>(idle);
      idle.clear();
    }
    for (Wire wire : toClose) {
      wire.connection.close();
    }
  }

  /** The connection ended before a status line. */
  private static final class ClosedBeforeAnswer extends IOException {
    private static final long serialVersionUID = 1L;

    ClosedBeforeAnswer() {
      super("connection closed before the response");
    }
  }
}
