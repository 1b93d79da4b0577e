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
   * The server answered: its status is known, and its body when the probe could read it whole.
   *
   * @param status the HTTP status code
   * @param body the body decoded as UTF-8; empty when not read
   * @param unread empty when the body was read whole; else why it was not, for people (e.g. {@code
   *     body over the limit (1048576 bytes), not read}). A partial body is never given: it would
   *     read as a document without the values it was cut before
   */
  record Answered(int status, String body, String unread, Duration elapsed) implements ProbeResult {
    public Answered {
      if (status < 100 || status > 999) {
        throw new IllegalArgumentException("HTTP status " + status + " is out of range");
      }
      body = body == null ? "" : body;
      unread = unread == null ? "" : unread;
      Objects.requireNonNull(elapsed, "elapsed");
    }

    /** An answer whose body was read whole. */
    public Answered(int status, String body, Duration elapsed) {
      this(status, body, "", elapsed);
    }

    /** A 2xx status. */
    public boolean ok() {
      return status >= 200 && status < 300;
    }

    /** Whether {@link #body} is the whole body. */
    public boolean bodyRead() {
      return unread.isEmpty();
    }

    @Override
    public String toString() {
      return "Answered[status="
          + status
          + ", body="
          + body.length()
          + " chars"
          + (unread.isEmpty() ? "" : ", " + unread)
          + ", elapsed="
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
