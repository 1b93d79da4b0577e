package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.RemoteHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshEngineIT extends DockerEngineContract {

  @Override
  protected EngineOptions options(TestServices services) {
    return EngineOptions.fromEnvironment(host(services), env(services, "SELVEDGE_TEST_SSH_KEY"));
  }

  private static String host(TestServices services) {
    return services.get("SELVEDGE_TEST_SSH_HOST");
  }

  private static Map<String, String> env(TestServices services, String keyVariable) {
    return Map.of(
        "SELVEDGE_SSH_IDENTITY", services.get(keyVariable),
        "SELVEDGE_SSH_KNOWN_HOSTS", services.get("SELVEDGE_TEST_SSH_KNOWN_HOSTS"));
  }

  private String target() {
    return host(services).substring("ssh://".length());
  }

  @Test
  void anEcdsaKeyWorksToo() {
    try (DockerEngine ecdsa =
        DockerEngines.fromHost(host(services), env(services, "SELVEDGE_TEST_SSH_KEY_ECDSA"))) {
      assertThat(ecdsa.info().os()).isEqualTo("linux");
    }
  }

  @Test
  void readsHostFilesOverTheSameSession(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("it's here.env");
    Files.writeString(file, "A=1\nB=two words\n");
    RemoteHost host = DockerEngines.remoteHost(engine).orElseThrow();
    int before = transport.opened();

    assertThat(host.name()).isEqualTo(target());
    assertThat(host.readFile(file.toString())).contains("A=1\nB=two words\n");
    assertThat(host.readFile(dir.resolve("absent").toString())).isEmpty();
    assertThat(host.exists(file.toString())).isTrue();
    assertThat(host.exists(dir.toString())).isTrue();
    assertThat(host.exists(dir.resolve("absent").toString())).isFalse();
    assertThat(host.isFile(file.toString())).isTrue();
    assertThat(host.isFile(dir.toString())).isFalse();
    assertThat(host.readBytes(file.toString()).orElseThrow()).hasSize(16);
    assertThatThrownBy(() -> host.readFile(dir.toString()))
        .hasMessageStartingWith(target() + ": cannot read " + dir + ": ");
    assertThat(transport.opened()).isEqualTo(before);
  }

  @Test
  void aKeyTheHostRefusesNamesUserHostAndPort() {
    Path wrong = services.path("SELVEDGE_TEST_SSH_KEY_WRONG");
    try (DockerEngine refused =
        DockerEngines.fromHost(host(services), env(services, "SELVEDGE_TEST_SSH_KEY_WRONG"))) {
      assertThatThrownBy(refused::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessageStartingWith(
              host(services)
                  + ": SSH key authentication failed for "
                  + target()
                  + " with ["
                  + wrong
                  + "]: the host does not accept that key");
    }
  }

  @Test
  void anUnknownHostKeyIsRefusedWithWhatToDo(@TempDir Path dir) {
    Path knownHosts = dir.resolve("known_hosts");
    Map<String, String> env =
        Map.of(
            "SELVEDGE_SSH_IDENTITY", services.get("SELVEDGE_TEST_SSH_KEY"),
            "SELVEDGE_SSH_KNOWN_HOSTS", knownHosts.toString());
    String port = services.get("SELVEDGE_TEST_SSH_PORT");
    try (DockerEngine unknown = DockerEngines.fromHost(host(services), env)) {
      assertThatThrownBy(unknown::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessageStartingWith(
              host(services)
                  + ": host key for [127.0.0.1]:"
                  + port
                  + " is unknown: it is not in "
                  + knownHosts
                  + ". The host offered ssh-ed25519 SHA256:")
          .hasMessageContaining("ssh-keyscan -p " + port + " 127.0.0.1 >> " + knownHosts);
    }
    assertThat(knownHosts).doesNotExist();
  }

  @Test
  void acceptNewAddsAnUnknownHostKeyThenChecksIt(@TempDir Path dir) throws Exception {
    Path knownHosts = dir.resolve("known_hosts");
    Map<String, String> env =
        Map.of(
            "SELVEDGE_SSH_IDENTITY", services.get("SELVEDGE_TEST_SSH_KEY"),
            "SELVEDGE_SSH_KNOWN_HOSTS", knownHosts.toString(),
            "SELVEDGE_SSH_ACCEPT_NEW", "1");
    try (DockerEngine first = DockerEngines.fromHost(host(services), env)) {
      assertThat(first.info().os()).isEqualTo("linux");
    }
    String port = services.get("SELVEDGE_TEST_SSH_PORT");
    assertThat(Files.readAllLines(knownHosts))
        .singleElement()
        .asString()
        .startsWith("[127.0.0.1]:" + port + " ssh-ed25519 ");
    try (DockerEngine second = DockerEngines.fromHost(host(services), env)) {
      assertThat(second.info().os()).isEqualTo("linux");
    }
    assertThat(Files.readAllLines(knownHosts)).hasSize(1);
  }

  @Test
  void aChangedHostKeyNamesTheKnownHostsLine() {
    Path mismatch = services.path("SELVEDGE_TEST_SSH_KNOWN_HOSTS_MISMATCH");
    Map<String, String> env =
        Map.of(
            "SELVEDGE_SSH_IDENTITY", services.get("SELVEDGE_TEST_SSH_KEY"),
            "SELVEDGE_SSH_KNOWN_HOSTS", mismatch.toString(),
            "SELVEDGE_SSH_ACCEPT_NEW", "1");
    String port = services.get("SELVEDGE_TEST_SSH_PORT");
    try (DockerEngine changed = DockerEngines.fromHost(host(services), env)) {
      assertThatThrownBy(changed::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessageStartingWith(
              host(services) + ": host key for [127.0.0.1]:" + port + " (ssh-ed25519 SHA256:")
          .hasMessageContaining(
              "does not match known_hosts line 2 of "
                  + mismatch
                  + "; if the host was reinstalled, remove the old key with ssh-keygen -R"
                  + " '[127.0.0.1]:"
                  + port
                  + "' -f "
                  + mismatch);
    }
  }

  @Test
  void aRefusedPortNamesUserHostAndPort() throws Exception {
    int port = freePort();
    String host = "ssh://root@127.0.0.1:" + port;
    try (DockerEngine refused =
        DockerEngines.fromHost(host, env(services, "SELVEDGE_TEST_SSH_KEY"))) {
      assertThatThrownBy(refused::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessage(
              host
                  + ": connection refused by root@127.0.0.1:"
                  + port
                  + ": is sshd running there, and is the port right? check --host or DOCKER_HOST");
    }
  }
}
