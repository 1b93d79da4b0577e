package dev.selvedge.docker;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An HTTP/1.1 server on a real loopback socket (or a unix domain socket) that answers each request
 * line with what the test says: raw bytes, so framing (chunked, Content-Length, close) is exactly
 * the test's.
 */
final class FakeEngine implements AutoCloseable {
  /** What to send for a request, and whether to close the connection afterwards. */
  record Reply(byte[] bytes, boolean close) {
    static Reply of(String raw) {
      return new Reply(raw.getBytes(StandardCharsets.ISO_8859_1), false);
    }

    static Reply closing(String raw) {
      return new Reply(raw.getBytes(StandardCharsets.ISO_8859_1), true);
    }

    /** Reads the request and never answers. */
    static Reply silence() {
      return new Reply(null, false);
    }
  }

  private final ServerSocket server; // tcp, else null
  private final ServerSocketChannel unix; // unix, else null
  private final Path socket;
  private final Function<String, Reply> handler;
  final AtomicInteger connections = new AtomicInteger();
  final List<String> requests = new CopyOnWriteArrayList<>();
  final List<String> headers = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  FakeEngine(Function<String, Reply> handler) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.unix = null;
    this.socket = null;
    this.handler = handler;
    this.acceptor = Thread.ofVirtual().start(this::accept);
  }

  /** The same on a unix domain socket at {@code socket}. */
  FakeEngine(Path socket, Function<String, Reply> handler) throws IOException {
    this.server = null;
    this.unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    this.unix.bind(UnixDomainSocketAddress.of(socket));
    this.socket = socket;
    this.handler = handler;
    this.acceptor = Thread.ofVirtual().start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  String host() {
    return socket != null ? "unix://" + socket : "tcp://127.0.0.1:" + port();
  }

  private void accept() {
    while (server != null ? !server.isClosed() : unix.isOpen()) {
      try {
        if (server != null) {
          Socket s = server.accept();
          connections.incrementAndGet();
          InputStream i = s.getInputStream();
          OutputStream o = s.getOutputStream();
          Thread.ofVirtual().start(() -> serve(s, i, o));
        } else {
          SocketChannel c = unix.accept();
          connections.incrementAndGet();
          Thread.ofVirtual()
              .start(() -> serve(c, Channels.newInputStream(c), Channels.newOutputStream(c)));
        }
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Closeable s, InputStream input, OutputStream out) {
    try (s) {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(input, StandardCharsets.ISO_8859_1));
      String line;
      while ((line = in.readLine()) != null) {
        String h;
        while ((h = in.readLine()) != null && !h.isEmpty()) {
          headers.add(h);
        }
        requests.add(line);
        Reply reply = handler.apply(line);
        if (reply.bytes() == null) {
          Thread.sleep(60_000);
          return;
        }
        out.write(reply.bytes());
        out.flush();
        if (reply.close()) {
          return;
        }
      }
    } catch (IOException | InterruptedException e) {
      // the client went away
    }
  }

  static String json(int status, String body) {
    return "HTTP/1.1 "
        + status
        + " X\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length
        + "\r\n\r\n"
        + body;
  }

  static String chunked(int status, String... chunks) {
    StringBuilder b =
        new StringBuilder("HTTP/1.1 " + status + " X\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (String c : chunks) {
      b.append(Integer.toHexString(c.length())).append(";ext=1\r\n").append(c).append("\r\n");
    }
    return b.append("0\r\nX-Trailer: t\r\n\r\n").toString();
  }

  @Override
  public void close() throws IOException {
    if (server != null) {
      server.close();
    } else {
      unix.close();
    }
    acceptor.interrupt();
  }
}
