package dev.selvedge.docker;

import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.LocalHost;
import dev.selvedge.port.RemoteHost;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * {@code tcp://host:port}, plain or TLS. With TLS the engine's certificate must chain to {@code
 * ca.pem} and name the host (IP or DNS subject alternative name), as the docker CLI checks it.
 */
public final class TcpTransport implements Transport {
  private final String host;
  private final int port;
  private final SSLContext tls;
  private final Path certPath;
  private final String endpoint;

  /**
   * @param certPath the {@code DOCKER_CERT_PATH} directory for TLS, or null for plain TCP
   */
  public TcpTransport(String host, int port, Path certPath) {
    this.host = host;
    this.port = port;
    this.certPath = certPath;
    this.endpoint = "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    this.tls = certPath == null ? null : TlsFiles.context(certPath, endpoint);
  }

  @Override
  public String endpoint() {
    return endpoint;
  }

  /** The certificate directory, or null for plain TCP. */
  Path certPath() {
    return certPath;
  }

  /** Whether this transport speaks TLS. */
  public boolean tls() {
    return tls != null;
  }

  @Override
  public Connection open(Duration timeout) {
    Socket socket = new Socket();
    try {
      int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      socket.connect(new InetSocketAddress(host, port), millis);
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(millis);
      if (tls == null) {
        return new SocketConnection(socket);
      }
      SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(socket, host, port, true);
      SSLParameters parameters = ssl.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      ssl.setSSLParameters(parameters);
      ssl.startHandshake();
      return new SocketConnection(ssl);
    } catch (SSLException e) {
      closeQuietly(socket);
      throw tlsFailure(endpoint, certPath, e);
    } catch (UnknownHostException e) {
      closeQuietly(socket);
      throw new EngineUnreachableException(
          endpoint,
          "cannot resolve the host name: check DOCKER_HOST (or --host, or the node's engine in a fleet file)",
          e);
    } catch (ConnectException e) {
      closeQuietly(socket);
      throw new EngineUnreachableException(
          endpoint,
          "connection refused: is dockerd listening there (dockerd -H tcp://...)? check DOCKER_HOST (or --host, or the node's engine in a fleet file)",
          e);
    } catch (SocketTimeoutException e) {
      closeQuietly(socket);
      throw new EngineUnreachableException(
          endpoint, "no answer within " + timeout.toSeconds() + " s", e);
    } catch (IOException e) {
      closeQuietly(socket);
      throw new EngineUnreachableException(endpoint, "cannot connect: " + e.getMessage(), e);
    }
  }

  /**
   * The message for a failed TLS handshake or a TLS alert later on: the reason, then what to do.
   */
  static EngineUnreachableException tlsFailure(String endpoint, Path certPath, SSLException e) {
    String where = certPath == null ? "DOCKER_CERT_PATH" : "DOCKER_CERT_PATH (" + certPath + ")";
    return new EngineUnreachableException(
        endpoint, "TLS verification failed: " + reason(e, certPath) + "; check " + where, e);
  }

  private static String reason(SSLException e, Path certPath) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
        return "the engine's certificate is not signed by the CA in "
            + (certPath == null ? "ca.pem" : certPath.resolve("ca.pem"));
      }
      if (t instanceof CertificateExpiredException) {
        return "a certificate has expired (" + t.getMessage() + ")";
      }
      String m = String.valueOf(t.getMessage());
      if (m.contains("No subject alternative") || m.contains("No name matching")) {
        return "the engine's certificate does not name this host (" + m + ")";
      }
      if (m.contains("bad_certificate")
          || m.contains("certificate_required")
          || m.contains("unknown_ca")) {
        return "the engine rejected the client certificate (" + m + ")";
      }
    }
    return String.valueOf(e.getMessage());
  }

  @Override
  public Optional<RemoteHost> remoteHost() {
    try {
      return InetAddress.getByName(host).isLoopbackAddress()
          ? Optional.of(new LocalHost())
          : Optional.empty();
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    // nothing shared
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already failing
    }
  }

  private static final class SocketConnection implements Connection {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    SocketConnection(Socket socket) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
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
    public void readTimeout(Duration timeout) throws IOException {
      socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
    }

    @Override
    public void close() {
      closeQuietly(socket);
    }
  }
}
