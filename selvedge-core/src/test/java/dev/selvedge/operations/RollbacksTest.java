package dev.selvedge.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.port.Deployment;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RollbacksTest {
  @TempDir Path dir;
  private final Fingerprints fingerprints = new Fingerprints(new byte[32]);

  private static final String V1 =
      """
      name: shop
      services:
        api:
          image: 127.0.0.1:5000/shop/api:good
          command: ["sh", "-c", "echo $$HOME"]
          environment:
            API_TOKEN: ${API_TOKEN}
            MODE: prod
          healthcheck:
            test: ["CMD", "true"]
            interval: 1s
          x-selvedge:
            readback:
              health: http://127.0.0.1:9000/healthz
              expect: {status: ok}
      """;

  private Deployment snapshot(Project p) {
    Map<String, Map<String, String>> fps = new TreeMap<>();
    for (Service s : p.services().values()) {
      Map<String, String> keys = new TreeMap<>();
      s.environment().forEach((k, v) -> keys.put(k, fingerprints.of(v)));
      fps.put(s.name(), keys);
    }
    return new Deployment(
        3,
        "unix:///var/run/docker.sock",
        p.name(),
        Deployment.Kind.APPLY,
        null,
        "tester",
        Instant.EPOCH,
        Instant.EPOCH,
        Deployment.Outcome.HEALTHY,
        false,
        ComposeConfig.redacted().render(p).toString(),
        List.of(),
        fps,
        null,
        "healthy");
  }

  @Test
  void rebuildsTheDeployedProjectWithSecretsFromTheCurrentContract() {
    Project v1 = OperationsFixtures.load(dir, V1, Map.of("API_TOKEN", "tok-111"));
    Deployment d = snapshot(v1);
    assertThat(d.renderedConfig()).doesNotContain("tok-111");

    Project v2 =
        OperationsFixtures.load(
            dir,
            V1.replace(":good", ":bad").replace("prod", "debug"),
            Map.of("API_TOKEN", "tok-111"));
    Rollbacks.Restored r = Rollbacks.restore(d, v2, fingerprints);

    Service api = r.project().services().get("api");
    assertThat(api.image()).isEqualTo("127.0.0.1:5000/shop/api:good");
    assertThat(api.environment())
        .containsEntry("API_TOKEN", "tok-111")
        .containsEntry("MODE", "prod");
    assertThat(api.command()).containsExactly("sh", "-c", "echo $HOME");
    assertThat(api.selvedge().readback().expect()).containsEntry("status", "ok");
    assertThat(r.warnings()).isEmpty();
    // The rebuilt project is the deployed one: same config hash as before.
    ResolvedImage img = new ResolvedImage(api.image(), "sha256:" + "a".repeat(64), null);
    assertThat(new SpecBuilder(r.project()).configHash(api, img))
        .isEqualTo(new SpecBuilder(v1).configHash(v1.services().get("api"), img));
  }

  @Test
  void aSecretThatChangedSinceIsUsedAndSaidSo() {
    Deployment d = snapshot(OperationsFixtures.load(dir, V1, Map.of("API_TOKEN", "tok-111")));
    Project now = OperationsFixtures.load(dir, V1, Map.of("API_TOKEN", "tok-222"));
    Rollbacks.Restored r = Rollbacks.restore(d, now, fingerprints);
    assertThat(r.project().services().get("api").environment())
        .containsEntry("API_TOKEN", "tok-222");
    assertThat(r.warnings())
        .singleElement()
        .asString()
        .contains("secret API_TOKEN of service 'api' changed since deployment 3")
        .doesNotContain("tok-");
  }

  @Test
  void aSecretInsideAnotherValueCannotBeRebuilt() {
    String compose = V1.replace("MODE: prod", "DATABASE_URL: postgres://app:${API_TOKEN}@db/app");
    Deployment d = snapshot(OperationsFixtures.load(dir, compose, Map.of("API_TOKEN", "tok-111")));
    Project now = OperationsFixtures.load(dir, compose, Map.of("API_TOKEN", "tok-111"));
    assertThatThrownBy(() -> Rollbacks.restore(d, now, fingerprints))
        .isInstanceOf(OperationException.class)
        .hasMessageContaining("services.api.environment.DATABASE_URL")
        .hasMessageNotContaining("tok-111");
  }

  @Test
  void aSecretTheCurrentContractLacksStopsTheRollback() {
    Deployment d = snapshot(OperationsFixtures.load(dir, V1, Map.of("API_TOKEN", "tok-111")));
    Project now =
        OperationsFixtures.load(dir, V1.replace("API_TOKEN: ${API_TOKEN}", "OTHER: x"), Map.of());
    assertThatThrownBy(() -> Rollbacks.restore(d, now, fingerprints))
        .isInstanceOf(OperationException.class)
        .hasMessageContaining("had secret API_TOKEN");
  }

  @Test
  void aKeyDeclaredSecretByTheContractStaysMaskedInTheRollbacksOwnSnapshot() {
    String compose =
        """
        name: shop
        x-selvedge:
          secrets: [DSN]
        services:
          api:
            image: 127.0.0.1:5000/shop/api:good
            environment:
              DSN: ${DSN}
        """;
    Project v1 = OperationsFixtures.load(dir, compose, Map.of("DSN", "postgres-dsn-hunter2"));
    Deployment d = snapshot(v1);
    assertThat(d.renderedConfig()).doesNotContain("hunter2");
    Rollbacks.Restored r = Rollbacks.restore(d, v1, fingerprints);
    assertThat(r.project().services().get("api").environment())
        .containsEntry("DSN", "postgres-dsn-hunter2");
    // What apply stores for the rollback deployment:
    assertThat(ComposeConfig.redacted().render(r.project()).toString()).doesNotContain("hunter2");
  }
}
