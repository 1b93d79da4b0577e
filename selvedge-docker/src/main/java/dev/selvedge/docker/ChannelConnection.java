package dev.selvedge.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Connection} over a blocking {@link SocketChannel} (a unix domain socket). Such channels
 * have no {@code SO_TIMEOUT} (a unix channel has no {@code socket()} adapter to set it on, and a
 * blocking channel read ignores it anyway), so a read that must end by a deadline arms a shared
 * watchdog that closes the channel when the deadline passes: the blocked read then ends with {@link
 * AsynchronousCloseException}, reported as a {@link SocketTimeoutException}. One descriptor per
 * connection (the socket), where a selector per connection took three, and one timer thread for the
 * whole process; on a virtual thread the blocked read parks on the JDK's own poller.
 */
final class ChannelConnection implements Connection {
  private final SocketChannel channel;
  private long readTimeoutNanos = 0; // 0 = no bound
  private volatile boolean expired;
  private final InputStream in = new In();
  private final OutputStream out = new Out();

  ChannelConnection(SocketChannel channel) throws IOException {
    this.channel = channel;
    channel.configureBlocking(true);
  }

  @Override
  public InputStream input() {
    return in;
  }

  @Override
  public OutputStream output() {
    return out;
  }

  @Override
  public void readTimeout(Duration timeout) {
    readTimeoutNanos = Math.max(1, timeout.toNanos());
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing: nothing left to do
    }
  }

  /** Read deadlines armed now, in the whole process (for tests: none is left behind). */
  static int armedDeadlines() {
    return Watchdog.TIMER.getQueue().size();
  }

  /** False once the watchdog expired a read (the channel is closed or closing) or it is closed. */
  @Override
  public boolean usable() {
    return !expired && channel.isOpen();
  }

  private static void awaitQuietly(ScheduledFuture<?> alarm) {
    boolean interrupted = false;
    while (true) {
      try {
        alarm.get();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (java.util.concurrent.ExecutionException
          | java.util.concurrent.CancellationException e) {
        break;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The watchdog's action: the read under way (if any) ends, and the connection is unusable. */
  private void expire() {
    expired = true;
    close();
  }

  private IOException timedOut(long timeoutNanos) {
    long millis = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
    return new SocketTimeoutException("read timed out after " + Math.max(1, millis) + " ms");
  }

  private final class In extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      long timeout = readTimeoutNanos;
      if (expired) {
        throw timedOut(timeout);
      }
      ScheduledFuture<?> alarm = timeout > 0 ? Watchdog.arm(ChannelConnection.this, timeout) : null;
      try {
        return channel.read(ByteBuffer.wrap(b, off, len));
      } catch (ClosedByInterruptException e) {
        InterruptedIOException interrupted =
            new InterruptedIOException("interrupted while waiting for the engine");
        interrupted.initCause(e);
        throw interrupted;
      } catch (ClosedChannelException e) {
        // AsynchronousCloseException too: the watchdog closed it, or it was closed before.
        if (expired) {
          IOException t = timedOut(timeout);
          t.initCause(e);
          throw t;
        }
        throw e;
      } finally {
        if (alarm != null && !alarm.cancel(false)) {
          // The deadline passed as the read returned: the watchdog is closing this connection.
          // Wait for it, so the connection is seen as spent (usable() false) before the client
          // could hand it to another request, whose read the late close would cut short.
          awaitQuietly(alarm);
        }
      }
    }
  }

  private final class Out extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      // Unbounded, as before: the engine reads requests promptly (they fit the socket buffer), and
      // the read deadline catches a hung peer.
      ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    }
  }

  /**
   * The one timer thread of every channel connection's read deadlines. A cancelled alarm leaves the
   * queue at once (no build-up of reads that ended in time); the thread is a daemon that waits
   * without using CPU while nothing is armed.
   */
  private static final class Watchdog {
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private static ScheduledThreadPoolExecutor timer() {
      ScheduledThreadPoolExecutor timer =
          new ScheduledThreadPoolExecutor(
              1, Thread.ofPlatform().daemon().name("selvedge-engine-deadlines").factory());
      timer.setRemoveOnCancelPolicy(true);
      timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      return timer;
    }

    static ScheduledFuture<?> arm(ChannelConnection connection, long timeoutNanos) {
      return TIMER.schedule(connection::expire, timeoutNanos, TimeUnit.NANOSECONDS);
    }
  }
}
