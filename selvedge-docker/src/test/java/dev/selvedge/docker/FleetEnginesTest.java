package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.fleet.Fleet;
import dev.selvedge.port.EngineUnreachableException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetEnginesTest {
  static Fleet.Node node(String engine, Fleet.Tls tls, Fleet.Ssh ssh) {
    return new Fleet.Node("app-1", engine, tls, ssh, null, List.of(), Map.of());
  }

  static final Map<String, String> ENV =
      Map.of(
          "HOME", "/home/ops",
          "DOCKER_HOST", "tcp://elsewhere:2375",
          "DOCKER_TLS_VERIFY", "1",
          "DOCKER_CERT_PATH", "/wrong");

  @Test
  void theNodeSaysWhereItsEngineIsNotDockerHost() {
    EngineOptions o =
        FleetEngines.options(
            node("unix:///run/docker.sock", null, null), Duration.ofSeconds(4), ENV);
    assertThat(o.host()).isEqualTo("unix:///run/docker.sock");
    assertThat(o.tlsCertPath()).isNull();
    assertThat(o.requestTimeout()).isEqualTo(Duration.ofSeconds(4));
    assertThat(o.connectTimeout()).isEqualTo(Duration.ofSeconds(4));
    assertThat(o.ssh().knownHosts()).isEqualTo(Path.of("/home/ops/.ssh/known_hosts"));
  }

  @Test
  void sshIdentityAndKnownHostsComeFromTheNode() {
    EngineOptions o =
        FleetEngines.options(
            node(
                "ssh://deploy@app-1:2222",
                null,
                new Fleet.Ssh(Path.of("/f/keys/id_ed25519"), Path.of("/f/keys/known_hosts"))),
            Duration.ofSeconds(30),
            ENV);
    assertThat(o.ssh().identities()).containsExactly(Path.of("/f/keys/id_ed25519"));
    assertThat(o.ssh().knownHosts()).isEqualTo(Path.of("/f/keys/known_hosts"));
    assertThat(o.connectTimeout()).isEqualTo(EngineOptions.DEFAULT_CONNECT_TIMEOUT);
  }

  @Test
  void tlsFilesOfOneDirectoryAreItsCertPathAndOthersAreRefusedNamingThem() {
    Path d = Path.of("/f/certs");
    EngineOptions o =
        FleetEngines.options(
            node(
                "tcp://app-1:2376",
                new Fleet.Tls(d.resolve("ca.pem"), d.resolve("cert.pem"), d.resolve("key.pem")),
                null),
            Duration.ofSeconds(5),
            ENV);
    assertThat(o.tlsCertPath()).isEqualTo(d);

    assertThatThrownBy(
            () ->
                FleetEngines.options(
                    node(
                        "tcp://app-1:2376",
                        new Fleet.Tls(
                            d.resolve("root.crt"), d.resolve("cert.pem"), d.resolve("key.pem")),
                        null),
                    Duration.ofSeconds(5),
                    ENV))
        .isInstanceOf(EngineUnreachableException.class)
        .hasMessageContaining("app-1")
        .hasMessageContaining("root.crt");
  }
}
