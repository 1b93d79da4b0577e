package dev.selvedge.docker.ssh;

import dev.selvedge.docker.Connection;
import dev.selvedge.docker.SshOptions;
import dev.selvedge.docker.Transport;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.RemoteHost;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.channel.ChannelPipedInputStream;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * {@code ssh://user@host[:port]}: HTTP to the engine through one SSH session (Apache MINA SSHD),
 * reopened if it drops. Each connection is a {@code direct-streamlocal@openssh.com} channel to the
 * engine's socket ({@value #ENGINE_SOCKET}), which sshd connects itself, so the host starts no
 * process for it. Where sshd refuses that channel ({@code AllowStreamLocalForwarding no}, no socket
 * at that path, or a server without the extension) the transport falls back, for the rest of the
 * session, to what the docker CLI does: {@code docker system dial-stdio} on an exec channel, which
 * also follows a {@code DOCKER_HOST} set on the host. Nothing but sshd (and, for the fallback, the
 * docker CLI) is needed there.
 *
 * <p>A channel costs a round trip or more (an exec channel a process on the host too), so
 * connections are kept for many requests ({@link #preferReuse()}) and host files are read many per
 * channel ({@link SshRemoteHost}); {@link #execChannels()} and {@link #streamLocalChannels()} count
 * what was opened.
 *
 * <p>Authentication is by key file only; the host key must be in {@code known_hosts} (or is added
 * when {@link SshOptions#acceptNewHostKeys()}).
 */
public final class SshTransport implements Transport {
  static final String DIAL_STDIO = "docker system dial-stdio";

  /**
   * Where the engine listens on the host for a default install, the docker CLI's default too. An
   * engine elsewhere (rootless, a remote DOCKER_HOST) is reached through the fallback.
   */
  static final String ENGINE_SOCKET = "/var/run/docker.sock";

  private static final long MAX_KEY_FILE_BYTES = 1 << 20;

  private final String user;
  private final String host;
  private final int port;
  private final SshOptions options;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final String endpoint;
  private final String target;

  private SshClient client; // guarded by this
  private ClientSession session; // guarded by this
  private volatile String hostKeyProblem;
  private final AtomicInteger execChannels = new AtomicInteger();
  private final AtomicInteger streamLocalChannels = new AtomicInteger();
  // The session whose sshd refused a streamlocal channel: its later connections use dial-stdio.
  private volatile ClientSession streamLocalRefusedBy;

  public SshTransport(
      String user,
      String host,
      int port,
      SshOptions options,
      Duration connectTimeout,
      Duration requestTimeout) {
    this.user = user;
    this.host = host;
    this.port = port;
    this.options = options;
    this.connectTimeout = connectTimeout;
    this.requestTimeout = requestTimeout;
    String h = host.contains(":") ? "[" + host + "]" : host;
    this.target = user + "@" + h + ":" + port;
    this.endpoint = "ssh://" + target;
  }

  @Override
  public String endpoint() {
    return endpoint;
  }

  /** {@code user@host:port}, for messages. */
  public String target() {
    return target;
  }

  @Override
  public Connection open(Duration timeout) {
    ClientSession s = session();
    if (streamLocalRefusedBy != s) {
      Optional<Connection> direct = openStreamLocal(s, timeout);
      if (direct.isPresent()) {
        return direct.get();
      }
      streamLocalRefusedBy = s;
    }
    return openDialStdio(s, timeout);
  }

  /** A channel to the engine's socket; empty when sshd refuses to open it. */
  private Optional<Connection> openStreamLocal(ClientSession s, Duration timeout) {
    ChannelDirectStreamLocal channel = null;
    try {
      channel = ChannelDirectStreamLocal.create(s, ENGINE_SOCKET);
      streamLocalChannels.incrementAndGet();
      OpenFuture opened = channel.open();
      if (!opened.await(Math.max(1, timeout.toMillis()))) {
        throw new EngineUnreachableException(
            endpoint,
            "no answer to opening a channel to "
                + ENGINE_SOCKET
                + " within "
                + timeout.toMillis()
                + " ms",
            null);
      }
      Throwable failure = opened.getException();
      if (failure instanceof SshChannelOpenException) {
        // Refused (forwarding not allowed, no socket there, an unknown channel type): the host
        // may still run the docker CLI, which knows where its engine is.
        channel.close(true);
        return Optional.empty();
      }
      if (failure != null) {
        throw new IOException(failure.getMessage(), failure);
      }
      return Optional.of(new ChannelConnection(channel, null));
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        channel.close(true);
      }
      if (e instanceof EngineUnreachableException unreachable) {
        throw unreachable;
      }
      throw new EngineUnreachableException(
          endpoint, "cannot open a channel to " + ENGINE_SOCKET + ": " + e.getMessage(), e);
    }
  }

  private Connection openDialStdio(ClientSession s, Duration timeout) {
    ChannelExec channel = null;
    try {
      channel = execChannel(s, DIAL_STDIO);
      Stderr err = new Stderr();
      channel.setErr(err);
      channel.setRedirectErrorStream(false);
      channel.open().verify(Math.max(1, timeout.toMillis()));
      return new ChannelConnection(channel, err);
    } catch (IOException e) {
      if (channel != null) {
        channel.close(true);
      }
      throw new EngineUnreachableException(
          endpoint, "cannot run '" + DIAL_STDIO + "': " + e.getMessage(), e);
    }
  }

  @Override
  public boolean preferReuse() {
    return true;
  }

  /** Every exec channel goes through here, so that they are counted. */
  ChannelExec execChannel(ClientSession s, String command) throws IOException {
    ChannelExec channel = s.createExecChannel(command);
    execChannels.incrementAndGet();
    return channel;
  }

  /**
   * Exec channels opened so far, for {@code docker system dial-stdio} and for host files alike:
   * each is a process on the host, so tests and benchmarks count them.
   */
  public int execChannels() {
    return execChannels.get();
  }

  /** {@code direct-streamlocal} channels asked for so far, refused ones included. */
  public int streamLocalChannels() {
    return streamLocalChannels.get();
  }

  @Override
  public Optional<RemoteHost> remoteHost() {
    return Optional.of(new SshRemoteHost(this, requestTimeout));
  }

  /** The session, connected and authenticated; reconnects when it has dropped. */
  synchronized ClientSession session() {
    if (session != null && session.isOpen()) {
      return session;
    }
    if (session != null) {
      session.close(true);
      session = null;
    }
    if (client == null) {
      client = newClient();
    }
    session = connect();
    return session;
  }

  private SshClient newClient() {
    SshClient c = SshClient.setUpDefaultClient();
    // Only what is configured here: no ~/.ssh/config, no default identities, keys only.
    c.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    c.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
    c.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
    c.setServerKeyVerifier((clientSession, remote, key) -> verifyHostKey(key));
    // Requests are small and answered at once: Nagle would only add latency to each round trip.
    CoreModuleProperties.TCP_NODELAY.set(c, true);
    preferKnownKeyTypes(c);
    c.start();
    return c;
  }

  /**
   * Offers the host key algorithms known_hosts has for this host first, as OpenSSH does, so a host
   * with several keys is checked against the one we know.
   */
  private void preferKnownKeyTypes(SshClient c) {
    List<String> known;
    try {
      known = KnownHosts.keyTypes(options.knownHosts(), host, port);
    } catch (IOException e) {
      return; // reported when the key is checked
    }
    if (known.isEmpty()) {
      return;
    }
    List<NamedFactory<Signature>> first = new ArrayList<>();
    List<NamedFactory<Signature>> rest = new ArrayList<>();
    for (NamedFactory<Signature> f : c.getSignatureFactories()) {
      String keyType = KeyUtils.getCanonicalKeyType(f.getName());
      (known.contains(keyType) || known.contains(f.getName()) ? first : rest).add(f);
    }
    first.addAll(rest);
    c.setSignatureFactories(first);
  }

  private boolean verifyHostKey(PublicKey key) {
    String line = PublicKeyEntry.toString(key);
    int space = line.indexOf(' ');
    String type = line.substring(0, space);
    String base64 = line.substring(space + 1).strip();
    String fingerprint = type + " " + KeyUtils.getFingerPrint(key);
    Path file = options.knownHosts();
    String name = KnownHosts.lookupName(host, port);
    try {
      KnownHosts.Verdict verdict = KnownHosts.check(file, host, port, type, base64);
      switch (verdict) {
        case KnownHosts.Verdict.Known known -> {
          return true;
        }
        case KnownHosts.Verdict.Revoked revoked -> {
          hostKeyProblem =
              "the host key ("
                  + fingerprint
                  + ") is marked @revoked in "
                  + file
                  + " line "
                  + revoked.line()
                  + ": refusing to connect";
          return false;
        }
        case KnownHosts.Verdict.Mismatch mismatch -> {
          hostKeyProblem =
              "the host key ("
                  + fingerprint
                  + ") does not match known_hosts line "
                  + mismatch.line()
                  + " of "
                  + file
                  + (mismatch.knownType().equals(type)
                      ? ""
                      : " (which has a " + mismatch.knownType() + " key)")
                  + "; if the host was reinstalled, remove the old key with ssh-keygen -R '"
                  + name
                  + "' -f "
                  + file
                  + ", otherwise someone may be intercepting the connection";
          return false;
        }
        case KnownHosts.Verdict.Unknown unknown -> {
          if (options.acceptNewHostKeys()) {
            KnownHosts.append(file, host, port, type, base64);
            return true;
          }
          hostKeyProblem =
              "the host key is unknown: it is not in "
                  + file
                  + ". The host offered "
                  + fingerprint
                  + "; check that fingerprint on the host (ssh-keygen -lf"
                  + " /etc/ssh/ssh_host_*_key.pub), then add it with ssh-keyscan -p "
                  + port
                  + " "
                  + host
                  + " >> "
                  + file
                  + ", or allow new host keys (SELVEDGE_SSH_ACCEPT_NEW=1)";
          return false;
        }
      }
    } catch (IOException e) {
      hostKeyProblem = "cannot read " + file + ": " + e.getMessage();
      return false;
    }
  }

  private ClientSession connect() {
    hostKeyProblem = null;
    List<KeyPair> identities = identities();
    ClientSession s = null;
    try {
      ConnectFuture future = client.connect(user, host, port);
      future.verify(connectTimeout);
      s = future.getSession();
      for (KeyPair kp : identities) {
        s.addPublicKeyIdentity(kp);
      }
      s.auth().verify(connectTimeout);
      return s;
    } catch (IOException | RuntimeException e) {
      if (s != null) {
        s.close(true);
      }
      throw connectFailure(e);
    }
  }

  private EngineUnreachableException connectFailure(Exception e) {
    String problem = hostKeyProblem;
    if (problem != null) {
      return new EngineUnreachableException(endpoint, problem, null);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return new EngineUnreachableException(
            endpoint,
            "connection refused: is sshd running there, and is the port right? check --host or"
                + " DOCKER_HOST",
            null);
      }
      if (t instanceof UnknownHostException) {
        return new EngineUnreachableException(endpoint, "cannot resolve the host name", null);
      }
      if (t instanceof NoRouteToHostException) {
        return new EngineUnreachableException(endpoint, "no route to the host", null);
      }
    }
    String message = String.valueOf(e.getMessage());
    if (message.contains("No more authentication methods")
        || message.contains("authentication")
        || message.contains("Authentication")) {
      return new EngineUnreachableException(
          endpoint,
          "SSH key authentication failed with "
              + existingIdentities()
              + ": the host does not accept that key; add its public key to ~"
              + user
              + "/.ssh/authorized_keys on the host, or give the right key"
              + " (SELVEDGE_SSH_IDENTITY, or the node's ssh.identity in a fleet file)",
          null);
    }
    if (message.toLowerCase(java.util.Locale.ROOT).contains("timeout")
        || message.contains("timed out")) {
      return new EngineUnreachableException(
          endpoint, "no SSH answer within " + connectTimeout.toSeconds() + " s", null);
    }
    return new EngineUnreachableException(endpoint, "SSH connection failed: " + message, e);
  }

  private List<Path> existingIdentities() {
    return options.identities().stream().filter(Files::isRegularFile).toList();
  }

  private List<KeyPair> identities() {
    List<Path> files = existingIdentities();
    if (files.isEmpty()) {
      throw new EngineUnreachableException(
          endpoint,
          "no SSH key to log in with: none of "
              + options.identities()
              + " exists; give one with SELVEDGE_SSH_IDENTITY (selvedge uses no agent)",
          null);
    }
    List<KeyPair> keys = new ArrayList<>();
    for (Path file : files) {
      byte[] bytes;
      try {
        // Key files are a few KiB: a large one is not a key, and is not read whole.
        bytes = Files.size(file) > MAX_KEY_FILE_BYTES ? new byte[0] : Files.readAllBytes(file);
      } catch (IOException e) {
        throw new EngineUnreachableException(
            endpoint, "cannot read SSH key " + file + ": " + e.getMessage(), null);
      }
      Optional<IdentityFile.Problem> problem = IdentityFile.problem(bytes);
      if (problem.isPresent()) {
        throw new EngineUnreachableException(
            endpoint, "SSH key " + file + " " + problem.get().says, null);
      }
      Iterable<KeyPair> loaded;
      try {
        loaded =
            SecurityUtils.loadKeyPairIdentities(
                null,
                NamedResource.ofName(file.toString()),
                new java.io.ByteArrayInputStream(bytes),
                FilePasswordProvider.EMPTY);
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        throw new EngineUnreachableException(
            endpoint, "cannot read SSH key " + file + ": " + e.getMessage(), null);
      }
      if (loaded == null || !loaded.iterator().hasNext()) {
        throw new EngineUnreachableException(
            endpoint, "SSH key " + file + " " + IdentityFile.Problem.NOT_A_PRIVATE_KEY.says, null);
      }
      loaded.forEach(keys::add);
    }
    return keys;
  }

  @Override
  public synchronized void close() {
    if (session != null) {
      session.close(true);
      session = null;
    }
    if (client != null) {
      client.stop();
      client = null;
    }
  }

  /** Keeps the first few KiB of a channel's stderr, for messages. */
  static final class Stderr extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      if (bytes.size() < 4096) {
        bytes.write(b);
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      bytes.write(b, off, Math.max(0, Math.min(len, 4096 - bytes.size())));
    }

    synchronized String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }

  /**
   * MINA's piped stream signals a read timeout as a plain {@link java.net.SocketException}; the
   * HTTP client needs a {@link java.net.SocketTimeoutException} to tell a timeout from a failure.
   */
  private static final class TimeoutTranslating extends java.io.FilterInputStream {
    TimeoutTranslating(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (java.net.SocketException e) {
        throw translate(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (java.net.SocketException e) {
        throw translate(e);
      }
    }

    private static IOException translate(java.net.SocketException e) {
      if (String.valueOf(e.getMessage()).startsWith("Timeout")) {
        java.net.SocketTimeoutException timeout =
            new java.net.SocketTimeoutException(e.getMessage());
        timeout.initCause(e);
        return timeout;
      }
      return e;
    }
  }

  /** A channel's data streams as a connection; {@code err} is null for a channel without one. */
  private static final class ChannelConnection implements Connection {
    private final ClientChannel channel;
    private final Stderr err;
    private final InputStream in;
    private final OutputStream out;

    ChannelConnection(ClientChannel channel, Stderr err) {
      this.channel = channel;
      this.err = err;
      this.in = new TimeoutTranslating(channel.getInvertedOut());
      this.out = channel.getInvertedIn();
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
      ((ChannelPipedInputStream) channel.getInvertedOut())
          .setTimeout(Math.max(1, timeout.toMillis()));
    }

    @Override
    public String failureDetail() {
      if (err == null) {
        return "";
      }
      // stderr may trail the end of stdout: give the remote command a moment to finish.
      channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 500);
      return err.text().strip();
    }

    @Override
    public void close() {
      channel.close(false);
    }
  }
}
