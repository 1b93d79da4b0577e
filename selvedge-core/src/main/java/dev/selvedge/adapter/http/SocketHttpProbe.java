package dev.selvedge.adapter.http;

import dev.selvedge.port.HttpProbe;
import dev.selvedge.port.ProbeResult;
import dev.selvedge.port.ProbeResult.FailureKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * {@link HttpProbe} on plain blocking sockets: one {@code GET} over HTTP/1.1 with {@code
 * Connection: close}, redirects followed up to five times (never from https to http), and one
 * deadline for the whole exchange — connect, headers and body.
 *
 * <p>The status is the answer; the body is read up to {@link #DEFAULT_MAX_BODY} bytes. A longer
 * body is not read at all (a cut JSON document is not the document): reading stops as soon as the
 * length is known to be over, so an endless stream (chunked, server-sent events, close-delimited)
 * ends the read there, and a body still incomplete at the deadline is given up as unread, not as a
 * timeout, since the status has arrived.
 *
 * <p>Not the JDK's {@code HttpClient}: a readback is one small request per service, and the
 * client's selector thread and class graph cost more than the requests themselves (about 200 ms per
 * CLI run, 50 ms warm, for 50 services). Certificates are verified against the JDK's trust store
 * with hostname checking; there is no switch to turn that off.
 */
public final class SocketHttpProbe implements HttpProbe, AutoCloseable {
  /** Bodies are read up to 1 MiB; a longer one is not read. */
  public static final int DEFAULT_MAX_BODY = 1 << 20;

  private static final int MAX_HEADER = 64 * 1024;
  private static final int MAX_REDIRECTS = 5;

  private final int maxBody;

  public SocketHttpProbe() {
    this(DEFAULT_MAX_BODY);
  }

  /**
   * A probe that reads bodies of at most {@code maxBody} bytes; 0 reads no body at all, so the
   * answer is complete once the headers are in (for a caller that wants the status only).
   */
  public SocketHttpProbe(int maxBody) {
    if (maxBody < 0) {
      throw new IllegalArgumentException("maxBody must not be negative");
    }
    this.maxBody = maxBody;
  }

  @Override
  public ProbeResult get(URI uri, Duration timeout) {
    check(uri);
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("a probe needs a positive timeout");
    }
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    URI current = uri;
    try {
      for (int hop = 0; ; hop++) {
        Response r = exchange(current, deadline, timeout);
        if (r.location() != null && hop < MAX_REDIRECTS && isRedirect(r.status())) {
          URI next = current.resolve(r.location());
          boolean downgrade =
              "https".equalsIgnoreCase(current.getScheme())
                  && !"https".equalsIgnoreCase(next.getScheme());
          if (!downgrade && next.getHost() != null) {
            current = next;
            continue;
          }
        }
        return new ProbeResult.Answered(r.status(), r.body(), r.unread(), since(start));
      }
    } catch (IOException | RuntimeException e) {
      return new ProbeResult.Failed(classify(e), detail(current, e), since(start));
    }
  }

  private record Response(int status, String location, String body, String unread) {}

  private Response exchange(URI uri, long deadline, Duration timeout) throws IOException {
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    String host = uri.getHost();
    int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
    InetAddress address = InetAddress.getByName(host);
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), remainingMillis(deadline, timeout));
      Socket channel = socket;
      if (tls) {
        SSLSocket ssl =
            (SSLSocket)
                ((SSLSocketFactory) SSLSocketFactory.getDefault())
                    .createSocket(socket, host, port, true);
        SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        if (!host.isEmpty() && !Character.isDigit(host.charAt(0)) && !host.contains(":")) {
          params.setServerNames(List.of(new SNIHostName(host)));
        }
        ssl.setSSLParameters(params);
        ssl.setSoTimeout(remainingMillis(deadline, timeout));
        ssl.startHandshake();
        channel = ssl;
      }
      String target =
          uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      if (uri.getRawQuery() != null) {
        target += "?" + uri.getRawQuery();
      }
      String hostHeader = uri.getPort() >= 0 ? host + ":" + port : host;
      OutputStream out = channel.getOutputStream();
      out.write(
          ("GET "
                  + target
                  + " HTTP/1.1\r\nHost: "
                  + hostHeader
                  + "\r\nAccept: application/json, text/plain;q=0.9, */*;q=0.1"
                  + "\r\nUser-Agent: selvedge-probe\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return read(new Deadlined(channel, deadline, timeout));
    }
  }

  private Response read(Deadlined in) throws IOException {
    String statusLine = in.line();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP answer");
    }
    int status;
    try {
      status = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP status: " + parts[1], e);
    }
    long length = -1;
    boolean chunked = false;
    String location = null;
    for (String h = in.line(); !h.isEmpty(); h = in.line()) {
      int colon = h.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "location" -> location = value;
        default -> {}
      }
    }
    // RFC 9112, section 6.3: these answers never have a body, whatever their headers say.
    if (status < 200 || status == 204 || status == 304) {
      return new Response(status, location, "", "");
    }
    String overLimit = "body over the limit (" + maxBody + " bytes), not read";
    if (maxBody == 0) {
      return new Response(status, location, "", length == 0 ? "" : overLimit);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    boolean whole;
    try {
      whole = chunked ? in.chunks(body, maxBody) : in.copy(body, length, maxBody);
    } catch (SocketTimeoutException e) {
      return new Response(
          status,
          location,
          "",
          "body not complete within the timeout (" + in.timeout.toMillis() + " ms), not read");
    }
    return whole
        ? new Response(status, location, body.toString(StandardCharsets.UTF_8), "")
        : new Response(status, location, "", overLimit);
  }

  private static long chunkSize(String line) throws IOException {
    int semi = line.indexOf(';');
    try {
      return Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
    } catch (NumberFormatException e) {
      throw new IOException("bad chunk size", e);
    }
  }

  /**
   * Reads through its own buffer, with the time left before the deadline as the socket timeout of
   * every read from the socket. The head is parsed from the buffer a byte at a time; the socket is
   * read a buffer at a time (setting the timeout per byte cost more than the requests).
   */
  private static final class Deadlined {
    private final Socket socket;
    private final InputStream in;
    private final long deadline;
    private final Duration timeout;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int limit;

    Deadlined(Socket socket, long deadline, Duration timeout) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.deadline = deadline;
      this.timeout = timeout;
    }

    /** Refills the buffer; false at the end of the stream. */
    private boolean fill() throws IOException {
      socket.setSoTimeout(remainingMillis(deadline, timeout));
      int n = in.read(buf, 0, buf.length);
      if (n <= 0) {
        return false;
      }
      pos = 0;
      limit = n;
      return true;
    }

    String line() throws IOException {
      StringBuilder sb = new StringBuilder(64);
      while (true) {
        if (pos == limit && !fill()) {
          if (sb.isEmpty()) {
            throw new IOException("connection closed before the answer was complete");
          }
          return sb.toString();
        }
        int start = pos;
        while (pos < limit && buf[pos] != '\n') {
          pos++;
        }
        int end = pos;
        boolean eol = pos < limit;
        if (eol) {
          pos++; // the newline
        }
        for (int i = start; i < end; i++) {
          if (buf[i] != '\r') {
            if (sb.length() >= MAX_HEADER) {
              throw new IOException("answer header longer than " + MAX_HEADER + " bytes");
            }
            sb.append((char) (buf[i] & 0xff));
          }
        }
        if (eol) {
          return sb.toString();
        }
      }
    }

    /**
     * Copies {@code length} bytes (all until close when negative) while {@code out} holds at most
     * {@code keep}; false, with the rest left unread, as soon as the body is known to be longer.
     */
    boolean copy(ByteArrayOutputStream out, long length, int keep) throws IOException {
      if (length > keep - out.size()) {
        return false;
      }
      long left = length < 0 ? Long.MAX_VALUE : length;
      while (left > 0) {
        if (pos == limit && !fill()) {
          if (length >= 0) {
            throw new IOException("connection closed before the body was complete");
          }
          return true;
        }
        int n = (int) Math.min(limit - pos, left);
        if (n > keep - out.size()) {
          return false;
        }
        out.write(buf, pos, n);
        pos += n;
        left -= n;
      }
      return true;
    }

    /** A chunked body, as {@link #copy}: false as soon as it is known to be over {@code keep}. */
    boolean chunks(ByteArrayOutputStream out, int keep) throws IOException {
      for (long size = chunkSize(line()); size > 0; size = chunkSize(line())) {
        if (!copy(out, size, keep)) {
          return false;
        }
        line();
      }
      return true;
    }
  }

  private static int remainingMillis(long deadline, Duration timeout)
      throws SocketTimeoutException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new SocketTimeoutException("no answer within " + timeout);
    }
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000));
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  /**
   * The failure kind of a transport exception, from its whole cause chain: timeouts first (a
   * connect timeout is also a ConnectException), then name resolution, certificate verification,
   * refusal, anything else.
   */
  static FailureKind classify(Throwable t) {
    if (has(t, SocketTimeoutException.class) || has(t, TimeoutException.class)) {
      return FailureKind.TIMEOUT;
    }
    if (has(t, UnknownHostException.class) || has(t, UnresolvedAddressException.class)) {
      return FailureKind.DNS_FAILED;
    }
    if (has(t, CertificateException.class) || has(t, SSLPeerUnverifiedException.class)) {
      return FailureKind.TLS_VERIFY_FAILED;
    }
    if (has(t, SSLHandshakeException.class) && mentionsCertificate(t)) {
      return FailureKind.TLS_VERIFY_FAILED;
    }
    if (has(t, NoRouteToHostException.class)) {
      return FailureKind.IO_ERROR;
    }
    if (has(t, ConnectException.class)) {
      return FailureKind.CONNECTION_REFUSED;
    }
    return FailureKind.IO_ERROR;
  }

  private static boolean has(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private static boolean mentionsCertificate(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
      if (m.contains("certificate") || m.contains("pkix")) {
        return true;
      }
    }
    return false;
  }

  private static String detail(URI uri, Throwable cause) {
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    String what = root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    return authority(uri) + ": " + what;
  }

  /** Host and port only: the path or query of a URL may carry a token. */
  private static String authority(URI uri) {
    int port = uri.getPort();
    return uri.getHost() + (port < 0 ? "" : ":" + port);
  }

  private static void check(URI uri) {
    if (uri == null
        || !uri.isAbsolute()
        || uri.getHost() == null
        || !("http".equalsIgnoreCase(uri.getScheme())
            || "https".equalsIgnoreCase(uri.getScheme()))) {
      throw new IllegalArgumentException("a probe needs an absolute http or https URL with a host");
    }
  }

  private static Duration since(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** Nothing to release: every probe opens and closes its own socket. */
  @Override
  public void close() {}
}
