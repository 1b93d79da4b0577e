package dev.selvedge.docker.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.sshd.client.channel.AsyncCapableClientChannel;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.channel.LocalWindow;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * OpenSSH's {@code direct-streamlocal@openssh.com} channel ({@code ssh -L local:/remote.sock}): a
 * byte stream to a unix socket on the host, connected by sshd itself, so no process runs there for
 * it. MINA SSHD's client has {@code direct-tcpip} only; the open request differs in its fields
 * (OpenSSH's PROTOCOL file, section 2.4): the socket path, then a reserved string and a reserved
 * uint32. Data flows through the same piped streams as an exec channel's stdin and stdout.
 */
final class ChannelDirectStreamLocal extends AsyncCapableClientChannel {
  static final String TYPE = "direct-streamlocal@openssh.com";

  private final String socketPath;

  private ChannelDirectStreamLocal(String socketPath) {
    super(TYPE, false);
    this.socketPath = socketPath;
  }

  /** A channel registered with the session, not yet opened. */
  static ChannelDirectStreamLocal create(ClientSession session, String socketPath)
      throws IOException {
    ChannelDirectStreamLocal channel = new ChannelDirectStreamLocal(socketPath);
    ConnectionService service = session.getService(ConnectionService.class);
    if (service == null) {
      throw new SshException("the SSH session has no connection service");
    }
    service.registerChannel(channel);
    return channel;
  }

  @Override
  public synchronized OpenFuture open() throws IOException {
    if (closeFuture.isClosed()) {
      throw new SshException("Session has been closed");
    }
    openFuture = new DefaultOpenFuture(socketPath, futureLock);
    LocalWindow window = getLocalWindow();
    int size = TYPE.length() + socketPath.getBytes(StandardCharsets.UTF_8).length + 32;
    Buffer buffer = getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN, size);
    buffer.putString(TYPE);
    buffer.putUInt(getChannelId());
    buffer.putUInt(window.getSize());
    buffer.putUInt(window.getPacketSize());
    buffer.putString(socketPath);
    buffer.putString(""); // reserved
    buffer.putUInt(0); // reserved
    writePacket(buffer);
    return openFuture;
  }
}
