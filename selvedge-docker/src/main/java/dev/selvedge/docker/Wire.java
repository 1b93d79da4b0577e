package dev.selvedge.docker;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The reading side of one HTTP/1.1 connection: a buffer that outlives a response (keep-alive), a
 * deadline that bounds every read, and the three ways a body is delimited (Content-Length, chunked,
 * end of stream).
 */
final class Wire {
  private static final int MAX_LINE = 64 * 1024;

  final Connection connection;
  private final byte[] buffer = new byte[16 * 1024];
  private int position;
  private int limit;
  private long deadline; // System.nanoTime() bound of the current call
  private long bytesRead; // since the current request was sent

  Wire(Connection connection) {
    this.connection = connection;
  }

  void startRequest(long deadlineNanos) {
    this.deadline = deadlineNanos;
    this.bytesRead = 0;
  }

  long bytesRead() {
    return bytesRead;
  }

  private boolean fill() throws IOException {
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) {
      throw new SocketTimeoutException("deadline passed");
    }
    connection.readTimeout(Duration.ofNanos(remaining));
    int n = connection.input().read(buffer, 0, buffer.length);
    if (n < 0) {
      return false;
    }
    position = 0;
    limit = n;
    bytesRead += n;
    return true;
  }

  /** A line without its CRLF (or LF); null at end of stream before any byte of it. */
  String readLine() throws IOException {
    ByteArrayOutputStream line = null;
    while (true) {
      if (position == limit && !fill()) {
        if (line == null) {
          return null;
        }
        throw new EOFException("connection closed in the middle of a line");
      }
      int start = position;
      while (position < limit && buffer[position] != '\n') {
        position++;
      }
      boolean found = position < limit;
      if (line == null) {
        line = new ByteArrayOutputStream(Math.max(64, position - start));
      }
      line.write(buffer, start, position - start);
      if (line.size() > MAX_LINE) {
        throw new IOException("HTTP line longer than " + MAX_LINE + " bytes");
      }
      if (found) {
        position++;
        byte[] bytes = line.toByteArray();
        int length = bytes.length;
        if (length > 0 && bytes[length - 1] == '\r') {
          length--;
        }
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
      }
    }
  }

  /** Up to {@code len} bytes; -1 at end of stream. */
  int read(byte[] b, int off, int len) throws IOException {
    if (position == limit && !fill()) {
      return -1;
    }
    int n = Math.min(len, limit - position);
    System.arraycopy(buffer, position, b, off, n);
    position += n;
    return n;
  }

  /** A body of known length. */
  Body fixed(long length) {
    return new Body() {
      long left = length;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left == 0) {
          done = true;
          return -1;
        }
        int n = Wire.this.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
          throw new EOFException("connection closed with " + left + " body bytes missing");
        }
        left -= n;
        if (left == 0) {
          done = true;
        }
        return n;
      }
    };
  }

  /** A {@code Transfer-Encoding: chunked} body. */
  Body chunked() {
    return new Body() {
      long left = 0;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (done) {
          return -1;
        }
        if (left == 0) {
          String size = readLine();
          if (size == null) {
            throw new EOFException("connection closed before the next chunk");
          }
          int semicolon = size.indexOf(';');
          String hex = (semicolon < 0 ? size : size.substring(0, semicolon)).trim();
          try {
            left = Long.parseLong(hex, 16);
          } catch (NumberFormatException e) {
            throw new IOException("bad chunk size " + hex);
          }
          if (left == 0) {
            String trailer;
            do {
              trailer = readLine();
            } while (trailer != null && !trailer.isEmpty());
            done = true;
            return -1;
          }
        }
        int n = Wire.this.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
          throw new EOFException("connection closed in the middle of a chunk");
        }
        left -= n;
        if (left == 0) {
          String end = readLine();
          if (end == null || !end.isEmpty()) {
            throw new IOException("chunk not followed by CRLF");
          }
        }
        return n;
      }
    };
  }

  /** A body that ends when the engine closes the connection. */
  Body untilEnd() {
    return new Body() {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = Wire.this.read(b, off, len);
        if (n < 0) {
          done = true;
        }
        return n;
      }
    };
  }

  /** A response body; {@code done} once it was read to its end, so the connection may be reused. */
  abstract static class Body extends InputStream {
    boolean done;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public abstract int read(byte[] b, int off, int len) throws IOException;

    /** The rest of the body, refusing more than {@code max} bytes. */
    byte[] readAll(int max) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      int n;
      while ((n = read(chunk, 0, chunk.length)) >= 0) {
        out.write(chunk, 0, n);
        if (out.size() > max) {
          throw new IOException("response larger than " + (max >> 20) + " MiB");
        }
      }
      return out.toByteArray();
    }
  }
}
