package dev.selvedge.drift;

import static dev.selvedge.drift.DriftFixtures.api;
import static dev.selvedge.drift.DriftFixtures.check;
import static dev.selvedge.drift.DriftFixtures.containers;
import static dev.selvedge.drift.DriftFixtures.db;
import static dev.selvedge.drift.DriftFixtures.envExample;
import static dev.selvedge.drift.DriftFixtures.images;
import static dev.selvedge.drift.DriftFixtures.shop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.DotEnv;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.drift.render.DriftTextRenderer;
import dev.selvedge.evidence.EvidenceReport;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.status.Health;
import dev.selvedge.status.Pill;
import dev.selvedge.testing.ContainerBuilder;
import dev.selvedge.testing.ProjectBuilder;
import dev.selvedge.testing.ServiceBuilder;
import dev.selvedge.verify.EnvExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Repo truth against host materialization, and the host layer's effect on the container layer. */
class HostLayerTest {
  private static final String HOST_DIR = "/opt/deploy/shop";

  private static Map<String, String> hostEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("DB_PASSWORD", DriftFixtures.PLANTED);
    env.put("LOG_LEVEL", "info");
    return env;
  }

  private static DriftReport run(Project repo, Project host, Map<String, String> env) {
    return check(
        DriftInput.of(repo, envExample(), containers(host))
            .withHost(host, env)
            .withImages(images()));
  }

  /** The host copy: same services, in its own directory, binds under that directory. */
  private static Project host(ServiceBuilder api, ServiceBuilder db) {
    return shop(api, db).dir(HOST_DIR).build();
  }

  private static ServiceBuilder hostApi() {
    return DriftFixtures.api(HOST_DIR);
  }

  @Test
  void aFaithfulCopyInAnotherDirectoryIsInSync() {
    DriftReport r = run(DriftFixtures.project(), host(hostApi(), db()), hostEnv());
    assertThat(r.findings()).isEmpty();
    assertThat(r.layers()).containsExactly("repo", "host", "container");
  }

  @Test
  void anotherImageOnTheHostIsStale() {
    DriftReport r =
        run(DriftFixtures.project(), host(hostApi(), db().image("postgres:15")), hostEnv());
    assertThat(r.findings())
        .filteredOn(f -> f.layer() == DriftLayer.REPO_HOST)
        .extracting(
            DriftFinding::service,
            DriftFinding::key,
            DriftFinding::kind,
            DriftFinding::expected,
            DriftFinding::actual)
        .containsExactly(tuple("db", "image", DriftClass.STALE, "postgres:16", "postgres:15"));
    // The containers match the host files, so that pair agrees.
    assertThat(r.findings()).filteredOn(f -> f.layer() == DriftLayer.HOST_CONTAINER).isEmpty();
  }

  @Test
  void everyKindOfServiceKeyIsCompared() {
    ServiceBuilder changed =
        hostApi()
            .env("LOG_LEVEL", "debug")
            .env("FEATURE_X", "on")
            .label("team", "ops")
            .command("api", "--serve", "--verbose")
            .restart("always")
            .interval(java.time.Duration.ofSeconds(90));
    DriftReport r = run(DriftFixtures.project(), host(changed, db()), hostEnv());
    assertThat(r.findings())
        .filteredOn(f -> f.layer() == DriftLayer.REPO_HOST)
        .extracting(DriftFinding::key, DriftFinding::kind)
        .containsExactlyInAnyOrder(
            tuple("environment.LOG_LEVEL", DriftClass.CONTRADICTED),
            tuple("environment.FEATURE_X", DriftClass.EXTRA),
            tuple("labels.team", DriftClass.CONTRADICTED),
            tuple("command", DriftClass.CONTRADICTED),
            tuple("restart", DriftClass.CONTRADICTED),
            tuple("healthcheck.interval", DriftClass.CONTRADICTED));
  }

  @Test
  void portsVolumesAndNetworksAreKeyedNotIndexed() {
    ServiceBuilder changed =
        ServiceBuilder.compliant("api")
            .image(DriftFixtures.API_IMAGE)
            .env("DB_HOST", "db")
            .env("DB_PASSWORD", DriftFixtures.PLANTED)
            .env("LOG_LEVEL", "info")
            .port("127.0.0.1", "9090", 80)
            .readOnlyBind(HOST_DIR + "/conf", "/etc/conf")
            .label("team", "shop")
            .command("api", "--serve")
            .network("default")
            .readback(
                "http://127.0.0.1:8080/healthz",
                "http://127.0.0.1:8080/version",
                null,
                "status",
                "ok",
                "build.version",
                "1.4.2");
    DriftReport r = run(DriftFixtures.project(), host(changed, db()), hostEnv());
    assertThat(r.findings())
        .filteredOn(f -> f.layer() == DriftLayer.REPO_HOST)
        .extracting(DriftFinding::key, DriftFinding::kind)
        .containsExactlyInAnyOrder(
            tuple("ports[80/tcp]", DriftClass.CONTRADICTED),
            tuple("volumes[/data]", DriftClass.MISSING),
            tuple("networks.backend", DriftClass.MISSING));
  }

  @Test
  void aSecretDifferenceShowsFingerprintsOnly() {
    DriftReport r =
        run(
            DriftFixtures.project(),
            host(hostApi().env("DB_PASSWORD", "host-only-s3cret"), db()),
            hostEnv());
    DriftFinding f =
        r.findings().stream()
            .filter(x -> x.layer() == DriftLayer.REPO_HOST)
            .findFirst()
            .orElseThrow();
    assertThat(f.key()).isEqualTo("environment.DB_PASSWORD");
    assertThat(f.kind()).isEqualTo(DriftClass.CONTRADICTED);
    assertThat(f.expected()).isEqualTo(DriftFixtures.FINGERPRINTS.of(DriftFixtures.PLANTED));
    assertThat(f.actual()).isEqualTo(DriftFixtures.FINGERPRINTS.of("host-only-s3cret"));
  }

  @Test
  void aServiceOnOneSideOnlyIsMissingOrExtra() {
    Project host =
        shop(hostApi(), ServiceBuilder.bare("cache").image("redis:7")).dir(HOST_DIR).build();
    List<dev.selvedge.port.ContainerDetails> running = new java.util.ArrayList<>(containers(host));
    running.add(DriftFixtures.container(DriftFixtures.project(), "db").build());
    DriftReport r =
        check(
            DriftInput.of(DriftFixtures.project(), envExample(), running)
                .withHost(host, hostEnv())
                .withImages(images()));
    assertThat(r.findings())
        .filteredOn(f -> f.layer() == DriftLayer.REPO_HOST && f.key().equals("service"))
        .extracting(DriftFinding::service, DriftFinding::kind)
        .containsExactlyInAnyOrder(
            tuple("db", DriftClass.MISSING), tuple("cache", DriftClass.EXTRA));
    // db is not deployed by the host files: its running container is an orphan to them.
    assertThat(r.findings())
        .filteredOn(f -> f.layer() == DriftLayer.HOST_CONTAINER)
        .extracting(DriftFinding::service, DriftFinding::key, DriftFinding::kind)
        .contains(tuple("db", "service", DriftClass.EXTRA));
    assertThat(r.status().service("db").health()).isEqualTo(Health.MISSING);
    assertThat(r.services()).containsExactly("api", "db", "cache");
  }

  @Test
  void dotEnvMustHoldEveryKeyOfEnvExample() {
    Map<String, String> env = hostEnv();
    env.remove("LOG_LEVEL");
    env.put("UNDECLARED_TOKEN", "x-undeclared-value");
    env.put("COMPOSE_PROJECT_NAME", "shop");
    DriftReport r = run(DriftFixtures.project(), host(hostApi(), db()), env);
    assertThat(r.findings())
        .extracting(
            DriftFinding::service, DriftFinding::key, DriftFinding::kind, DriftFinding::actual)
        .containsExactly(
            tuple(null, ".env.LOG_LEVEL", DriftClass.MISSING, null),
            tuple(null, ".env.UNDECLARED_TOKEN", DriftClass.EXTRA, "(set)"));
    assertThat(r.findings().toString()).doesNotContain("x-undeclared-value");
  }

  /**
   * A declared key the host's .env lacks, where every use in the contract gives a default: Compose
   * uses the default, so it is a note (defaulted), not drift; the stack stays green and exit 0.
   */
  @Test
  void aKeyEveryUseGivesADefaultForIsOnlyDefaulted() {
    Map<String, String> env = hostEnv();
    env.remove("LOG_LEVEL");
    String path = "services.api.environment.LOG_LEVEL";
    Project repo = shop(api(), db()).variableWithDefault("LOG_LEVEL", path).build();
    Project host =
        shop(hostApi(), db()).dir(HOST_DIR).variableWithDefault("LOG_LEVEL", path).build();
    DriftReport r = run(repo, host, env);
    assertThat(r.findings())
        .extracting(
            DriftFinding::key, DriftFinding::kind, DriftFinding::severity, DriftFinding::message)
        .containsExactly(
            tuple(
                ".env.LOG_LEVEL",
                DriftClass.DEFAULTED,
                Severity.NOTE,
                "LOG_LEVEL is not set in the host's .env: the contract's default applies"));
    assertThat(r.drifted()).isFalse();
    assertThat(r.outcome()).isEqualTo(DriftReport.Outcome.IN_SYNC);
    assertThat(r.summary().errors()).isZero();
    assertThat(r.summary().notes()).isEqualTo(1);
    assertThat(r.status().pill()).isEqualTo(Pill.GREEN);
    assertThat(r.status().projectReasons()).isEmpty();
    assertThat(DriftTextRenderer.render(r)).contains("IN SYNC: 0 findings, 1 defaulted");
  }

  /** One use without a default (here on the host only) keeps the absence an error. */
  @Test
  void aKeyWithAUseWithoutDefaultStaysMissing() {
    Map<String, String> env = hostEnv();
    env.remove("LOG_LEVEL");
    String path = "services.api.environment.LOG_LEVEL";
    Project repo = shop(api(), db()).variableWithDefault("LOG_LEVEL", path).build();
    Project host =
        shop(hostApi(), db())
            .dir(HOST_DIR)
            .variableWithDefault("LOG_LEVEL", path)
            .variable("LOG_LEVEL", "services.api.command[2]")
            .build();
    DriftReport r = run(repo, host, env);
    assertThat(r.findings())
        .filteredOn(f -> f.key().equals(".env.LOG_LEVEL"))
        .extracting(DriftFinding::kind, DriftFinding::severity)
        .containsExactly(tuple(DriftClass.MISSING, Severity.ERROR));
    assertThat(r.outcome()).isEqualTo(DriftReport.Outcome.DRIFTED);
    assertThat(r.status().pill()).isEqualTo(Pill.YELLOW);
  }

  /** From real files, as drift loads them: ${X:-d} and ${X-d} are defaults, ${X} is not. */
  @Test
  void theInterpolationFormsDecideFromRealFiles(@TempDir Path tmp) throws Exception {
    Files.writeString(
        tmp.resolve("compose.yaml"),
        """
        services:
          api:
            image: app:1
            environment:
              LOG_LEVEL: ${LOG_LEVEL:-info}
              COLOR: ${COLOR-auto}
              MODE: ${MODE}
              HALF: ${HALF:-x}
            command: ["api", "--half=${HALF}"]
        """);
    Files.writeString(tmp.resolve(".env.example"), "LOG_LEVEL=info\nCOLOR=\nMODE=\nHALF=\n");
    Files.writeString(tmp.resolve(".env"), "");
    Project p =
        ComposeLoader.load(
            new LoadOptions(List.of(), tmp, "shop", List.of(), Set.of(), Map.of(), tmp));
    DriftReport r =
        check(DriftInput.of(p, EnvExample.forProject(p), List.of()).withHost(p, Map.of()));
    assertThat(r.findings())
        .filteredOn(f -> f.layer() == DriftLayer.REPO_HOST)
        .extracting(DriftFinding::key, DriftFinding::kind)
        .containsExactlyInAnyOrder(
            tuple(".env.LOG_LEVEL", DriftClass.DEFAULTED),
            tuple(".env.COLOR", DriftClass.DEFAULTED),
            tuple(".env.MODE", DriftClass.MISSING),
            tuple(".env.HALF", DriftClass.MISSING));
  }

  /**
   * The shipped example, deployed as it is, with containers as Compose made them: LOG_LEVEL, which
   * its .env leaves out and the contract defaults, is no drift; the stack is green.
   */
  @Test
  void theShopExampleDeployedAsItIsIsInSync() throws Exception {
    Path dir = Path.of("../examples/shop").toAbsolutePath().normalize();
    Project shop = ComposeLoader.load(LoadOptions.of(dir));
    Map<String, String> env = DotEnv.parseLiteral(Files.readString(dir.resolve(".env")), ".env");
    List<ContainerDetails> running = new ArrayList<>();
    int n = 0;
    for (String service : shop.services().keySet()) {
      running.add(ContainerBuilder.matching(shop, service).id(++n + "c".repeat(63)).build());
    }
    DriftReport r =
        check(DriftInput.of(shop, EnvExample.forProject(shop), running).withHost(shop, env));
    assertThat(r.findings())
        .extracting(DriftFinding::key, DriftFinding::kind)
        .containsExactly(tuple(".env.LOG_LEVEL", DriftClass.DEFAULTED));
    assertThat(r.outcome()).isEqualTo(DriftReport.Outcome.IN_SYNC);
    assertThat(r.status().pill()).isEqualTo(Pill.GREEN);
  }

  @Test
  void containersAreComparedWithTheHostFilesWhenRead() {
    Project host = host(hostApi().env("LOG_LEVEL", "debug"), db());
    DriftReport r =
        check(
            DriftInput.of(
                    DriftFixtures.project(), envExample(), containers(DriftFixtures.project()))
                .withHost(host, hostEnv())
                .withImages(images()));
    assertThat(r.findings())
        .extracting(DriftFinding::layer, DriftFinding::key, DriftFinding::kind)
        .containsExactly(
            tuple(DriftLayer.REPO_HOST, "environment.LOG_LEVEL", DriftClass.CONTRADICTED),
            tuple(DriftLayer.HOST_CONTAINER, "environment.LOG_LEVEL", DriftClass.CONTRADICTED),
            tuple(DriftLayer.HOST_CONTAINER, "volumes[/etc/conf]", DriftClass.CONTRADICTED));
    assertThat(r.findings().get(2).expected()).isEqualTo("bind " + HOST_DIR + "/conf:/etc/conf:ro");
    assertThat(List.of(r.status().service("api").sync().id())).containsExactly("drifted");
  }

  /**
   * A hotfix tag set in the host's .env: both renders interpolate the host's values, so only the
   * .env against what .env.example declares can show it.
   */
  @Test
  void aHostValueOverridingTheDeclaredImageTagIsStale() {
    Project repo = shop(api(), db()).variable("APP_VERSION", "services.api.image").build();
    Project host =
        shop(hostApi(), db()).dir(HOST_DIR).variable("APP_VERSION", "services.api.image").build();
    EnvExample example =
        EnvExample.of(
            ProjectBuilder.ENV_EXAMPLE,
            Map.of("APP_VERSION", "1.4.2", "LOG_LEVEL", "info", "DB_PASSWORD", ""));
    Map<String, String> env = hostEnv();
    env.put("APP_VERSION", "9.9.9-hotfix");
    env.put("LOG_LEVEL", "debug"); // not pinned: an example value is only an example

    DriftReport r =
        check(
            DriftInput.of(repo, example, containers(host))
                .withHost(host, env)
                .withImages(images()));

    assertThat(r.findings())
        .extracting(DriftFixtures::change)
        .containsExactly(
            tuple(
                DriftLayer.REPO_HOST,
                ".env.APP_VERSION",
                DriftClass.STALE,
                "1.4.2",
                "9.9.9-hotfix"));
    assertThat(r.findings().get(0).service()).as("a project-wide key").isNull();
    assertThat(r.findings().get(0).message()).contains("APP_VERSION", "image of service 'api'");
    assertThat(r.outcome().exitCode()).isEqualTo(1);

    env.put("APP_VERSION", "1.4.2");
    assertThat(
            check(
                    DriftInput.of(repo, example, containers(host))
                        .withHost(host, env)
                        .withImages(images()))
                .findings())
        .isEmpty();
  }

  /** Any declared key can be pinned; a secret one is compared by fingerprint, never shown. */
  @Test
  void aPinnedKeyIsComparedWithItsDeclaredValueSecretsByFingerprint() {
    Project repo = shop(api(), db()).pinnedEnv("DB_PASSWORD").pinnedEnv("LOG_LEVEL").build();
    Project host = host(hostApi(), db());
    String declared = "declared-pl4nted-value";
    EnvExample example =
        EnvExample.of(
            ProjectBuilder.ENV_EXAMPLE, Map.of("DB_PASSWORD", declared, "LOG_LEVEL", "info"));

    DriftReport r =
        check(
            DriftInput.of(repo, example, containers(host))
                .withHost(host, hostEnv())
                .withImages(images()));

    assertThat(r.findings())
        .extracting(
            DriftFinding::key, DriftFinding::kind, DriftFinding::expected, DriftFinding::actual)
        .containsExactly(
            tuple(
                ".env.DB_PASSWORD",
                DriftClass.CONTRADICTED,
                DriftFixtures.FINGERPRINTS.of(declared),
                DriftFixtures.FINGERPRINTS.of(DriftFixtures.PLANTED)));
    String json = DriftJson.write(r, DriftFixtures.TOOL, DriftFixtures.CLOCK);
    assertThat(json).contains(".env.DB_PASSWORD").doesNotContain(declared, DriftFixtures.PLANTED);
  }

  /** A pinned key with no declared value cannot be compared: unread, not silently skipped. */
  @Test
  void aPinnedKeyWithoutADeclaredValueIsUnread() {
    Project repo = shop(api(), db()).pinnedEnv("LOG_LEVL").pinnedEnv("DB_PASSWORD").build();
    Project host = host(hostApi(), db());

    DriftReport r =
        check(
            DriftInput.of(repo, envExample(), containers(host))
                .withHost(host, hostEnv())
                .withImages(images()));

    assertThat(r.findings()).isEmpty();
    assertThat(r.unread())
        .extracting(Unread::key, Unread::reason)
        .containsExactly(
            tuple(
                ".env.LOG_LEVL",
                "x-selvedge.pinned-env names LOG_LEVL, which .env.example does not declare with a"
                    + " value; not compared"),
            tuple(
                ".env.DB_PASSWORD",
                "x-selvedge.pinned-env names DB_PASSWORD, which .env.example does not declare with"
                    + " a value; not compared"));
    assertThat(r.outcome().exitCode()).isEqualTo(2);
  }

  /**
   * The evidence names every file the run read: the repo's and the deploy directory's, which have
   * the same names (compose.yaml, .env) and must not be taken for one another.
   */
  @Test
  void evidenceInputsListTheHostsComposeAndEnvFiles(@TempDir Path tmp) throws Exception {
    DriftReport r = checkFiles(tmp, "APP_VERSION=1.4.2\n");
    Path deployDir = tmp.resolve("deploy");

    String hostCompose = deployDir.resolve("compose.yaml").toString();
    assertThat(r.inputs())
        .extracting(EvidenceReport.Input::path, EvidenceReport.Input::role)
        .containsExactlyInAnyOrder(
            tuple("compose.yaml", "compose"),
            tuple("api.env", "env"),
            tuple(".env.example", "env-example"),
            tuple(hostCompose, "host-compose"),
            tuple(deployDir.resolve(".env").toString(), "host-env"),
            tuple(deployDir.resolve("api.env").toString(), "host-env"));
    // Env files hold secrets: no plain digest of them. The host's compose file by its digest.
    assertThat(r.inputs())
        .filteredOn(i -> i.role().endsWith("env"))
        .extracting(EvidenceReport.Input::sha256)
        .containsOnlyNulls();
    byte[] hostBytes = Files.readAllBytes(deployDir.resolve("compose.yaml"));
    assertThat(r.inputs())
        .filteredOn(i -> i.role().equals("host-compose"))
        .extracting(EvidenceReport.Input::sha256)
        .containsExactly(
            HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(hostBytes)));
  }

  /** The forgotten hotfix of the issue, read from real files as drift reads them. */
  @Test
  void aForgottenHotfixInTheHostsDotEnvShowsFromRealFiles(@TempDir Path tmp) throws Exception {
    DriftReport r = checkFiles(tmp, "APP_VERSION=9.9.9-hotfix\nMODE=fast\n");
    assertThat(r.findings())
        .filteredOn(f -> f.layer() == DriftLayer.REPO_HOST)
        .extracting(
            DriftFinding::key, DriftFinding::kind, DriftFinding::expected, DriftFinding::actual)
        .containsExactly(
            tuple(".env.APP_VERSION", DriftClass.STALE, "1.4.2", "9.9.9-hotfix"),
            tuple(".env.MODE", DriftClass.CONTRADICTED, "safe", "fast"));
  }

  /**
   * A repo and a deploy directory holding the same compose.yaml (image tag from APP_VERSION, MODE
   * pinned), checked as drift does: both loaded with the host's .env values, {@code hostDotEnv}.
   */
  private static DriftReport checkFiles(Path tmp, String hostDotEnv) throws IOException {
    Path repoDir = Files.createDirectories(tmp.resolve("repo"));
    Path deployDir = Files.createDirectories(tmp.resolve("deploy"));
    String compose =
        """
        x-selvedge:
          pinned-env: [MODE]
        services:
          api:
            image: app:${APP_VERSION}
            env_file: [api.env]
        """;
    for (Path dir : List.of(repoDir, deployDir)) {
      Files.writeString(dir.resolve("compose.yaml"), compose);
      Files.writeString(dir.resolve("api.env"), "LEVEL=on\n");
    }
    Files.writeString(repoDir.resolve(".env.example"), "APP_VERSION=1.4.2\nMODE=safe\n");
    Files.writeString(deployDir.resolve(".env"), hostDotEnv);
    Map<String, String> hostEnv = DotEnv.parseLiteral(hostDotEnv, ".env");
    LoadOptions options =
        new LoadOptions(List.of(), repoDir, "shop", List.of(), Set.of(), hostEnv, tmp);
    Project repo = ComposeLoader.load(options);
    Project host =
        ComposeLoader.load(options.withProjectDirectory(deployDir).withEnvironment(Map.of()));
    EnvExample example =
        EnvExample.parse(
            repoDir.resolve(".env.example").toString(),
            Files.readString(repoDir.resolve(".env.example")));
    return check(DriftInput.of(repo, example, List.of()).withHost(host, hostEnv));
  }
}
