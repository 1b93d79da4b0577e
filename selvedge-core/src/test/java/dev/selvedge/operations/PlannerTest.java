package dev.selvedge.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.contract.model.NetworkDef;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.VolumeDef;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.port.ContainerCreate;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineInfo;
import dev.selvedge.port.ImageDetails;
import dev.selvedge.port.LogLines;
import dev.selvedge.port.NetworkSummary;
import dev.selvedge.port.PullListener;
import dev.selvedge.port.VolumeSummary;
import dev.selvedge.testing.ContainerBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reasons {@code plan} gives for a recreate, against a fake of our engine port holding a
 * container as Selvedge created it: from the image id of a local image (one from no registry), so
 * its {@code Config.Image} is that id, not the contract's tag.
 */
class PlannerTest {
  private static final String REF = "selvedge-test/busybox:1";
  private static final String ID = "sha256:" + "9".repeat(64);
  private static final String NEWER = "sha256:" + "7".repeat(64);
  private static final String PASSWORD = "old-pl4nted-s3cret";
  private static final String NEW_PASSWORD = "new-pl4nted-s3cret";
  private static final Fingerprints FINGERPRINTS = new Fingerprints(new byte[32]);
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-05T00:00:00Z"), ZoneOffset.UTC);

  private static final String SHOP =
      """
      name: tryout-shop
      services:
        api:
          image: %s
          command: ["sleep", "3600"]
          environment:
            LOG_LEVEL: ${LOG_LEVEL:-info}
            DB_PASSWORD: ${DB_PASSWORD}
      """
          .formatted(REF);

  @TempDir Path dir;

  private Project shop(String logLevel, String password) {
    return OperationsFixtures.load(
        dir, SHOP, Map.of("LOG_LEVEL", logLevel, "DB_PASSWORD", password));
  }

  /**
   * The engine after an apply of {@code deployed}: its container, created from image {@code id}.
   */
  private FakeEngine deployedFrom(Project deployed, String id) {
    ResolvedImage image = new ResolvedImage(REF, id, null);
    SpecBuilder specs = new SpecBuilder(deployed);
    var api = deployed.services().get("api");
    ContainerDetails c =
        ContainerBuilder.matching(deployed, "api")
            .image(image.createFrom())
            .imageId(id)
            .label(ComposeLabels.CONFIG_HASH, specs.configHash(api, image))
            .build();
    FakeEngine engine = new FakeEngine();
    engine.containers.add(c);
    engine.images.put(id, new ImageDetails(id, List.of(REF), List.of()));
    engine.images.put(REF, engine.images.get(id));
    return engine;
  }

  private static Plan.Step api(Plan plan) {
    return plan.services().stream()
        .filter(s -> s.service().equals("api"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void nothingChangedIsNothingToDo() {
    Project p = shop("info", PASSWORD);
    Plan.Step step = api(Planner.dryRun(deployedFrom(p, ID), p, FINGERPRINTS, CLOCK));
    assertThat(step.action()).isEqualTo(Plan.Action.NOTHING);
    assertThat(step.reasons()).isEmpty();
  }

  /**
   * The tryout: one .env value changed, the tag still names the very image the container runs. The
   * reasons name the environment keys, by fingerprint; the image is not one of them.
   */
  @Test
  void anEnvironmentChangeIsTheReasonAndTheUnchangedImageIsNot() {
    FakeEngine engine = deployedFrom(shop("info", PASSWORD), ID);
    Plan.Step step = api(Planner.dryRun(engine, shop("debug", NEW_PASSWORD), FINGERPRINTS, CLOCK));
    assertThat(step.action()).isEqualTo(Plan.Action.RECREATE);
    assertThat(step.reasons())
        .containsExactlyInAnyOrder(
            "environment.LOG_LEVEL: LOG_LEVEL of container tryout-shop-api-1 differs from the repo"
                + " contract (the container's "
                + FINGERPRINTS.of("info")
                + ", the contract's "
                + FINGERPRINTS.of("debug")
                + ")",
            "environment.DB_PASSWORD: DB_PASSWORD of container tryout-shop-api-1 differs from the"
                + " repo contract (the container's "
                + FINGERPRINTS.of(PASSWORD)
                + ", the contract's "
                + FINGERPRINTS.of(NEW_PASSWORD)
                + ")");
    assertThat(String.join("\n", step.reasons()))
        .doesNotContain(PASSWORD, NEW_PASSWORD, "debug", "image");
  }

  /** The tag now names another image: that is the image reason, said once, by both ids. */
  @Test
  void aTagThatNowNamesAnotherImageIsTheImageReason() {
    Project p = shop("info", PASSWORD);
    FakeEngine engine = deployedFrom(p, ID);
    engine.images.put(ID, new ImageDetails(ID, List.of(), List.of())); // the tag moved away
    engine.images.put(REF, new ImageDetails(NEWER, List.of(REF), List.of()));
    Plan.Step step = api(Planner.dryRun(engine, p, FINGERPRINTS, CLOCK));
    assertThat(step.action()).isEqualTo(Plan.Action.RECREATE);
    assertThat(step.reasons())
        .containsExactly("image: " + REF + " is now 777777777777, the container runs 999999999999");
  }

  /** Our engine port as a plan uses it: lists and inspects; it changes nothing. */
  private static final class FakeEngine implements DockerEngine {
    final List<ContainerDetails> containers = new ArrayList<>();
    final Map<String, ImageDetails> images = new HashMap<>();

    @Override
    public String endpoint() {
      return "unix:///fake/docker.sock";
    }

    @Override
    public List<ContainerSummary> listContainers(Map<String, String> labels, boolean all) {
      List<ContainerSummary> out = new ArrayList<>();
      for (ContainerDetails c : containers) {
        boolean match =
            labels.entrySet().stream()
                .allMatch(
                    e ->
                        c.labels().containsKey(e.getKey())
                            && (e.getValue() == null
                                || e.getValue().equals(c.labels().get(e.getKey()))));
        if (match) {
          out.add(
              new ContainerSummary(
                  c.id(), List.of(c.name()), c.image(), c.imageId(), "running", c.labels()));
        }
      }
      return out;
    }

    @Override
    public ContainerDetails inspectContainer(String idOrName) {
      return containers.stream()
          .filter(c -> c.id().equals(idOrName))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no container " + idOrName));
    }

    @Override
    public Optional<ImageDetails> inspectImage(String idOrReference) {
      return Optional.ofNullable(images.get(idOrReference));
    }

    @Override
    public List<NetworkSummary> listNetworks(Map<String, String> labels) {
      return List.of(new NetworkSummary("n1", "tryout-shop_default", "bridge", Map.of()));
    }

    @Override
    public List<VolumeSummary> listVolumes(Map<String, String> labels) {
      return List.of();
    }

    @Override
    public Optional<String> registryDigest(String reference) {
      return Optional.empty();
    }

    @Override
    public EngineInfo info() {
      throw unused();
    }

    @Override
    public String daemonId() {
      throw unused();
    }

    @Override
    public LogLines logs(String containerId, Instant since, int tail, Duration timeout) {
      throw unused();
    }

    @Override
    public NetworkSummary createNetwork(NetworkDef network) {
      throw unused();
    }

    @Override
    public void removeNetwork(String idOrName) {
      throw unused();
    }

    @Override
    public VolumeSummary createVolume(VolumeDef volume) {
      throw unused();
    }

    @Override
    public void removeVolume(String name) {
      throw unused();
    }

    @Override
    public ImageDetails pullImage(String reference, PullListener listener) {
      throw unused();
    }

    @Override
    public String createContainer(String name, ContainerCreate spec) {
      throw unused();
    }

    @Override
    public void startContainer(String id) {
      throw unused();
    }

    @Override
    public void stopContainer(String id, Duration timeout) {
      throw unused();
    }

    @Override
    public void restartContainer(String id, Duration timeout) {
      throw unused();
    }

    @Override
    public void removeContainer(String id, boolean anonymousVolumes) {
      throw unused();
    }

    @Override
    public void renameContainer(String id, String newName) {
      throw unused();
    }

    @Override
    public void close() {}

    private static AssertionError unused() {
      return new AssertionError("a plan changes nothing and asks only lists and inspects");
    }
  }
}
