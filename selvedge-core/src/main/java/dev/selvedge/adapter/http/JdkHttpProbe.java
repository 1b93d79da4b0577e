package dev.selvedge.adapter.http;

import dev.selvedge.port.HttpProbe;
import dev.selvedge.port.ProbeResult;
import dev.selvedge.port.ProbeResult.FailureKind;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * {@link HttpProbe} on the JDK's {@link HttpClient}: HTTP/1.1, redirects followed as browsers do
 * (the JDK stops after five, never from https to http), the body cut at {@link #DEFAULT_MAX_BODY}
 * bytes, and one deadline for the whole exchange — connect, headers and body.
 *
 * <p>Certificates are verified against the JDK's trust store; there is no switch to turn that off.
 */
public final class JdkHttpProbe implements HttpProbe, AutoCloseable {
  /** Bodies are read up to 1 MiB; the rest is discarded. */
  public static final int DEFAULT_MAX_BODY = 1 << 20;

  private final HttpClient client;
  private final int maxBody;

  public JdkHttpProbe() {
    this(DEFAULT_MAX_BODY);
  }

  /** A probe that keeps at most {@code maxBody} bytes of each body. */
  public JdkHttpProbe(int maxBody) {
    if (maxBody < 0) {
      throw new IllegalArgumentException("maxBody must not be negative");
    }
    this.maxBody = maxBody;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  @Override
  public ProbeResult get(URI uri, Duration timeout) {
    check(uri);
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("a probe needs a positive timeout");
    }
    long start = System.nanoTime();
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .GET()
            .timeout(timeout)
            .header("Accept", "application/json, text/plain;q=0.9, */*;q=0.1")
            .header("User-Agent", "selvedge-probe")
            .build();
    CompletableFuture<HttpResponse<byte[]>> exchange =
        client.sendAsync(request, info -> new Bounded(maxBody));
    try {
      // The request timeout covers the wait for headers only; this deadline also covers the body.
      HttpResponse<byte[]> response =
          exchange.get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
      return new ProbeResult.Answered(
          response.statusCode(), new String(response.body(), StandardCharsets.UTF_8), since(start));
    } catch (TimeoutException e) {
      exchange.cancel(true);
      return new ProbeResult.Failed(
          FailureKind.TIMEOUT,
          "no answer from " + authority(uri) + " within " + timeout,
          since(start));
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      return new ProbeResult.Failed(FailureKind.IO_ERROR, "interrupted", since(start));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return new ProbeResult.Failed(classify(cause), detail(uri, cause), since(start));
    }
  }

  /**
   * The failure kind of a transport exception, from its whole cause chain: timeouts first (a
   * connect timeout is also a ConnectException), then name resolution, certificate verification,
   * refusal, anything else.
   */
  static FailureKind classify(Throwable t) {
    if (has(t, HttpTimeoutException.class)
        || has(t, SocketTimeoutException.class)
        || has(t, TimeoutException.class)) {
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

  @Override
  public void close() {
    client.close();
  }

  /** Keeps the first {@code limit} bytes of the body and drops the rest while draining it. */
  private static final class Bounded implements HttpResponse.BodySubscriber<byte[]> {
    private final int limit;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    Bounded(int limit) {
      this.limit = limit;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer b : items) {
        int room = limit - out.size();
        int n = Math.min(room, b.remaining());
        if (n > 0) {
          byte[] chunk = new byte[n];
          b.get(chunk);
          out.write(chunk, 0, n);
        }
      }
      if (out.size() >= limit) {
        // Enough read: complete now and stop the transfer rather than pulling the rest.
        result.complete(out.toByteArray());
        subscription.cancel();
      } else {
        subscription.request(1);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(out.toByteArray());
    }
  }
}
