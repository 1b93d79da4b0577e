package dev.selvedge.port;

import dev.selvedge.SelvedgeException;

/**
 * The engine could not be reached: socket missing, connection refused, TLS or SSH failure. The
 * message names the endpoint and says what to do.
 */
public class EngineUnreachableException extends SelvedgeException {
  private static final long serialVersionUID = 1L;

  private final String endpoint;
  private final String reason;

  public EngineUnreachableException(String endpoint, String message, Throwable cause) {
    super(endpoint + ": " + message, cause);
    this.endpoint = endpoint;
    this.reason = message;
  }

  public String endpoint() {
    return endpoint;
  }

  /** The message without the endpoint, for a message that names the host its own way. */
  public String reason() {
    return reason;
  }
}
