package dev.selvedge.port;

import dev.selvedge.SelvedgeException;

/**
 * A host's files could not be read: the host is unreachable, or a file exists but is unreadable.
 */
public class RemoteHostException extends SelvedgeException {
  private static final long serialVersionUID = 1L;

  private final String host;

  public RemoteHostException(String host, String message, Throwable cause) {
    super(host + ": " + message, cause);
    this.host = host;
  }

  /** The host as {@link RemoteHost#name()} gives it. */
  public String host() {
    return host;
  }
}
