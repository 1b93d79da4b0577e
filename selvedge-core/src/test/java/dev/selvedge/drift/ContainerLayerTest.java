package dev.selvedge.drift;

import static dev.selvedge.drift.DriftFixtures.check;
import static dev.selvedge.drift.DriftFixtures.containers;
import static dev.selvedge.drift.DriftFixtures.images;
import static dev.selvedge.drift.DriftFixtures.project;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.selvedge.contract.model.Project;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ImageDetails;
import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.status.Sync;
import dev.selvedge.testing.ContainerBuilder;
import dev.selvedge.testing.ServiceBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The contract against running containers: one test per comparison rule and class. */
class ContainerLayerTest {
  private final Project p = project();

  private static void assertOnly(DriftReport r, String key, DriftClass kind) {
    assertThat(r.findings())
        .as("findings")
        .extracting(DriftFinding::key, DriftFinding::kind)
        .containsExactly(tuple(key, kind));
  }

  @Test
  void theContainersComposeWouldCreateAreInSync() {
    DriftReport r = check(p, containers(p));
    assertThat(r.findings()).isEmpty();
    assertThat(r.unread()).isEmpty();
    assertThat(r.inSync()).isTrue();
    assertThat(r.outcome()).isEqualTo(DriftReport.Outcome.IN_SYNC);
    assertThat(r.status().pill()).isEqualTo(Pill.GREEN);
    assertThat(r.status().service("api").sync()).isEqualTo(Sync.IN_SYNC);
    assertThat(r.status().service("api").health()).isEqualTo(Health.HEALTHY);
    assertThat(r.layers()).containsExactly("repo", "container");
  }

  @Test
  void withoutAHostLayerTheLayerIsRepoContainer() {
    DriftReport r = check(p, containers(p, "api", c -> c.env("LOG_LEVEL", "debug")));
    assertThat(r.findings())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.layer()).isEqualTo(DriftLayer.REPO_CONTAINER);
              assertThat(f.service()).isEqualTo("api");
            });
  }

  @Nested
  class Containers {
    @Test
    void aServiceWithoutContainerIsMissingAndRed() {
      DriftReport r = check(p, List.of(DriftFixtures.container(p, "api").build()));
      assertThat(r.findings())
          .extracting(DriftFinding::service, DriftFinding::key, DriftFinding::kind)
          .containsExactly(tuple("db", "container", DriftClass.MISSING));
      assertThat(r.status().service("db").health()).isEqualTo(Health.MISSING);
      assertThat(r.status().service("db").pill()).isEqualTo(Pill.RED);
      assertThat(r.status().pill()).isEqualTo(Pill.RED);
      assertThat(r.outcome()).isEqualTo(DriftReport.Outcome.DRIFTED);
    }

    @Test
    void aProjectContainerOfAServiceTheContractLacksIsAnExtraOrphan() {
      List<ContainerDetails> all = new ArrayList<>(containers(p));
      all.add(ContainerBuilder.bare("shop", "debug").image("busybox").build());
      DriftReport r = check(p, all);
      assertThat(r.findings())
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.service()).isEqualTo("debug");
                assertThat(f.key()).isEqualTo("service");
                assertThat(f.kind()).isEqualTo(DriftClass.EXTRA);
                assertThat(f.actual()).isEqualTo("shop-debug-1");
                assertThat(f.message()).contains("shop-debug-1", "'debug'");
              });
      assertThat(r.status().pill()).isEqualTo(Pill.YELLOW);
      assertThat(r.status().projectReasons()).singleElement().asString().contains("shop-debug-1");
      assertThat(r.status().pillReasons()).anySatisfy(s -> assertThat(s).contains("(project)"));
    }

    @Test
    void aProjectContainerWithoutServiceLabelIsExtra() {
      List<ContainerDetails> all = new ArrayList<>(containers(p));
      all.add(
          ContainerBuilder.bare("shop", "x")
              .removeLabel("com.docker.compose.service")
              .name("stray")
              .build());
      DriftReport r = check(p, all);
      assertThat(r.findings())
          .extracting(DriftFinding::service, DriftFinding::key, DriftFinding::kind)
          .containsExactly(tuple(null, "container", DriftClass.EXTRA));
    }

    @Test
    void otherProjectsAndOneOffContainersAreIgnored() {
      List<ContainerDetails> all = new ArrayList<>(containers(p));
      all.add(ContainerBuilder.bare("other", "web").build());
      all.add(
          ContainerBuilder.bare("shop", "api")
              .name("shop-api-run-1")
              .label("com.docker.compose.oneoff", "True")
              .build());
      assertThat(check(p, all).findings()).isEmpty();
    }

    @Test
    void fewerContainersThanReplicasIsMissing() {
      Project scaled =
          DriftFixtures.shop(DriftFixtures.api(), DriftFixtures.db().replicas(2)).build();
      DriftReport r = check(scaled, containers(scaled));
      assertThat(r.findings())
          .extracting(
              DriftFinding::key, DriftFinding::kind, DriftFinding::expected, DriftFinding::actual)
          .containsExactly(tuple("replicas", DriftClass.MISSING, "2", "1"));
      assertThat(r.status().service("db").health()).isEqualTo(Health.DEGRADED);
    }

    @Test
    void moreContainersThanReplicasIsExtra() {
      List<ContainerDetails> all = new ArrayList<>(containers(p));
      all.add(DriftFixtures.container(p, "db").name("shop-db-2").id("db2").build());
      assertOnly(check(p, all), "replicas", DriftClass.EXTRA);
    }
  }

  @Nested
  class Image {
    @Test
    void anotherTagIsStale() {
      DriftReport r = check(p, containers(p, "db", c -> c.image("postgres:15")));
      assertOnly(r, "image", DriftClass.STALE);
      assertThat(r.findings().get(0).expected()).isEqualTo("postgres:16");
      assertThat(r.findings().get(0).actual()).isEqualTo("postgres:15");
    }

    @Test
    void familiarAndFullNamesAreTheSameReference() {
      DriftReport r = check(p, containers(p, "db", c -> c.image("docker.io/library/postgres:16")));
      assertThat(r.findings()).isEmpty();
    }

    @Test
    void aPinnedDigestMustBeAmongTheImagesRepoDigests() {
      Map<String, ImageDetails> other = new HashMap<>(images());
      other.put(
          ContainerBuilder.IMAGE_ID,
          new ImageDetails(
              ContainerBuilder.IMAGE_ID,
              List.of(),
              List.of("registry.example/team/api@sha256:" + "9".repeat(64))));
      List<ContainerDetails> cs =
          containers(p, "api", c -> c.image("registry.example/team/api:1.4.2"));
      DriftReport r = check(DriftInput.of(p, DriftFixtures.envExample(), cs).withImages(other));
      assertOnly(r, "image.digest", DriftClass.STALE);
      assertThat(r.findings().get(0).actual()).isEqualTo("sha256:" + "9".repeat(64));

      DriftReport ok = check(DriftInput.of(p, DriftFixtures.envExample(), cs).withImages(images()));
      assertThat(ok.findings()).isEmpty();
    }

    @Test
    void aPinnedDigestThatCannotBeLookedUpIsUnreadNotDrift() {
      List<ContainerDetails> cs =
          containers(p, "api", c -> c.image("registry.example/team/api:1.4.2"));
      DriftReport r = check(DriftInput.of(p, DriftFixtures.envExample(), cs));
      assertThat(r.findings()).isEmpty();
      assertThat(r.unread())
          .singleElement()
          .satisfies(u -> assertThat(u.key()).isEqualTo("image.digest"));
      assertThat(r.outcome()).isEqualTo(DriftReport.Outcome.UNREADABLE);
      assertThat(r.status().service("api").sync()).isEqualTo(Sync.UNKNOWN);
      assertThat(r.status().service("api").pill()).isEqualTo(Pill.YELLOW);
    }

    /** Selvedge creates a container from the image id when the image came from no registry. */
    @Test
    void aContainerCreatedFromAnImageIdIsComparedByThatImagesTags() {
      String id = DriftFixtures.DB_IMAGE_ID;
      List<ContainerDetails> cs = containers(p, "db", c -> c.image(id));
      assertThat(check(p, cs).findings()).as("the id is tagged postgres:16").isEmpty();

      Map<String, ImageDetails> retagged = new HashMap<>(images());
      retagged.put(id, new ImageDetails(id, List.of("postgres:15"), List.of()));
      DriftReport r = check(DriftInput.of(p, DriftFixtures.envExample(), cs).withImages(retagged));
      assertOnly(r, "image", DriftClass.STALE);
      assertThat(r.findings().get(0).actual()).isEqualTo(id);
    }

    @Test
    void aContainerCreatedFromAnUninspectedImageIdIsUnreadNotDrift() {
      List<ContainerDetails> cs = containers(p, "db", c -> c.image(DriftFixtures.DB_IMAGE_ID));
      Map<String, ImageDetails> apiOnly = new HashMap<>(images());
      apiOnly.remove(DriftFixtures.DB_IMAGE_ID);
      DriftReport r = check(DriftInput.of(p, DriftFixtures.envExample(), cs).withImages(apiOnly));
      assertThat(r.findings()).isEmpty();
      assertThat(r.unread()).singleElement().satisfies(u -> assertThat(u.key()).isEqualTo("image"));
      assertThat(r.outcome()).isEqualTo(DriftReport.Outcome.UNREADABLE);
    }

    @Test
    void aContainerCreatedFromAnImageIdKnownOnlyByThePinnedDigestIsThatImage() {
      String digest = DriftFixtures.API_IMAGE.substring(DriftFixtures.API_IMAGE.indexOf('@') + 1);
      Map<String, ImageDetails> untagged = new HashMap<>(images());
      untagged.put(
          ContainerBuilder.IMAGE_ID,
          new ImageDetails(
              ContainerBuilder.IMAGE_ID,
              List.of(),
              List.of("registry.example/team/api@" + digest)));
      List<ContainerDetails> cs = containers(p, "api", c -> c.image(ContainerBuilder.IMAGE_ID));
      DriftReport r = check(DriftInput.of(p, DriftFixtures.envExample(), cs).withImages(untagged));
      assertThat(r.findings()).isEmpty();

      untagged.put(
          ContainerBuilder.IMAGE_ID,
          new ImageDetails(
              ContainerBuilder.IMAGE_ID,
              List.of(),
              List.of("registry.example/team/api@sha256:" + "9".repeat(64))));
      DriftReport other =
          check(DriftInput.of(p, DriftFixtures.envExample(), cs).withImages(untagged));
      assertOnly(other, "image", DriftClass.STALE);
    }

    @Test
    void anUnpinnedImageIsComparedByReferenceOnly() {
      Map<String, ImageDetails> other = new HashMap<>(images());
      other.put(
          DriftFixtures.DB_IMAGE_ID,
          new ImageDetails(
              DriftFixtures.DB_IMAGE_ID, List.of(), List.of("postgres@sha256:" + "8".repeat(64))));
      DriftReport r =
          check(DriftInput.of(p, DriftFixtures.envExample(), containers(p)).withImages(other));
      assertThat(r.findings()).isEmpty();
    }
  }

  @Nested
  class Environment {
    @Test
    void aDifferentValueIsContradicted() {
      DriftReport r = check(p, containers(p, "api", c -> c.env("LOG_LEVEL", "debug")));
      assertOnly(r, "environment.LOG_LEVEL", DriftClass.CONTRADICTED);
      assertThat(r.findings().get(0).expected()).isEqualTo("info");
      assertThat(r.findings().get(0).actual()).isEqualTo("debug");
    }

    @Test
    void anAbsentKeyIsMissing() {
      assertOnly(
          check(p, containers(p, "api", c -> c.removeEnv("DB_HOST"))),
          "environment.DB_HOST",
          DriftClass.MISSING);
    }

    @Test
    void keysTheContractDoesNotDeclareAreImageDefaultsAndIgnored() {
      assertThat(check(p, containers(p, "api", c -> c.env("JAVA_HOME", "/opt/java"))).findings())
          .isEmpty();
    }

    @Test
    void aSecretIsComparedByFingerprint() {
      DriftReport r =
          check(p, containers(p, "api", c -> c.env("DB_PASSWORD", "rotated-elsewhere")));
      assertOnly(r, "environment.DB_PASSWORD", DriftClass.CONTRADICTED);
      DriftFinding f = r.findings().get(0);
      assertThat(f.expected()).isEqualTo(DriftFixtures.FINGERPRINTS.of(DriftFixtures.PLANTED));
      assertThat(f.actual()).isEqualTo(DriftFixtures.FINGERPRINTS.of("rotated-elsewhere"));
      assertThat(f.toString()).doesNotContain(DriftFixtures.PLANTED, "rotated-elsewhere");
    }
  }

  @Nested
  class LabelsAndCommand {
    @Test
    void aContractLabelMustBePresentWithItsValue() {
      assertOnly(
          check(p, containers(p, "api", c -> c.removeLabel("team"))),
          "labels.team",
          DriftClass.MISSING);
      assertOnly(
          check(p, containers(p, "api", c -> c.label("team", "ops"))),
          "labels.team",
          DriftClass.CONTRADICTED);
    }

    @Test
    void aSetCommandMustMatch() {
      DriftReport r = check(p, containers(p, "api", c -> c.cmd("api", "--migrate")));
      assertOnly(r, "command", DriftClass.CONTRADICTED);
      assertThat(r.findings().get(0).expected()).isEqualTo("[\"api\", \"--serve\"]");
    }

    @Test
    void anUnsetCommandOrEntrypointIsTheImagesAndIgnored() {
      assertThat(
              check(p, containers(p, "db", c -> c.cmd("postgres", "-c", "x").entrypoint("sh")))
                  .findings())
          .isEmpty();
    }

    @Test
    void aSetEntrypointMustMatch() {
      Project q =
          DriftFixtures.shop(DriftFixtures.api().entrypoint("/init"), DriftFixtures.db()).build();
      assertOnly(
          check(q, containers(q, "api", c -> c.entrypoint("/bin/sh"))),
          "entrypoint",
          DriftClass.CONTRADICTED);
    }
  }

  @Nested
  class Ports {
    @Test
    void anUnpublishedPortIsMissing() {
      assertOnly(
          check(p, containers(p, "api", ContainerBuilder::clearPorts)),
          "ports[80/tcp]",
          DriftClass.MISSING);
    }

    @Test
    void anotherHostAddressOrPortIsContradicted() {
      DriftReport r =
          check(p, containers(p, "api", c -> c.clearPorts().port(80, "tcp", "0.0.0.0", "8080")));
      assertOnly(r, "ports[80/tcp]", DriftClass.CONTRADICTED);
      assertThat(r.findings().get(0).expected()).isEqualTo("127.0.0.1:8080->80/tcp");
      assertThat(r.findings().get(0).actual()).isEqualTo("0.0.0.0:8080->80/tcp");
      assertOnly(
          check(p, containers(p, "api", c -> c.clearPorts().port(80, "tcp", "127.0.0.1", "9090"))),
          "ports[80/tcp]",
          DriftClass.CONTRADICTED);
    }

    @Test
    void aPortTheContractDoesNotPublishIsExtra() {
      DriftReport r = check(p, containers(p, "api", c -> c.port(9000, "tcp", "0.0.0.0", "9000")));
      assertOnly(r, "ports[9000/tcp]", DriftClass.EXTRA);
    }

    @Test
    void ipv4AndIpv6BindingsOfOnePortCountOnceAndAnyHostPortMatchesAnUnpublishedOne() {
      Project q =
          DriftFixtures.shop(DriftFixtures.api().port(null, null, 9000), DriftFixtures.db())
              .build();
      DriftReport r =
          check(
              q,
              containers(
                  q,
                  "api",
                  c ->
                      c.clearPorts()
                          .port(80, "tcp", "127.0.0.1", "8080")
                          .port(9000, "tcp", "0.0.0.0", "32768")
                          .port(9000, "tcp", "::", "32768")));
      assertThat(r.findings()).isEmpty();
    }

    @Test
    void aStoppedContainerWithoutBindingsIsJudgedByItsStateNotItsPorts() {
      DriftReport r = check(p, containers(p, "api", c -> c.clearPorts().state("exited", 1)));
      assertOnly(r, "state", DriftClass.CONTRADICTED);
    }
  }

  @Nested
  class Mounts {
    @Test
    void namedVolumesCarryTheProjectPrefix() {
      assertThat(check(p, containers(p)).findings()).isEmpty();
      DriftReport r =
          check(
              p,
              containers(
                  p,
                  "db",
                  c ->
                      c.clearMounts().mount("volume", "dbdata", "/var/lib/postgresql/data", true)));
      assertOnly(r, "volumes[/var/lib/postgresql/data]", DriftClass.CONTRADICTED);
      assertThat(r.findings().get(0).expected())
          .isEqualTo("volume shop_dbdata:/var/lib/postgresql/data");
    }

    @Test
    void anAbsentMountIsMissingAnotherSourceOrModeIsContradicted() {
      assertOnly(
          check(p, containers(p, "db", ContainerBuilder::clearMounts)),
          "volumes[/var/lib/postgresql/data]",
          DriftClass.MISSING);
      DriftReport rw =
          check(
              p,
              containers(
                  p,
                  "api",
                  c ->
                      c.clearMounts()
                          .mount("volume", "shop_data", "/data", true)
                          .mount("bind", "/srv/shop/conf", "/etc/conf", true)));
      assertOnly(rw, "volumes[/etc/conf]", DriftClass.CONTRADICTED);
      assertThat(rw.findings().get(0).expected()).endsWith(":ro");
      DriftReport source =
          check(
              p,
              containers(
                  p,
                  "api",
                  c ->
                      c.clearMounts()
                          .mount("volume", "shop_data", "/data", true)
                          .mount("bind", "/tmp/conf", "/etc/conf", false)));
      assertOnly(source, "volumes[/etc/conf]", DriftClass.CONTRADICTED);
    }

    @Test
    void anExtraMountIsExtraButAnonymousImageVolumesAreNot() {
      assertOnly(
          check(
              p,
              containers(
                  p,
                  "api",
                  c -> c.mount("bind", "/var/run/docker.sock", "/var/run/docker.sock", true))),
          "volumes[/var/run/docker.sock]",
          DriftClass.EXTRA);
      assertThat(
              check(p, containers(p, "db", c -> c.mount("volume", "a".repeat(64), "/cache", true)))
                  .findings())
          .isEmpty();
    }
  }

  @Nested
  class HealthcheckAndRestart {
    @Test
    void aDifferentIntervalIsContradicted() {
      DriftReport r =
          check(
              p,
              containers(
                  p,
                  "api",
                  c ->
                      c.healthcheck(
                          ServiceBuilder.healthcheck(Duration.ofSeconds(60)).test(),
                          Duration.ofSeconds(10),
                          Duration.ofSeconds(5),
                          3)));
      assertOnly(r, "healthcheck.interval", DriftClass.CONTRADICTED);
      assertThat(r.findings().get(0).expected()).isEqualTo("1m");
      assertThat(r.findings().get(0).actual()).isEqualTo("10s");
    }

    @Test
    void aContainerWithoutTheContractsHealthcheckIsMissingIt() {
      assertOnly(
          check(p, containers(p, "api", ContainerBuilder::noHealthcheck)),
          "healthcheck",
          DriftClass.MISSING);
    }

    @Test
    void withoutAContractHealthcheckTheImagesIsNotCompared() {
      assertThat(
              check(
                      p,
                      containers(
                          p,
                          "db",
                          c -> c.healthcheck(List.of("CMD", "pg_isready"), null, null, null)))
                  .findings())
          .isEmpty();
    }

    @Test
    void anotherRestartPolicyIsContradicted() {
      DriftReport r = check(p, containers(p, "db", c -> c.restart("no")));
      assertOnly(r, "restart", DriftClass.CONTRADICTED);
      assertThat(r.findings().get(0).expected()).isEqualTo("always");
    }

    @Test
    void deployRestartPolicyMapsAsComposeDoes() {
      Project q =
          DriftFixtures.shop(
                  DriftFixtures.api(), DriftFixtures.db().restart(null).deployRestartPolicy("any"))
              .build();
      assertThat(check(q, containers(q, "db", c -> c.restart("always"))).findings()).isEmpty();
    }
  }

  @Nested
  class Networks {
    @Test
    void aContractNetworkMustBeAttachedByItsEngineName() {
      DriftReport r =
          check(p, containers(p, "db", c -> c.clearNetworks().network("backend", "db")));
      assertThat(r.findings())
          .extracting(DriftFinding::key, DriftFinding::kind)
          .containsExactly(
              tuple("networks.backend", DriftClass.MISSING),
              tuple("networks.backend", DriftClass.EXTRA));
      assertThat(r.findings().get(0).expected()).isEqualTo("shop_backend");
    }

    @Test
    void declaredAliasesMustBePresent() {
      assertOnly(
          check(p, containers(p, "api", c -> c.network("shop_backend", "api"))),
          "networks.backend.aliases",
          DriftClass.CONTRADICTED);
    }

    @Test
    void anExtraNetworkIsExtraAndNetworkModeSkipsTheComparison() {
      assertOnly(
          check(p, containers(p, "db", c -> c.network("bridge"))),
          "networks.bridge",
          DriftClass.EXTRA);
      Project q =
          DriftFixtures.shop(DriftFixtures.api(), DriftFixtures.db().networkMode("host")).build();
      assertThat(check(q, containers(q)).findings()).isEmpty();
    }
  }

  @Nested
  class StateAndHealth {
    @Test
    void anExitedContainerIsContradictedAndDegraded() {
      DriftReport r = check(p, containers(p, "db", c -> c.state("exited", 137)));
      assertOnly(r, "state", DriftClass.CONTRADICTED);
      assertThat(r.findings().get(0).actual()).isEqualTo("exited (code 137)");
      assertThat(r.status().service("db").health()).isEqualTo(Health.DEGRADED);
      assertThat(r.status().service("db").pill()).isEqualTo(Pill.RED);
      assertThat(r.status().service("db").pillReasons())
          .singleElement()
          .asString()
          .contains("exited (code 137)");
    }

    @Test
    void aOneShotServiceThatCompletedIsHealthy() {
      Project q = DriftFixtures.shop(DriftFixtures.api(), DriftFixtures.db().restart("no")).build();
      DriftReport r = check(q, containers(q, "db", c -> c.state("exited", 0)));
      assertThat(r.findings()).isEmpty();
      assertThat(r.status().service("db").health()).isEqualTo(Health.HEALTHY);
    }

    @Test
    void aServiceWithAPortOrAHealthcheckThatExitedZeroWasStoppedNotCompleted() {
      // What `docker stop` leaves of a server: exit 0. It is meant to keep running, so red.
      Project q = DriftFixtures.shop(DriftFixtures.api().restart("no"), DriftFixtures.db()).build();
      assertThat(q.services().get("api").ports()).isNotEmpty();
      DriftReport r = check(q, containers(q, "api", c -> c.state("exited", 0)));
      assertOnly(r, "state", DriftClass.CONTRADICTED);
      assertThat(r.status().service("api").pill()).isEqualTo(Pill.RED);
    }

    @Test
    void aRestartingContainerIsStaleAndProgressing() {
      DriftReport r = check(p, containers(p, "db", c -> c.state("restarting", 1)));
      assertOnly(r, "state", DriftClass.STALE);
      assertThat(r.status().service("db").health()).isEqualTo(Health.PROGRESSING);
      assertThat(r.status().service("db").pill()).isEqualTo(Pill.YELLOW);
    }

    @Test
    void anUnhealthyContainerIsContradictedAndDegraded() {
      DriftReport r = check(p, containers(p, "api", c -> c.health("unhealthy")));
      assertOnly(r, "health", DriftClass.CONTRADICTED);
      assertThat(r.status().service("api").health()).isEqualTo(Health.DEGRADED);
      assertThat(r.status().pill()).isEqualTo(Pill.RED);
    }

    @Test
    void aStartingHealthcheckIsProgressingWithoutDrift() {
      DriftReport r = check(p, containers(p, "api", c -> c.health("starting")));
      assertThat(r.findings()).isEmpty();
      assertThat(r.status().service("api").sync()).isEqualTo(Sync.IN_SYNC);
      assertThat(r.status().service("api").health()).isEqualTo(Health.PROGRESSING);
      assertThat(r.status().service("api").pill()).isEqualTo(Pill.YELLOW);
      assertThat(r.status().pillReasons())
          .containsExactly("api: container shop-api-1 health is starting");
    }

    @Test
    void aPausedContainerIsContradicted() {
      assertOnly(
          check(p, containers(p, "db", c -> c.state("paused", 0))),
          "state",
          DriftClass.CONTRADICTED);
    }
  }
}
