package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.docker.ssh.SshTransport;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.RemoteHost;
import dev.selvedge.port.RemoteHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
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
    RemoteHost host = engine.remoteHost().orElseThrow();
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
  void engineRequestsGoThroughAStreamLocalChannelWithNoProcessOnTheHost() {
    EngineOptions options = options(services);
    SshTransport ssh = (SshTransport) DockerEngines.transport(options);
    try (DockerEngine direct = DockerEngines.over(ssh, options)) {
      assertThat(direct.info().os()).isEqualTo("linux");
      direct.listContainers(Map.of(PROJECT, "selvedge-it-none"), true);
      assertThat(direct.info().os()).isEqualTo("linux");

      // sshd connected the engine's socket itself: no exec channel, so no dial-stdio process.
      assertThat(ssh.streamLocalChannels()).isEqualTo(1);
      assertThat(ssh.execChannels()).isZero();
    }
  }

  @Test
  void fallsBackToDialStdioForTheSessionWhereSshdRefusesStreamLocal(@TempDir Path dir)
      throws Exception {
    // A second sshd of our own on another loopback port, with the same host key and
    // authorized_keys as the shared one but unix-socket forwarding off.
    Path keys = services.path("SELVEDGE_TEST_SSH_KEY").getParent();
    int port = freePort();
    Path config = dir.resolve("sshd_config");
    Files.writeString(
        config,
        String.join(
            "\n",
            "Port " + port,
            "ListenAddress 127.0.0.1",
            "HostKey " + keys.resolve("host_ed25519_key"),
            "PidFile none",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "AuthorizedKeysFile " + keys.resolve("authorized_keys"),
            "UsePAM no",
            "AllowStreamLocalForwarding no",
            ""));
    String[] hostKey = Files.readString(keys.resolve("host_ed25519_key.pub")).split(" ");
    Path knownHosts = dir.resolve("known_hosts");
    Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + hostKey[0] + " " + hostKey[1]);
    Path log = dir.resolve("sshd.log");
    Process sshd =
        new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      awaitListening(sshd, port, log);
      String host = "ssh://root@127.0.0.1:" + port;
      EngineOptions options =
          EngineOptions.fromEnvironment(
              host,
              Map.of(
                  "SELVEDGE_SSH_IDENTITY", services.get("SELVEDGE_TEST_SSH_KEY"),
                  "SELVEDGE_SSH_KNOWN_HOSTS", knownHosts.toString()));
      SshTransport ssh = (SshTransport) DockerEngines.transport(options);
      try (DockerEngine refused = DockerEngines.over(ssh, options)) {
        assertThat(refused.info().os()).isEqualTo("linux");
        refused.listContainers(Map.of(PROJECT, "selvedge-it-none"), true);
        // Refused once, then remembered for the session: later connections go straight to exec.
        ssh.open(Duration.ofSeconds(30)).close();
        ssh.open(Duration.ofSeconds(30)).close();

        assertThat(ssh.streamLocalChannels()).as(Files.readString(log)).isEqualTo(1);
        assertThat(ssh.execChannels()).isEqualTo(3);
      }
    } finally {
      sshd.destroy();
      sshd.waitFor();
    }
  }

  /** Waits until sshd accepts connections, or fails with its log when it exits first. */
  private static void awaitListening(Process sshd, int port, Path log) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
        socket.shutdownOutput();
        return;
      } catch (java.net.ConnectException e) {
        assertThat(sshd.isAlive()).as("sshd exited: %s", Files.readString(log)).isTrue();
        assertThat(System.nanoTime()).as("sshd does not listen on %d", port).isLessThan(deadline);
        sshd.waitFor(20, java.util.concurrent.TimeUnit.MILLISECONDS);
      }
    }
  }

  @Test
  void oneEngineChannelServesManyRequestsConcurrentOnesToo() throws Exception {
    engine.info();
    int before = transport.opened();
    int execBefore = ssh().execChannels();
    int streamLocalBefore = ssh().streamLocalChannels();
    List<Thread> threads = new ArrayList<>();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    for (int t = 0; t < 6; t++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < 20; i++) {
                        assertThat(engine.info().os()).isEqualTo("linux");
                        engine.listContainers(Map.of(PROJECT, "selvedge-it-none"), true);
                      }
                    } catch (Throwable e) {
                      failures.add(e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }

    assertThat(failures).isEmpty();
    // 240 requests from 6 threads at once: each waited for the kept channel, none opened another.
    assertThat(transport.opened()).isEqualTo(before);
    assertThat(ssh().execChannels()).isEqualTo(execBefore);
    assertThat(ssh().streamLocalChannels()).isEqualTo(streamLocalBefore);
  }

  @Test
  void readsManyHostFilesInOneExecChannel(@TempDir Path dir) throws Exception {
    Path text = dir.resolve("it's here.env");
    Files.writeString(text, "A=1\nB=two words\n");
    // Bytes a framing could trip on: no final newline, line ends, NULs, a trailer-like line.
    byte[] binary = "x\n\r\n\0\nselvedge-0 0\nF 3\nend".getBytes(StandardCharsets.ISO_8859_1);
    Path raw = dir.resolve("raw\nname.bin");
    Files.write(raw, binary);
    Path empty = Files.createFile(dir.resolve("empty"));
    Path fifo = dir.resolve("fifo");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    Path absent = dir.resolve("absent");
    Path big = dir.resolve("big");
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
      f.setLength((16 << 20) + 1);
    }
    RemoteHost live = engine.remoteHost().orElseThrow();
    int before = ssh().execChannels();

    RemoteHost host =
        live.prefetched(
            List.of(
                text.toString(),
                raw.toString(),
                empty.toString(),
                fifo.toString(),
                absent.toString(),
                big.toString(),
                dir.toString()));

    assertThat(ssh().execChannels() - before).isEqualTo(1);
    assertThat(host.readFile(text.toString())).contains("A=1\nB=two words\n");
    assertThat(host.readBytes(raw.toString()).orElseThrow()).isEqualTo(binary);
    assertThat(host.readBytes(empty.toString()).orElseThrow()).isEmpty();
    assertThat(host.readBytes(absent.toString())).isEmpty();
    assertThat(host.isFile(text.toString())).isTrue();
    assertThat(host.isFile(fifo.toString())).isFalse();
    assertThat(host.exists(fifo.toString())).isTrue();
    assertThat(host.isFile(dir.toString())).isFalse();
    assertThat(host.exists(dir.toString())).isTrue();
    assertThat(host.exists(absent.toString())).isFalse();
    assertThatThrownBy(() -> host.readBytes(fifo.toString()))
        .hasMessage(target() + ": cannot read " + fifo + ": not a regular file");
    assertThatThrownBy(() -> host.readBytes(dir.toString()))
        .hasMessage(target() + ": cannot read " + dir + ": is a directory, not a file");
    assertThat(host.isFile(big.toString())).isTrue();
    assertThatThrownBy(() -> host.readBytes(big.toString()))
        .hasMessage(target() + ": cannot read " + big + ": larger than 16 MiB");
    assertThat(ssh().execChannels() - before).isEqualTo(1);
    // A path not read ahead is asked for on its own; one read ahead again costs nothing.
    assertThat(host.prefetched(List.of(text.toString()))).isSameAs(host);
    assertThat(host.isFile(dir.resolve("other").toString())).isFalse();
    assertThat(ssh().execChannels() - before).isEqualTo(2);
  }

  @Test
  void aHostFileReadThatCannotLogInNamesTheHostOnce(@TempDir Path dir) {
    try (DockerEngine refused =
        DockerEngines.fromHost(host(services), env(services, "SELVEDGE_TEST_SSH_KEY_WRONG"))) {
      RemoteHost host = refused.remoteHost().orElseThrow();
      assertThatThrownBy(() -> host.readBytes(dir.resolve(".env").toString()))
          .isInstanceOf(RemoteHostException.class)
          .hasMessageStartingWith(target() + ": SSH key authentication failed with [")
          .satisfies(e -> assertThat(e.getMessage().split("127\\.0\\.0\\.1", -1)).hasSize(2));
    }
  }

  private SshTransport ssh() {
    return (SshTransport) transport.delegate();
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
                  + ": SSH key authentication failed with ["
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
                  + ": the host key is unknown: it is not in "
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
          .hasMessageStartingWith(host(services) + ": the host key (ssh-ed25519 SHA256:")
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
  void aRefusedPortNamesUserHostAndPortOnce() throws Exception {
    int port = freePort();
    String host = "ssh://root@127.0.0.1:" + port;
    try (DockerEngine refused =
        DockerEngines.fromHost(host, env(services, "SELVEDGE_TEST_SSH_KEY"))) {
      assertThatThrownBy(refused::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessage(
              host
                  + ": connection refused: is sshd running there, and is the port right? check"
                  + " --host or DOCKER_HOST");
    }
  }
}
