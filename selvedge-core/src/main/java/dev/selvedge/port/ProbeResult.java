package dev.selvedge.port;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * What an {@link HttpProbe} got: an HTTP answer (any status), or a classified transport failure.
 */
public sealed interface ProbeResult {

  /** How long the probe took, until the answer was read or the failure known. */
  Duration elapsed();

  /**
   * The server answered. {@code body} is decoded as UTF-8 and cut at the probe's size limit.
   *
   * @param status the HTTP status code
   */
  record Answered(int status, String body, Duration elapsed) implements ProbeResult {
    public Answered {
      if (status < 100 || status > 999) {
        throw new IllegalArgumentException("HTTP status " + status + " is out of range");
      }
      body = body == null ? "" : body;
      Objects.requireNonNull(elapsed, "elapsed");
    }

    /** A 2xx status. */
    public boolean ok() {
      return status >= 200 && status < 300;
    }

    @Override
    public String toString() {
      return "Answered[status="
          + status
          + ", body="
          + body.length()
          + " chars, elapsed="
          + elapsed
          + "]";
    }
  }

  /**
   * No HTTP answer: the transport failed before one arrived.
   *
   * @param detail a short description for people (the host, the exception's message); never a
   *     request or response body
   */
  record Failed(FailureKind kind, String detail, Duration elapsed) implements ProbeResult {
    public Failed {
      Objects.requireNonNull(kind, "kind");
      detail = detail == null ? "" : detail;
      Objects.requireNonNull(elapsed, "elapsed");
    }
  }

  /** Why no answer arrived. {@link #id()} is the wire name used in reports. */
  enum FailureKind {
    /** The host name did not resolve. */
    DNS_FAILED,
    /** Nothing listens on the port (the host actively refused). */
    CONNECTION_REFUSED,
    /** The TLS handshake failed because the server's certificate could not be verified. */
    TLS_VERIFY_FAILED,
    /** Connecting or waiting for the answer took longer than the timeout. */
    TIMEOUT,
    /** Any other transport failure (reset, protocol error, TLS error other than verification). */
    IO_ERROR;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
