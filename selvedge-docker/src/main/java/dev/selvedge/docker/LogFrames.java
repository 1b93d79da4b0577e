package dev.selvedge.docker;

import dev.selvedge.port.LogLines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Container log bodies into lines. Without a TTY the engine multiplexes stdout and stderr: each
 * frame is an 8-byte header (stream 0/1/2, three zero bytes, big-endian payload length) and the
 * payload. With a TTY the body is the raw terminal output, all of it stdout. Engines before API
 * 1.42 do not say which in Content-Type, so the first header is recognised by its shape.
 */
final class LogFrames {
  private LogFrames() {}

  /**
   * Reads {@code body} to its end, or until a read times out or {@code maxBytes} were read; either
   * of the latter gives a truncated result. Other I/O errors propagate.
   */
  static LogLines read(InputStream body, int maxBytes) throws IOException {
    Lines lines = new Lines();
    boolean truncated = false;
    long total = 0;
    try {
      byte[] header = new byte[8];
      int n = readFully(body, header, 8);
      boolean framed =
          n == 8 && (header[0] & 0xff) <= 2 && header[1] == 0 && header[2] == 0 && header[3] == 0;
      if (!framed) {
        lines.add("stdout", header, n);
        total += n;
        byte[] chunk = new byte[8192];
        while ((n = body.read(chunk, 0, chunk.length)) >= 0) {
          lines.add("stdout", chunk, n);
          total += n;
          if (total > maxBytes) {
            truncated = true;
            break;
          }
        }
      } else {
        while (true) {
          int size =
              ((header[4] & 0xff) << 24)
                  | ((header[5] & 0xff) << 16)
                  | ((header[6] & 0xff) << 8)
                  | (header[7] & 0xff);
          if (size < 0 || total + size > maxBytes) {
            truncated = true;
            break;
          }
          byte[] payload = new byte[size];
          int got = readFully(body, payload, size);
          lines.add(header[0] == 2 ? "stderr" : "stdout", payload, got);
          total += got;
          if (got < size || readFully(body, header, 8) < 8) {
            break;
          }
        }
      }
    } catch (InterruptedIOException e) {
      truncated = true;
    }
    return new LogLines(lines.finish(), truncated);
  }

  private static int readFully(InputStream in, byte[] b, int len) throws IOException {
    int off = 0;
    while (off < len) {
      int n = in.read(b, off, len - off);
      if (n < 0) {
        break;
      }
      off += n;
    }
    return off;
  }

  /** Splits each stream's bytes into lines, keeping the order in which lines completed. */
  private static final class Lines {
    private final List<LogLines.Line> lines = new ArrayList<>();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    void add(String stream, byte[] bytes, int length) {
      ByteArrayOutputStream pending = stream.equals("stderr") ? stderr : stdout;
      int start = 0;
      for (int i = 0; i < length; i++) {
        if (bytes[i] == '\n') {
          pending.write(bytes, start, i - start);
          emit(stream, pending);
          start = i + 1;
        }
      }
      pending.write(bytes, start, length - start);
    }

    private void emit(String stream, ByteArrayOutputStream pending) {
      String text = pending.toString(StandardCharsets.UTF_8);
      if (text.endsWith("\r")) {
        text = text.substring(0, text.length() - 1);
      }
      lines.add(new LogLines.Line(stream, text));
      pending.reset();
    }

    List<LogLines.Line> finish() {
      if (stdout.size() > 0) {
        emit("stdout", stdout);
      }
      if (stderr.size() > 0) {
        emit("stderr", stderr);
      }
      return lines;
    }
  }
}
