package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.LocalHost;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketEngineIT extends DockerEngineContract {

  @Override
  protected EngineOptions options(TestServices services) {
    return EngineOptions.fromEnvironment(services.get("SELVEDGE_TEST_DOCKER_HOST"), Map.of());
  }

  @Test
  void theDefaultHostIsTheLocalSocket() {
    try (DockerEngine local = DockerEngines.fromHost(null, Map.of())) {
      assertThat(local.endpoint()).isEqualTo("unix:///var/run/docker.sock");
      assertThat(local.info().apiVersion()).isEqualTo(engine.info().apiVersion());
      assertThat(local.remoteHost()).containsInstanceOf(LocalHost.class);
    }
  }

  @Test
  void aMissingSocketSaysToStartDockerd(@TempDir Path dir) {
    String host = "unix://" + dir.resolve("docker.sock");
    try (DockerEngine missing = DockerEngines.fromHost(host, Map.of())) {
      assertThatThrownBy(missing::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessage(
              host
                  + ": no Docker engine (the socket does not exist): is dockerd running? start it"
                  + " or set DOCKER_HOST (or --host)")
          .hasNoCause();
    }
  }

  @Test
  void aStaleSocketIsRefused(@TempDir Path dir) throws IOException {
    Path socket = dir.resolve("stale.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(Files.exists(socket)).isTrue();
    try (DockerEngine stale = DockerEngines.fromHost("unix://" + socket, Map.of())) {
      assertThatThrownBy(stale::info)
          .isInstanceOf(EngineUnreachableException.class)
          .hasMessage(
              "unix://"
                  + socket
                  + ": nothing accepts connections on the socket (a stale one?): is dockerd"
                  + " running? start it or set DOCKER_HOST (or --host)");
    }
  }

  /** The baseline the drift benchmark compares with: one docker CLI process per container. */
  @Test
  void printsTheDockerInspectProcessBaseline() {
    String id = containers.create(List.of(), List.of(services.image(), "sleep", "3600"));
    long start = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      TestContainers.docker(List.of("inspect", id));
    }
    double perProcess = (System.nanoTime() - start) / 1e6 / 10;
    System.out.printf(
        "[perf] baseline: one 'docker inspect' process %.1f ms, so 50 take ~%.0f ms%n",
        perProcess, perProcess * 50);
    assertThat(perProcess).isPositive();
  }
}
