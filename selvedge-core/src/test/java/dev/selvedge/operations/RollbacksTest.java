package dev.selvedge.operations;

import static dev.selvedge.port.Deployment.Outcome.FAILED;
import static dev.selvedge.port.Deployment.Outcome.HEALTHY;
import static dev.selvedge.port.Deployment.Outcome.ROLLED_BACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.DeploymentStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
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

  /** The store's history as a list, newest last: the port's contract, in memory. */
  private static DeploymentStore history(Deployment.Outcome... outcomes) {
    List<Deployment> all = new ArrayList<>();
    for (Deployment.Outcome o : outcomes) {
      all.add(
          new Deployment(
              all.size() + 1,
              HOST,
              "shop",
              Deployment.Kind.APPLY,
              null,
              "tester",
              Instant.EPOCH,
              Instant.EPOCH,
              o,
              false,
              "{}",
              List.of(),
              Map.of(),
              null,
              o.id()));
    }
    return new DeploymentStore() {
      @Override
      public Deployment begin(Deployment draft) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void finish(long id, Deployment.Outcome outcome, String summary, Instant at) {
        throw new UnsupportedOperationException();
      }

      @Override
      public boolean settle(long id, Deployment.Outcome outcome, String summary, Instant at) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void pin(long id, List<Deployment.ServiceImage> images) {
        throw new UnsupportedOperationException();
      }

      @Override
      public boolean discard(long id) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Optional<Deployment> find(long id) {
        return all.stream().filter(d -> d.id() == id).findFirst();
      }

      @Override
      public List<Deployment> history(String host, String project, int limit) {
        return all.reversed().stream().limit(limit).toList();
      }

      @Override
      public Optional<Deployment> lastHealthy(String host, String project) {
        throw new UnsupportedOperationException();
      }

      @Override
      public int markInterrupted(String host, String project, Instant at) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Adopted adopt(String endpoint, String identity) {
        throw new UnsupportedOperationException();
      }

      @Override
      public List<Alias> aliases(String endpoint) {
        throw new UnsupportedOperationException();
      }
    };
  }

  private static final String HOST = "unix:///var/run/docker.sock";

  @Test
  void theTargetsANamedRollbackMayTakeAreTheHealthyOnesButTheOneThatRuns() {
    // 1 healthy, 2 failed (put back: 1 runs), 3 healthy, 4 rolled back.
    List<Deployment> h = history(HEALTHY, FAILED, HEALTHY, ROLLED_BACK).history(HOST, "shop", 10);
    // The containers say 1 runs, but 3 is newer and healthy: 3 runs (it changed no container).
    assertThat(Rollbacks.current(h, OptionalLong.of(1))).hasValue(3);
    assertThat(Rollbacks.current(h, OptionalLong.of(4))).hasValue(4);
    assertThat(Rollbacks.current(h, OptionalLong.empty())).isEmpty();
    OptionalLong current = Rollbacks.current(h, OptionalLong.of(0));
    assertThat(current).hasValue(3);
    assertThat(h.stream().filter(d -> Rollbacks.isTarget(d, current)).map(Deployment::id))
        .containsExactly(1L);
    // Nothing runs: every healthy deployment may be named.
    assertThat(h.stream().filter(d -> Rollbacks.isTarget(d, OptionalLong.empty())))
        .extracting(Deployment::id)
        .containsExactly(3L, 1L);
    // The same rule as the target chosen without a number.
    assertThat(
            Rollbacks.target(history(HEALTHY, FAILED, HEALTHY), HOST, "shop", null, current).id())
        .isEqualTo(1);
  }

  @Test
  void afterADeploymentThatChangedNoContainerTheDefaultTargetIsTheOneBeforeIt() {
    // 1 and 2 recreated containers; 3 only removed an orphan, so the containers still say 2.
    DeploymentStore store = history(HEALTHY, HEALTHY, HEALTHY);
    assertThat(Rollbacks.target(store, HOST, "shop", null, OptionalLong.of(2)).id()).isEqualTo(2);
  }

  @Test
  void aPartlyAppliedDeploymentCountsAsRunningAndAPutBackOneDoesNot() {
    // 3 failed after changing a container (its label runs): back to 2.
    assertThat(
            Rollbacks.target(history(HEALTHY, HEALTHY, FAILED), HOST, "shop", null, running(3))
                .id())
        .isEqualTo(2);
    // 3 was rolled back: 2 runs again, so going back means 1.
    assertThat(
            Rollbacks.target(history(HEALTHY, HEALTHY, ROLLED_BACK), HOST, "shop", null, running(2))
                .id())
        .isEqualTo(1);
    // Nothing of Selvedge's runs (after down): the newest healthy one comes back.
    assertThat(
            Rollbacks.target(
                    history(HEALTHY, HEALTHY, ROLLED_BACK),
                    HOST,
                    "shop",
                    null,
                    OptionalLong.empty())
                .id())
        .isEqualTo(2);
  }

  @Test
  void onlyAHealthyDeploymentIsATargetAndTheRefusalSpellsItsOutcomeAsEverywhere() {
    assertThatThrownBy(
            () ->
                Rollbacks.target(
                    history(HEALTHY, ROLLED_BACK), HOST, "shop", 2L, OptionalLong.empty()))
        .isInstanceOf(OperationException.class)
        .hasMessageContaining("it ended rolled-back");
    assertThatThrownBy(
            () -> Rollbacks.target(history(ROLLED_BACK, HEALTHY), HOST, "shop", null, running(2)))
        .hasMessageContaining("no healthy deployment older than deployment 2");
  }

  private static OptionalLong running(long id) {
    return OptionalLong.of(id);
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
