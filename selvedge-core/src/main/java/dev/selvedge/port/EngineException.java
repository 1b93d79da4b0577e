package dev.selvedge.port;

import dev.selvedge.SelvedgeException;

/** The engine answered with an error (HTTP status and its message). */
public class EngineException extends SelvedgeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public EngineException(String endpoint, int status, String message) {
    super(endpoint + ": engine answered " + status + ": " + message);
    this.status = status;
  }

  /** HTTP status code; 404 means no such container or image. */
  public int status() {
    return status;
  }
}
