package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.RegistryDigests;
import org.junit.jupiter.api.Test;

/**
 * How an image reference becomes the registry API's manifest URL (the requests themselves are
 * AutoUpdateApiIT's, against real registries): Docker Hub's names and host, the default tag,
 * registries with ports, http for loopback only.
 */
class RegistryClientTest {
  @Test
  void aLoopbackRegistryIsAskedOverHttpAndItsPortKept() {
    RegistryClient.Reference r = RegistryClient.Reference.parse("127.0.0.1:5000/shop/api:1");
    assertThat(r.registry()).isEqualTo("127.0.0.1:5000");
    assertThat(r.manifest()).hasToString("http://127.0.0.1:5000/v2/shop/api/manifests/1");
    assertThat(RegistryClient.Reference.parse("localhost:5001/api").manifest())
        .hasToString("http://localhost:5001/v2/api/manifests/latest");
  }

  @Test
  void anyOtherRegistryIsAskedOverHttps() {
    assertThat(RegistryClient.Reference.parse("ghcr.io/acme/api:2.1").manifest())
        .hasToString("https://ghcr.io/v2/acme/api/manifests/2.1");
    assertThat(RegistryClient.Reference.parse("registry.example.net:8443/x/y/z:v1").manifest())
        .hasToString("https://registry.example.net:8443/v2/x/y/z/manifests/v1");
  }

  @Test
  void dockerHubNamesAreItsLibraryOnItsRegistryHost() {
    RegistryClient.Reference nginx = RegistryClient.Reference.parse("nginx:1.27");
    assertThat(nginx.registry()).isEqualTo(RegistryAuth.DOCKER_HUB);
    assertThat(nginx.manifest())
        .hasToString("https://registry-1.docker.io/v2/library/nginx/manifests/1.27");
    assertThat(RegistryClient.Reference.parse("docker.io/acme/api").manifest())
        .hasToString("https://registry-1.docker.io/v2/acme/api/manifests/latest");
  }

  @Test
  void aDigestOrAMalformedReferenceIsRefusedInWords() {
    assertThatThrownBy(() -> RegistryClient.Reference.parse("nginx@sha256:" + "a".repeat(64)))
        .isInstanceOf(RegistryDigests.Failed.class)
        .hasMessageContaining("is not a tag reference");
    assertThatThrownBy(() -> RegistryClient.Reference.parse("Bad/Name:1"))
        .hasMessageContaining("'Bad/Name:1' is not an image reference");
    assertThatThrownBy(() -> RegistryClient.Reference.parse("api:bad tag"))
        .hasMessageContaining("is not an image reference");
  }

  @Test
  void anUnreachableRegistryIsSaidWithItsHost() throws Exception {
    int port;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    RegistryClient client =
        new RegistryClient(
            new RegistryAuth(java.nio.file.Path.of("/nonexistent/config.json"), java.util.Map.of()),
            java.time.Duration.ofSeconds(5));
    String ref = "127.0.0.1:" + port + "/api:1";
    assertThatThrownBy(() -> client.digest(ref))
        .isInstanceOf(RegistryDigests.Failed.class)
        .hasMessageStartingWith("cannot reach registry 127.0.0.1:" + port + " for api:1");
  }

  /** A registry on loopback whose manifests need a token from {@code realm}; counts requests. */
  private static com.sun.net.httpserver.HttpServer registry(
      java.util.function.Function<Integer, String> realm, java.util.List<String> requests)
      throws java.io.IOException {
    com.sun.net.httpserver.HttpServer server =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    int port = server.getAddress().getPort();
    server.createContext(
        "/",
        x -> {
          requests.add(x.getRequestMethod() + " " + x.getRequestURI().getPath());
          if (x.getRequestURI().getPath().equals("/token")) {
            byte[] body = "{\"token\":\"t0k\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
          } else if ("Bearer t0k".equals(x.getRequestHeaders().getFirst("Authorization"))) {
            x.getResponseHeaders().add("Docker-Content-Digest", "sha256:" + "d".repeat(64));
            x.sendResponseHeaders(200, -1);
          } else {
            x.getResponseHeaders()
                .add(
                    "WWW-Authenticate",
                    "Bearer realm=\"" + realm.apply(port) + "\",service=\"test\"");
            x.sendResponseHeaders(401, -1);
          }
          x.close();
        });
    server.start();
    return server;
  }

  private static RegistryClient client() {
    return new RegistryClient(
        new RegistryAuth(java.nio.file.Path.of("/nonexistent/config.json"), java.util.Map.of()),
        java.time.Duration.ofSeconds(5));
  }

  @Test
  void aTokenServiceOverPlainHttpOffThisMachineIsRefusedBeforeItIsAsked() throws Exception {
    java.util.List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer server =
        registry(port -> "http://example.invalid/token", requests);
    try (RegistryClient client = client()) {
      int port = server.getAddress().getPort();
      assertThatThrownBy(() -> client.digest("127.0.0.1:" + port + "/shop/api:1"))
          .isInstanceOf(RegistryDigests.Failed.class)
          .hasMessage(
              "registry 127.0.0.1:"
                  + port
                  + " names the token service http://example.invalid/token over plain http:"
                  + " credentials would travel in cleartext, so it is not asked (an http token"
                  + " service must be on this machine, for a loopback registry)");
      assertThat(requests).containsExactly("HEAD /v2/shop/api/manifests/1");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aLoopbackTokenServiceOfALoopbackRegistryIsAskedAndTheTokenUsed() throws Exception {
    java.util.List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer server =
        registry(port -> "http://127.0.0.1:" + port + "/token", requests);
    try (RegistryClient client = client()) {
      int port = server.getAddress().getPort();
      assertThat(client.digest("127.0.0.1:" + port + "/shop/api:1"))
          .isEqualTo("sha256:" + "d".repeat(64));
      assertThat(requests)
          .containsExactly(
              "HEAD /v2/shop/api/manifests/1", "GET /token", "HEAD /v2/shop/api/manifests/1");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void closingStopsItsHttpClientAndRefusesLaterRequests() throws Exception {
    java.util.List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer server =
        registry(port -> "http://127.0.0.1:" + port + "/token", requests);
    try {
      RegistryClient client = client();
      int port = server.getAddress().getPort();
      client.digest("127.0.0.1:" + port + "/shop/api:1");
      client.close();
      assertThat(client.awaitClosed(java.time.Duration.ofSeconds(10))).isTrue();
      assertThatThrownBy(() -> client.digest("127.0.0.1:" + port + "/shop/api:1"))
          .isInstanceOf(RegistryDigests.Failed.class)
          .hasMessageStartingWith("cannot reach registry 127.0.0.1:" + port);
    } finally {
      server.stop(0);
    }
  }
}
