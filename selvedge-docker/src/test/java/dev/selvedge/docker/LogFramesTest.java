package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.port.LogLines;
import dev.selvedge.port.LogLines.Line;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogFramesTest {

  static byte[] frame(int stream, String payload) {
    byte[] p = payload.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) stream, 0, 0, 0});
    out.writeBytes(
        new byte[] {
          (byte) (p.length >> 24), (byte) (p.length >> 16), (byte) (p.length >> 8), (byte) p.length
        });
    out.writeBytes(p);
    return out.toByteArray();
  }

  static InputStream concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return new ByteArrayInputStream(out.toByteArray());
  }

  @Test
  void demultiplexesStdoutAndStderr() throws IOException {
    LogLines logs =
        LogFrames.read(
            concat(frame(1, "out1\n"), frame(2, "err1\r\n"), frame(1, "out2\nout3\n")), 1 << 20);

    assertThat(logs.truncated()).isFalse();
    assertThat(logs.lines())
        .containsExactly(
            new Line("stdout", "out1"),
            new Line("stderr", "err1"),
            new Line("stdout", "out2"),
            new Line("stdout", "out3"));
  }

  @Test
  void joinsLinesSplitAcrossFramesPerStream() throws IOException {
    LogLines logs =
        LogFrames.read(
            concat(frame(1, "hel"), frame(2, "oops\n"), frame(1, "lo\npartial")), 1 << 20);

    assertThat(logs.lines())
        .containsExactly(
            new Line("stderr", "oops"), new Line("stdout", "hello"), new Line("stdout", "partial"));
  }

  @Test
  void aTtyStreamIsRawStdout() throws IOException {
    LogLines logs =
        LogFrames.read(
            new ByteArrayInputStream(
                "tty line 1\r\ntty line 2\r\n".getBytes(StandardCharsets.UTF_8)),
            1 << 20);

    assertThat(logs.lines())
        .containsExactly(new Line("stdout", "tty line 1"), new Line("stdout", "tty line 2"));
  }

  @Test
  void shortTtyOutputAndEmptyBodies() throws IOException {
    assertThat(
            LogFrames.read(new ByteArrayInputStream("hi\n".getBytes(StandardCharsets.UTF_8)), 100)
                .lines())
        .containsExactly(new Line("stdout", "hi"));
    assertThat(LogFrames.read(new ByteArrayInputStream(new byte[0]), 100).lines()).isEmpty();
  }

  @Test
  void stopsAtTheByteLimit() throws IOException {
    LogLines logs = LogFrames.read(concat(frame(1, "a\n"), frame(1, "bbbbbbbbbb\n")), 8);

    assertThat(logs.truncated()).isTrue();
    assertThat(logs.lines()).containsExactly(new Line("stdout", "a"));
  }

  @Test
  void aTimeoutKeepsWhatWasReadAndSaysTruncated() throws IOException {
    InputStream slow =
        new SequenceInputStream(
            concat(frame(1, "first\n"), frame(2, "sec")),
            new InputStream() {
              @Override
              public int read() throws IOException {
                throw new SocketTimeoutException("deadline passed");
              }
            });

    LogLines logs = LogFrames.read(slow, 1 << 20);

    assertThat(logs.truncated()).isTrue();
    assertThat(logs.lines())
        .containsExactly(new Line("stdout", "first"), new Line("stderr", "sec"));
  }
}
