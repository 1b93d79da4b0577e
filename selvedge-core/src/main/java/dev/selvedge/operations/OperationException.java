package dev.selvedge.operations;

import dev.selvedge.SelvedgeException;

/**
 * An operation cannot be done as asked (a {@code build:} section, a missing external network, a
 * refused guard). The message says what and what to do; nothing was changed when it is thrown
 * before the first mutation, which is where these are thrown.
 */
public class OperationException extends SelvedgeException {
  private static final long serialVersionUID = 1L;

  public OperationException(String message) {
    super(message);
  }
}
