package dev.selvedge.port;

import dev.selvedge.SelvedgeException;

/**
 * The engine could not be reached: socket missing, connection refused, TLS or SSH failure. The
 * message names the endpoint and says what to do.
 */
public class EngineUnreachableException extends SelvedgeException {
  private static final long serialVersionUID = 1L;

  private final String endpoint;

  public EngineUnreachableException(String endpoint, String message, Throwable cause) {
    super(endpoint + ": " + message, cause);
    this.endpoint = endpoint;
  }

  public String endpoint() {
    return endpoint;
  }
}
