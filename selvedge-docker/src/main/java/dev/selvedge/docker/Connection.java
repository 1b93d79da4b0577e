package dev.selvedge.docker;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/** One open byte stream to an engine, from {@link Transport#open}. Not thread-safe. */
public interface Connection extends Closeable {

  InputStream input();

  OutputStream output();

  /**
   * Bounds every following read: one that blocks longer throws {@link
   * java.net.SocketTimeoutException} (or another {@link java.io.InterruptedIOException}). The HTTP
   * client sets it before each read from what is left of a call's deadline.
   */
  void readTimeout(Duration timeout) throws IOException;

  /**
   * What the far side said about a failure, for messages: the stderr of {@code docker system
   * dial-stdio} for SSH; empty for sockets.
   */
  default String failureDetail() {
    return "";
  }

  /**
   * Whether it may carry another request: false once a read deadline closed it (or is closing it).
   * The HTTP client neither keeps nor hands out a connection that is not.
   */
  default boolean usable() {
    return true;
  }

  /** Closes the stream; never throws. */
  @Override
  void close();
}
