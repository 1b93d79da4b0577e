package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selvedge.SelvedgeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryAuthTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String PASSWORD = "planted-pa55word-q8z";

  @TempDir Path dir;

  @Test
  void theRegistryIsTheFirstComponentWhenItLooksLikeAHost() {
    assertThat(RegistryAuth.registryOf("nginx")).isEqualTo(RegistryAuth.DOCKER_HUB);
    assertThat(RegistryAuth.registryOf("library/nginx:1")).isEqualTo(RegistryAuth.DOCKER_HUB);
    assertThat(RegistryAuth.registryOf("docker.io/library/nginx"))
        .isEqualTo(RegistryAuth.DOCKER_HUB);
    assertThat(RegistryAuth.registryOf("127.0.0.1:5000/selvedge-test/app:good"))
        .isEqualTo("127.0.0.1:5000");
    assertThat(RegistryAuth.registryOf("localhost/app")).isEqualTo("localhost");
    assertThat(RegistryAuth.registryOf("ghcr.io/o/app@sha256:" + "b".repeat(64)))
        .isEqualTo("ghcr.io");
    assertThat(RegistryAuth.registryOf("myorg/app:1")).isEqualTo(RegistryAuth.DOCKER_HUB);
  }

  @Test
  void anAuthEntryBecomesUserAndPassword() throws IOException {
    config(
        """
        {"auths": {"127.0.0.1:5000": {"auth": "%s"}}}
        """
            .formatted(base64("deploy:" + PASSWORD)));

    JsonNode header = header(auth(), "127.0.0.1:5000/shop/api:1");

    assertThat(header)
        .isEqualTo(
            MAPPER.readTree(
                """
                {"username": "deploy", "password": "%s", "serveraddress": "127.0.0.1:5000"}
                """
                    .formatted(PASSWORD)));
  }

  @Test
  void dockerHubCredentialsAreFoundUnderTheirUrlKey() throws IOException {
    config(
        """
        {"auths": {"https://index.docker.io/v1/": {"username": "u", "password": "%s"}}}
        """
            .formatted(PASSWORD));

    JsonNode header = header(auth(), "nginx:1.27");

    assertThat(header.path("username").asText()).isEqualTo("u");
    assertThat(header.path("serveraddress").asText()).isEqualTo(RegistryAuth.DOCKER_HUB);
    assertThat(auth().header("ghcr.io/o/app:1")).isEmpty();
  }

  @Test
  void anIdentityTokenIsSentAlone() throws IOException {
    config("{\"auths\": {\"https://registry.example\": {\"identitytoken\": \"tok-123\"}}}");

    assertThat(header(auth(), "registry.example/app:1"))
        .isEqualTo(
            MAPPER.readTree(
                "{\"identitytoken\": \"tok-123\", \"serveraddress\": \"registry.example\"}"));
  }

  @Test
  void aCredentialHelperIsAskedWithTheRegistryOnStdin() throws IOException {
    Path bin =
        helper("selvedgetest", "{\"Username\": \"robot\", \"Secret\": \"" + PASSWORD + "\"}");
    config("{\"auths\": {}, \"credHelpers\": {\"127.0.0.1:5000\": \"selvedgetest\"}}");

    JsonNode header = header(auth(bin), "127.0.0.1:5000/app:1");

    assertThat(header.path("username").asText()).isEqualTo("robot");
    assertThat(header.path("password").asText()).isEqualTo(PASSWORD);
    assertThat(Files.readString(dir.resolve("helper-stdin"))).isEqualTo("127.0.0.1:5000");
  }

  @Test
  void theCredentialStoreAnswersATokenForEveryRegistry() throws IOException {
    Path bin = helper("store", "{\"Username\": \"<token>\", \"Secret\": \"tok-456\"}");
    config("{\"credsStore\": \"store\"}");

    JsonNode header = header(auth(bin), "nginx");

    assertThat(header.path("identitytoken").asText()).isEqualTo("tok-456");
    assertThat(Files.readString(dir.resolve("helper-stdin"))).isEqualTo(RegistryAuth.DOCKER_HUB);
  }

  @Test
  void aHelperWithoutCredentialsMeansNone() throws IOException {
    Path bin = dir.resolve("bin");
    Files.createDirectories(bin);
    script(bin.resolve("docker-credential-empty"), "echo 'credentials not found'; exit 1");
    config("{\"credsStore\": \"empty\"}");

    assertThat(auth(bin).header("registry.example/app")).isEmpty();
  }

  @Test
  void aMissingHelperSaysWhatToInstall() throws IOException {
    config("{\"credHelpers\": {\"registry.example\": \"absent\"}}");

    assertThatThrownBy(() -> auth(dir.resolve("nobin")).header("registry.example/app"))
        .isInstanceOf(SelvedgeException.class)
        .hasMessage(
            dir.resolve("config.json")
                + " names the credential helper absent for registry.example but"
                + " docker-credential-absent is not on PATH: install it or remove it from the"
                + " config");
  }

  @Test
  void noConfigMeansNoCredentials() {
    assertThat(auth().header("127.0.0.1:5000/app")).isEmpty();
  }

  @Test
  void messagesAndToStringNeverHoldTheSecret() throws IOException {
    String broken = base64("no-colon-" + PASSWORD);
    config("{\"auths\": {\"registry.example\": {\"auth\": \"" + broken + "\"}}}");
    RegistryAuth auth = auth();

    assertThatThrownBy(() -> auth.header("registry.example/app"))
        .isInstanceOf(SelvedgeException.class)
        .hasMessageContaining("auths.registry.example.auth is not user:password")
        .message()
        .doesNotContain(PASSWORD)
        .doesNotContain(broken);
    assertThat(auth.toString()).doesNotContain(PASSWORD).doesNotContain(broken);
  }

  @Test
  void dockerConfigWinsOverHome() throws IOException {
    Path other = Files.createDirectories(dir.resolve("other"));
    Files.writeString(
        other.resolve("config.json"),
        "{\"auths\": {\"registry.example\": {\"username\": \"x\", \"password\": \"y\"}}}");

    RegistryAuth auth =
        RegistryAuth.fromEnvironment(Map.of("DOCKER_CONFIG", other.toString(), "HOME", "/nowhere"));

    assertThat(auth.header("registry.example/app")).isPresent();
  }

  // --- fixtures

  private RegistryAuth auth() {
    return new RegistryAuth(
        dir.resolve("config.json"), Map.of("PATH", dir.resolve("nobin").toString()));
  }

  private RegistryAuth auth(Path bin) {
    return new RegistryAuth(dir.resolve("config.json"), Map.of("PATH", bin + ":/usr/bin:/bin"));
  }

  private void config(String json) throws IOException {
    Files.writeString(dir.resolve("config.json"), json);
  }

  private Path helper(String name, String answer) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    script(
        bin.resolve("docker-credential-" + name),
        "[ \"$1\" = get ] || exit 2\ncat > '"
            + dir.resolve("helper-stdin")
            + "'\necho '"
            + answer
            + "'");
    return bin;
  }

  private static void script(Path file, String body) throws IOException {
    Files.writeString(file, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
  }

  private static JsonNode header(RegistryAuth auth, String reference) throws IOException {
    String value = auth.header(reference).orElseThrow();
    return MAPPER.readTree(Base64.getUrlDecoder().decode(value));
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
