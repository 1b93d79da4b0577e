package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineUnreachableException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TlsEngineIT extends DockerEngineContract {

  @Override
  protected Optional<String> serviceUnavailable(TestServices services) {
    return services.tlsUnavailable().map(why -> "TLS engine tests: " + why);
  }

  @Override
  protected EngineOptions options(TestServices services) {
    return EngineOptions.fromEnvironment(
        services.get("SELVEDGE_TEST_TLS_HOST"),
        Map.of(
            "DOCKER_TLS_VERIFY",
            "1",
            "DOCKER_CERT_PATH",
            services.get("SELVEDGE_TEST_TLS_CERT_PATH")));
  }

  private String host() {
    return services.get("SELVEDGE_TEST_TLS_HOST");
  }

  @ParameterizedTest(name = "client key {0}")
  @ValueSource(
      strings = {
        "SELVEDGE_TEST_TLS_CERT_PATH",
        "SELVEDGE_TEST_TLS_CERT_PATH_PKCS8",
        "SELVEDGE_TEST_TLS_CERT_PATH_EC"
      })
  void clientKeysInEveryPemFormatWork(String certPathKey) {
    Map<String, String> env =
        Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", services.get(certPathKey));
    try (DockerEngine tls = DockerEngines.fromHost(host(), env)) {
      assertThat(tls.info().os()).isEqualTo("linux");
    }
  }

  @Test
  void theCertificateNamesLocalhostToo() {
    Map<String, String> env =
        Map.of(
            "DOCKER_TLS_VERIFY",
            "1",
            "DOCKER_CERT_PATH",
            services.get("SELVEDGE_TEST_TLS_CERT_PATH"));
    String port = host().substring(host().lastIndexOf(':') + 1);
    try (DockerEngine byName = DockerEngines.fromHost("tcp://localhost:" + port, env)) {
      assertThat(byName.info().os()).isEqualTo("linux");
    }
  }

  @Test
  void aWrongCaFailsVerificationNamingTheEndpoint() {
    Path wrong = services.path("SELVEDGE_TEST_TLS_CERT_PATH_WRONG_CA");
    Map<String, String> env =
        Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", wrong.toString());
    try (DockerEngine tls = DockerEngines.fromHost(host(), env)) {
      assertThatThrownBy(tls::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessage(
              host()
                  + ": TLS verification failed: the engine's certificate is not signed by the CA in "
                  + wrong.resolve("ca.pem")
                  + "; check DOCKER_CERT_PATH ("
                  + wrong
                  + ")");
    }
  }

  @Test
  void noClientCertificateIsRejectedByTheEngine(@TempDir Path dir) throws Exception {
    java.nio.file.Files.copy(
        services.path("SELVEDGE_TEST_TLS_CERT_PATH").resolve("ca.pem"), dir.resolve("ca.pem"));
    Map<String, String> env = Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", dir.toString());
    try (DockerEngine tls = DockerEngines.fromHost(host(), env)) {
      assertThatThrownBy(tls::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessageStartingWith(host() + ": TLS verification failed: ")
          .hasMessageEndingWith("; check DOCKER_CERT_PATH (" + dir + ")");
    }
  }

  @Test
  void aMissingCertDirectorySaysWhatToSet(@TempDir Path dir) {
    Map<String, String> env =
        Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", dir.resolve("none").toString());
    assertThatThrownBy(() -> DockerEngines.fromHost(host(), env))
        .isInstanceOf(EngineUnreachableException.class)
        .hasMessageContaining("ca.pem does not exist; set DOCKER_CERT_PATH");
  }

  @Test
  void plainTcpToTheTlsPortSaysToTurnTlsOn() {
    try (DockerEngine plain = DockerEngines.fromHost(host(), Map.of())) {
      assertThatThrownBy(plain::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessage(
              host()
                  + ": the engine speaks TLS on this port: set DOCKER_TLS_VERIFY=1 and"
                  + " DOCKER_CERT_PATH");
    }
  }

  @Test
  void aRefusedPortNamesHostAndPortOnce() throws Exception {
    int port = freePort();
    try (DockerEngine nothing = DockerEngines.fromHost("tcp://127.0.0.1:" + port, Map.of())) {
      assertThatThrownBy(nothing::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessage(
              "tcp://127.0.0.1:"
                  + port
                  + ": connection refused: is dockerd listening there (dockerd -H tcp://...)?"
                  + " check DOCKER_HOST (or --host, or the node's engine in a fleet file)");
    }
  }
}
