package dev.selvedge;

/**
 * Root of every exception Selvedge raises on purpose. Messages are written for the person running
 * the tool: they name the file, key or host and say what to do.
 */
public class SelvedgeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SelvedgeException(String message) {
    super(message);
  }

  public SelvedgeException(String message, Throwable cause) {
    super(message, cause);
  }
}
