package dev.selvedge.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * A {@link Connection} over a {@link SocketChannel}. Unix domain socket channels have no {@code
 * SO_TIMEOUT}, so the channel runs non-blocking and each read waits on a selector for at most the
 * read timeout.
 */
final class ChannelConnection implements Connection {
  private final SocketChannel channel;
  private final Selector selector;
  private final SelectionKey key;
  private long readTimeoutMillis = 0; // 0 = no bound
  private final InputStream in = new In();
  private final OutputStream out = new Out();

  ChannelConnection(SocketChannel channel) throws IOException {
    this.channel = channel;
    channel.configureBlocking(false);
    this.selector = Selector.open();
    this.key = channel.register(selector, 0);
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
    readTimeoutMillis = Math.max(1, timeout.toMillis());
  }

  @Override
  public void close() {
    try {
      selector.close();
    } catch (IOException ignored) {
      // closing: nothing left to do
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing: nothing left to do
    }
  }

  private void await(int op, long timeoutMillis) throws IOException {
    key.interestOps(op);
    int ready = selector.select(timeoutMillis);
    key.interestOps(0);
    selector.selectedKeys().clear();
    if (ready == 0 && timeoutMillis > 0) {
      throw new SocketTimeoutException("read timed out after " + timeoutMillis + " ms");
    }
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
      ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
      while (true) {
        int n = channel.read(buffer);
        if (n != 0) {
          return n;
        }
        await(SelectionKey.OP_READ, readTimeoutMillis);
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
      ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
      while (buffer.hasRemaining()) {
        if (channel.write(buffer) == 0) {
          // A full socket buffer: the engine reads requests promptly, so wait unbounded here and
          // let the read deadline catch a hung peer.
          await(SelectionKey.OP_WRITE, 0);
        }
      }
    }
  }
}
