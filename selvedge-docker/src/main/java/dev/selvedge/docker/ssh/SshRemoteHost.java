package dev.selvedge.docker.ssh;

import dev.selvedge.port.RemoteHost;
import dev.selvedge.port.RemoteHostException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/**
 * A host's files over the SSH session of an {@code ssh://} engine: small commands ({@code test},
 * {@code cat}) on exec channels, so the host needs nothing but a POSIX shell.
 */
final class SshRemoteHost implements RemoteHost {
  static final int MAX_FILE_BYTES = 16 << 20;
  private static final int NO_SUCH_FILE = 44;

  private final SshTransport transport;
  private final Duration timeout;

  SshRemoteHost(SshTransport transport, Duration timeout) {
    this.transport = transport;
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return transport.target();
  }

  @Override
  public Optional<byte[]> readBytes(String path) {
    String q = quote(path);
    Result r = run("test -e " + q + " || exit " + NO_SUCH_FILE + "; exec cat -- " + q);
    if (r.exit() == NO_SUCH_FILE) {
      return Optional.empty();
    }
    if (r.exit() != 0) {
      throw new RemoteHostException(
          name(), "cannot read " + path + ": " + firstLine(r.stderr()), null);
    }
    return Optional.of(r.stdout());
  }

  @Override
  public boolean isFile(String path) {
    return test("-f", path);
  }

  @Override
  public boolean exists(String path) {
    return test("-e", path);
  }

  private boolean test(String flag, String path) {
    Result r = run("test " + flag + " " + quote(path));
    if (r.exit() == 0 || r.exit() == 1) {
      return r.exit() == 0;
    }
    throw new RemoteHostException(
        name(), "cannot check " + path + ": " + firstLine(r.stderr()), null);
  }

  private record Result(int exit, byte[] stdout, String stderr) {}

  private Result run(String command) {
    ClientSession session;
    try {
      session = transport.session();
    } catch (RuntimeException e) {
      throw new RemoteHostException(name(), e.getMessage(), e);
    }
    Limited out = new Limited(MAX_FILE_BYTES);
    SshTransport.Stderr err = new SshTransport.Stderr();
    try (ChannelExec channel = session.createExecChannel(command)) {
      channel.setOut(out);
      channel.setErr(err);
      channel.open().verify(timeout);
      Set<ClientChannelEvent> events =
          channel.waitFor(
              EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS),
              timeout.toMillis());
      if (out.overflow) {
        throw new RemoteHostException(
            name(), "file larger than " + (MAX_FILE_BYTES >> 20) + " MiB", null);
      }
      if (events.contains(ClientChannelEvent.TIMEOUT)) {
        throw new RemoteHostException(
            name(), "no answer within " + timeout.toSeconds() + " s to: " + command, null);
      }
      // The exit status can come just before the last output: wait for the channel to close.
      channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout.toMillis());
      Integer exit = channel.getExitStatus();
      return new Result(exit == null ? -1 : exit, out.bytes(), err.text());
    } catch (IOException e) {
      throw new RemoteHostException(name(), "command failed: " + e.getMessage(), e);
    }
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }

  /** A word for a POSIX shell: single quotes, with embedded ones closed and escaped. */
  static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static final class Limited extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int max;
    boolean overflow;

    Limited(int max) {
      this.max = max;
    }

    @Override
    public synchronized void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      if (bytes.size() + len > max) {
        overflow = true;
        return;
      }
      bytes.write(b, off, len);
    }

    synchronized byte[] bytes() {
      return bytes.toByteArray();
    }
  }
}
