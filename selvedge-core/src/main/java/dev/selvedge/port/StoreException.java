package dev.selvedge.port;

import dev.selvedge.SelvedgeException;

/**
 * The store could not do what was asked (unreachable, refused, timed out): the message names the
 * store (never its password) and what failed. The server answers it with 503.
 */
public class StoreException extends SelvedgeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
