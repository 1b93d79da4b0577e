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
}
