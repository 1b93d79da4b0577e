package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.selvedge.SelvedgeException;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineUnreachableException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerEnginesTest {

  @Test
  void hostFlagBeatsDockerHostBeatsTheLocalSocket() {
    Map<String, String> env = Map.of("DOCKER_HOST", "tcp://10.0.0.5:2375", "HOME", "/home/op");

    assertThat(EngineOptions.fromEnvironment("unix:///run/other.sock", env).host())
        .isEqualTo("unix:///run/other.sock");
    assertThat(EngineOptions.fromEnvironment(null, env).host()).isEqualTo("tcp://10.0.0.5:2375");
    assertThat(EngineOptions.fromEnvironment(" ", Map.of()).host())
        .isEqualTo("unix:///var/run/docker.sock");
  }

  @Test
  void tlsFollowsDockerTlsVerifyAndCertPath() {
    assertThat(EngineOptions.fromEnvironment(null, Map.of("HOME", "/home/op")).tlsCertPath())
        .isNull();
    assertThat(
            EngineOptions.fromEnvironment(
                    null, Map.of("HOME", "/home/op", "DOCKER_TLS_VERIFY", "1"))
                .tlsCertPath())
        .isEqualTo(Path.of("/home/op/.docker"));
    assertThat(
            EngineOptions.fromEnvironment(
                    null, Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", "/etc/certs"))
                .tlsCertPath())
        .isEqualTo(Path.of("/etc/certs"));
  }

  @Test
  void selvedgeEngineTimeoutBoundsEachCallAndConnecting() {
    EngineOptions defaults = EngineOptions.fromEnvironment(null, Map.of());
    assertThat(defaults.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    EngineOptions longer =
        EngineOptions.fromEnvironment(null, Map.of("SELVEDGE_ENGINE_TIMEOUT", "2m"));
    assertThat(longer.requestTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(longer.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    EngineOptions shorter =
        EngineOptions.fromEnvironment(null, Map.of("SELVEDGE_ENGINE_TIMEOUT", "1500ms"));
    assertThat(shorter.requestTimeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(shorter.connectTimeout()).isEqualTo(Duration.ofMillis(1500));
    for (String bad : List.of("0s", "-5s", "30", "soon")) {
      assertThatThrownBy(
              () -> EngineOptions.fromEnvironment(null, Map.of("SELVEDGE_ENGINE_TIMEOUT", bad)))
          .as(bad)
          .isInstanceOf(SelvedgeException.class)
          .hasMessage(
              "SELVEDGE_ENGINE_TIMEOUT: '"
                  + bad
                  + "' is not a positive duration such as 30s, 90s or 2m");
    }
  }

  @Test
  void sshSettingsDefaultToOpenSshFiles() {
    SshOptions defaults = EngineOptions.fromEnvironment(null, Map.of("HOME", "/home/op")).ssh();
    SshOptions set =
        EngineOptions.fromEnvironment(
                null,
                Map.of(
                    "HOME", "/home/op",
                    "SELVEDGE_SSH_IDENTITY", "/keys/deploy",
                    "SELVEDGE_SSH_KNOWN_HOSTS", "/keys/known",
                    "SELVEDGE_SSH_ACCEPT_NEW", "true"))
            .ssh();

    assertThat(defaults.identities())
        .containsExactly(
            Path.of("/home/op/.ssh/id_ed25519"),
            Path.of("/home/op/.ssh/id_ecdsa"),
            Path.of("/home/op/.ssh/id_rsa"));
    assertThat(defaults.knownHosts()).isEqualTo(Path.of("/home/op/.ssh/known_hosts"));
    assertThat(defaults.acceptNewHostKeys()).isFalse();
    assertThat(set)
        .isEqualTo(new SshOptions(List.of(Path.of("/keys/deploy")), Path.of("/keys/known"), true));
  }

  @Test
  void eachSchemeGetsItsTransportAndDefaultPort() {
    Map<String, String> env = Map.of("HOME", "/home/op");

    assertThat(transport("unix:///run/docker.sock", env))
        .isInstanceOf(UnixSocketTransport.class)
        .extracting(Transport::endpoint)
        .isEqualTo("unix:///run/docker.sock");
    assertThat(transport("tcp://10.0.0.5", env).endpoint()).isEqualTo("tcp://10.0.0.5:2375");
    assertThat(transport("10.0.0.5:2380", env).endpoint()).isEqualTo("tcp://10.0.0.5:2380");
    assertThat(transport("tcp://[::1]:2375", env).endpoint()).isEqualTo("tcp://[::1]:2375");
    assertThat(transport("ssh://deploy@build.example", env).endpoint())
        .isEqualTo("ssh://deploy@build.example:22");
    assertThat(transport("ssh://deploy@10.0.0.7:2200", env).endpoint())
        .isEqualTo("ssh://deploy@10.0.0.7:2200");
  }

  @Test
  void badHostsSayWhatIsWrongAndWhereToFixIt() {
    Map<String, String> env = Map.of();

    assertThatThrownBy(() -> transport("npipe:////./pipe/docker_engine", env))
        .isInstanceOf(EngineUnreachableException.class)
        .hasMessage(
            "npipe:////./pipe/docker_engine: unsupported scheme 'npipe': use unix:///path,"
                + " tcp://HOST:PORT or ssh://USER@HOST[:PORT]; check --host or DOCKER_HOST");
    assertThatThrownBy(() -> transport("unix://", env))
        .hasMessage(
            "unix://: not a valid address (Expected authority); check --host or DOCKER_HOST");
    assertThatThrownBy(() -> transport("ssh://", env))
        .hasMessage(
            "ssh://: not a valid address (Expected authority); check --host or DOCKER_HOST");
    assertThatThrownBy(() -> transport("tcp://a b", env))
        .hasMessageContaining("not a valid address");
  }

  @Test
  void optionsAreValidated() {
    EngineOptions o = EngineOptions.fromEnvironment(null, Map.of());
    assertThatThrownBy(
            () -> o.withTimeouts(java.time.Duration.ZERO, java.time.Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> o.withHost(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anSshIdentityThatIsNoUsableKeySaysWhatItIs(@TempDir Path dir) throws Exception {
    byte[] random = new byte[400];
    new java.util.Random(10).nextBytes(random);
    Path noise = Files.write(dir.resolve("id_noise"), random);
    Path pub =
        Files.writeString(
            dir.resolve("id_ed25519.pub"),
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDpv9k5xLwQm0i1Sgh8wNq1mWc3jY8n0e9o4c7Rk2s1x op\n");
    // OpenSSH's format names the cipher in its header: here one with a passphrase.
    java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
    header.write("openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII));
    header.write(new byte[] {0, 0, 0, 10});
    header.write("aes256-ctr".getBytes(StandardCharsets.US_ASCII));
    header.write(new byte[] {0, 0, 0, 6});
    header.write("bcrypt".getBytes(StandardCharsets.US_ASCII));
    Path encrypted =
        Files.writeString(
            dir.resolve("id_encrypted"),
            "-----BEGIN OPENSSH PRIVATE KEY-----\n"
                + Base64.getEncoder().encodeToString(header.toByteArray())
                + "\n-----END OPENSSH PRIVATE KEY-----\n");

    assertThat(sshFailure(dir, noise))
        .isEqualTo(
            "ssh://op@127.0.0.1:1: SSH key "
                + noise
                + " is not a private key: expected an OpenSSH or PEM private key file"
                + " (-----BEGIN ... PRIVATE KEY-----); check SELVEDGE_SSH_IDENTITY (or the node's"
                + " ssh.identity in a fleet file)");
    assertThat(sshFailure(dir, pub))
        .isEqualTo(
            "ssh://op@127.0.0.1:1: SSH key "
                + pub
                + " is a public key: give the private key file (the one without .pub)");
    assertThat(sshFailure(dir, encrypted))
        .startsWith("ssh://op@127.0.0.1:1: SSH key " + encrypted + " is passphrase-protected");
  }

  /** The message of the first call to an ssh:// engine with {@code identity}: keys load first. */
  private static String sshFailure(Path dir, Path identity) {
    Map<String, String> env =
        Map.of(
            "SELVEDGE_SSH_IDENTITY", identity.toString(),
            "SELVEDGE_SSH_KNOWN_HOSTS", dir.resolve("known_hosts").toString());
    try (DockerEngine engine = DockerEngines.fromHost("ssh://op@127.0.0.1:1", env)) {
      return catchThrowableOfType(EngineUnreachableException.class, engine::info).getMessage();
    }
  }

  private static Transport transport(String host, Map<String, String> env) {
    return DockerEngines.transport(EngineOptions.fromEnvironment(host, env));
  }
}
