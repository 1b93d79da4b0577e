package dev.selvedge.docker;

import dev.selvedge.port.EngineUnreachableException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * An {@link SSLContext} from a Docker client certificate directory, as the docker CLI reads {@code
 * DOCKER_CERT_PATH}: {@code ca.pem} (the CA the engine's certificate must chain to; the system's
 * CAs are not trusted), {@code cert.pem} and {@code key.pem} (the client identity, when both are
 * there).
 */
final class TlsFiles {
  private TlsFiles() {}

  static SSLContext context(Path certPath, String endpoint) {
    try {
      CertificateFactory x509 = CertificateFactory.getInstance("X.509");
      Collection<? extends Certificate> cas = certificates(x509, certPath.resolve("ca.pem"));
      if (cas.isEmpty()) {
        throw unreadable(endpoint, certPath.resolve("ca.pem"), "no certificate in it");
      }
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (Certificate ca : cas) {
        trust.setCertificateEntry("ca" + i++, ca);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);

      KeyManagerFactory kmf = null;
      Path certFile = certPath.resolve("cert.pem");
      Path keyFile = certPath.resolve("key.pem");
      if (Files.exists(certFile) || Files.exists(keyFile)) {
        Certificate[] chain = certificates(x509, certFile).toArray(Certificate[]::new);
        if (chain.length == 0) {
          throw unreadable(endpoint, certFile, "no certificate in it");
        }
        PrivateKey key;
        try {
          key = PemKeys.read(Files.readString(keyFile));
        } catch (IllegalArgumentException e) {
          throw unreadable(endpoint, keyFile, e.getMessage());
        }
        char[] password = new char[0];
        KeyStore identity = KeyStore.getInstance("PKCS12");
        identity.load(null, null);
        identity.setKeyEntry("client", key, password, chain);
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(identity, password);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return context;
    } catch (NoSuchFileException e) {
      throw new EngineUnreachableException(
          endpoint,
          "TLS is requested (DOCKER_TLS_VERIFY) but "
              + e.getFile()
              + " does not exist; set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem"
              + " and key.pem",
          null);
    } catch (IOException | GeneralSecurityException e) {
      throw new EngineUnreachableException(
          endpoint,
          "cannot load the TLS files in "
              + certPath
              + ": "
              + e.getMessage()
              + "; check DOCKER_CERT_PATH",
          e);
    }
  }

  private static Collection<? extends Certificate> certificates(CertificateFactory x509, Path file)
      throws IOException, GeneralSecurityException {
    return x509.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)));
  }

  private static EngineUnreachableException unreadable(String endpoint, Path file, String why) {
    return new EngineUnreachableException(
        endpoint, "cannot use " + file + ": " + why + "; check DOCKER_CERT_PATH", null);
  }
}
