package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.json.TreeJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client of the event stream on the JDK's WebSocket, with the key in the upgrade's {@code
 * Authorization} header. A reading client asks for every message; a stalled one takes the first and
 * then no more (the JDK client then stops reading its socket), as a client that stopped.
 */
public final class EventClient implements WebSocket.Listener, AutoCloseable {
  /** How long a test waits for what it expects before it fails. */
  static final Duration PATIENCE = Duration.ofSeconds(30);

  private final LinkedBlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
  private final CompletableFuture<int[]> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private final boolean stalled;
  public volatile String closeReason;
  private WebSocket socket;

  private EventClient(boolean stalled) {
    this.stalled = stalled;
  }

  static EventClient connect(int port, String query, String token) {
    return connect(port, query, token, false);
  }

  static EventClient connect(int port, String query, String token, boolean stalled) {
    return connect(port, query, Map.of("Authorization", "Bearer " + token), stalled);
  }

  /** A client sending {@code headers} on its upgrade (a browser's Cookie and Origin). */
  public static EventClient connect(int port, String query, Map<String, String> headers) {
    return connect(port, query, headers, false);
  }

  private static EventClient connect(
      int port, String query, Map<String, String> headers, boolean stalled) {
    EventClient c = new EventClient(stalled);
    WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
    headers.forEach(b::header);
    c.socket =
        b.buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/v1/events" + query), c)
            .orTimeout(PATIENCE.toSeconds(), TimeUnit.SECONDS)
            .join();
    return c;
  }

  /** A stalled client starts reading again, everything. */
  void resume() {
    socket.request(Long.MAX_VALUE);
  }

  void send(String text) {
    socket.sendText(text, true).join();
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      try {
        messages.add(TreeJson.readFirst(partial.toString()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      partial.setLength(0);
      if (stalled) {
        return null; // no more demand: the socket is no longer read
      }
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closeReason = reason;
    closed.complete(new int[] {statusCode});
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.complete(new int[] {-1});
  }

  /** The next message; fails after {@link #PATIENCE}. */
  public JsonNode next() {
    try {
      JsonNode m = messages.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      if (m == null) {
        throw new AssertionError("no message within " + PATIENCE);
      }
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The next {@code n} messages. */
  List<JsonNode> next(int n) {
    List<JsonNode> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(next());
    }
    return out;
  }

  /** Messages received and not yet taken. */
  List<JsonNode> drain() {
    List<JsonNode> out = new ArrayList<>();
    messages.drainTo(out);
    return out;
  }

  /** The close code the server sent; fails when it did not close within {@link #PATIENCE}. */
  public int closeCode() {
    return closed.orTimeout(PATIENCE.toSeconds(), TimeUnit.SECONDS).join()[0];
  }

  boolean isClosed() {
    return closed.isDone();
  }

  @Override
  public void close() {
    if (!socket.isOutputClosed()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }
    socket.abort();
  }

  // ------------------------------------------------------------------- by hand

  public record Raw(int status, String headers, String body) {}

  /**
   * An upgrade request by hand (checked against the OpenAPI document), to see the status and body
   * of a refusal.
   */
  static Raw upgrade(int port, String query, String authorization) throws IOException {
    return upgradeWith(
        port,
        query,
        authorization == null ? List.of() : List.of("Authorization: " + authorization));
  }

  /** An upgrade by hand with these header lines ({@code Name: value}). */
  public static Raw upgradeWith(int port, String query, List<String> headerLines)
      throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout((int) EventClient.PATIENCE.toMillis());
      OutputStream out = s.getOutputStream();
      String req =
          "GET /api/v1/events"
              + query
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
              + String.join("", headerLines.stream().map(h -> h + "\r\n").toList())
              + "\r\n";
      out.write(req.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String head = readHead(in);
      int status = Integer.parseInt(head.substring(9, 12));
      Map<String, String> headers = new LinkedHashMap<>();
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          headers.put(
              line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
      }
      String body = "";
      if (status != 101 && headers.containsKey("content-length")) {
        body =
            new String(
                in.readNBytes(Integer.parseInt(headers.get("content-length"))),
                StandardCharsets.UTF_8);
      }
      if (status != 101) {
        assertThat(
                OpenApiCheck.problems("/api/v1/events", status, headers.get("content-type"), body))
            .as("%d %s", status, body)
            .isEmpty();
      }
      return new Raw(status, head, body);
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : 0;
    }
    return head.toString(StandardCharsets.US_ASCII);
  }
}
