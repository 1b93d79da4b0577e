package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.selvedge.contract.model.ContainerOptions;
import dev.selvedge.contract.model.Healthcheck;
import dev.selvedge.contract.model.Ipam;
import dev.selvedge.contract.model.NetworkDef;
import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.ServiceNetwork;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.contract.model.VolumeDef;
import dev.selvedge.port.ContainerCreate;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ContainerDetails.Mount;
import dev.selvedge.port.ContainerDetails.PortBinding;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.EngineInfo;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.ImageDetails;
import dev.selvedge.port.LogLines;
import dev.selvedge.port.NetworkSummary;
import dev.selvedge.port.PullListener;
import dev.selvedge.port.VolumeSummary;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every transport of the engine port must do against a real engine. A subclass names the
 * engine ({@link #options}); containers are made with the docker CLI on the local socket, labelled
 * for this run, and removed after each test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DockerEngineContract {
  static final String PROJECT = "com.docker.compose.project";
  static final String SERVICE = "com.docker.compose.service";

  protected TestServices services;
  protected TestContainers containers;
  protected CountingTransport transport;
  protected DockerEngine engine;

  /** How to reach the engine under test. */
  protected abstract EngineOptions options(TestServices services);

  /** Why this transport's service is missing (beyond the services file itself), if it is. */
  protected Optional<String> serviceUnavailable(TestServices services) {
    return Optional.empty();
  }

  @BeforeAll
  void openEngine() {
    Optional<TestServices> found = TestServices.load();
    if (found.isEmpty() || serviceUnavailable(found.get()).isPresent()) {
      return; // each test then skips, saying why
    }
    services = found.get();
    containers = new TestContainers();
    EngineOptions options = options(services);
    transport = new CountingTransport(DockerEngines.transport(options));
    engine = DockerEngines.over(transport, options);
  }

  @BeforeEach
  void requireServices() {
    TestServices s = TestServices.require();
    Optional<String> why = serviceUnavailable(s);
    assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElse(""));
  }

  @AfterEach
  void removeContainers() {
    if (containers != null) {
      containers.removeAll();
    }
  }

  @AfterAll
  void closeEngine() {
    if (engine != null) {
      engine.close();
    }
  }

  @Test
  void infoNamesTheEngineAndItsApiVersion() {
    EngineInfo info = engine.info();

    assertThat(info.version()).isNotBlank();
    assertThat(info.apiVersion()).matches("\\d+\\.\\d+");
    assertThat(info.os()).isEqualTo("linux");
    assertThat(info.arch()).isNotBlank();
    assertThat(engine.endpoint()).isEqualTo(transport.endpoint());
  }

  @Test
  void theDaemonIdIsTheSameWhicheverEndpointReachesIt() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("docker", "info", "--format", "{{.ID}}").start();
    String viaCli = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor()).isZero();
    assertThat(engine.daemonId()).isNotBlank().isEqualTo(viaCli);
  }

  @Test
  void factsAreWhatDockerInfoSays() throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                "docker",
                "info",
                "--format",
                "{{.ID}}|{{.ServerVersion}}|{{.NCPU}}|{{.MemTotal}}|{{.DockerRootDir}}")
            .start();
    String[] viaCli =
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().split("\\|");
    assertThat(p.waitFor()).isZero();
    dev.selvedge.fleet.EngineFacts facts = engine.facts();
    assertThat(facts.daemonId()).isEqualTo(viaCli[0]);
    assertThat(facts.version()).isEqualTo(viaCli[1]);
    assertThat(facts.cpus()).isEqualTo(Integer.parseInt(viaCli[2]));
    assertThat(facts.memoryBytes()).isEqualTo(Long.parseLong(viaCli[3]));
    assertThat(facts.rootDir()).isEqualTo(viaCli[4]);
    assertThat(facts.apiVersion()).isEqualTo(engine.info().apiVersion());
    assertThat(facts.os()).isEqualTo("linux");
    assertThat(facts.arch()).isNotBlank();
  }

  @Test
  void listsContainersByComposeLabelsRunningOrAll() {
    String project = containers.name("shop");
    List<String> named = new ArrayList<>(composeLabels(project, "api"));
    named.addAll(List.of("--name", containers.name("api-1")));
    String running = containers.run(named, List.of(services.image(), "sleep", "3600"));
    String exited =
        containers.run(composeLabels(project, "worker"), List.of(services.image(), "true"));
    String other =
        containers.run(
            composeLabels(containers.name("other"), "api"),
            List.of(services.image(), "sleep", "3600"));
    waitUntil(exited, d -> !d.state().running());

    List<ContainerSummary> runningOnly = engine.listContainers(Map.of(PROJECT, project), false);
    List<ContainerSummary> all = engine.listContainers(Map.of(PROJECT, project), true);
    List<ContainerSummary> apiOnly =
        engine.listContainers(Map.of(PROJECT, project, SERVICE, "api"), true);
    Map<String, String> anyProjectOfThisRun = new HashMap<>();
    anyProjectOfThisRun.put(PROJECT, null);
    anyProjectOfThisRun.put(TestContainers.RUN_LABEL, containers.run);
    List<ContainerSummary> withLabelKey = engine.listContainers(anyProjectOfThisRun, true);

    assertThat(runningOnly).extracting(ContainerSummary::id).containsExactly(running);
    assertThat(all).extracting(ContainerSummary::id).containsExactlyInAnyOrder(running, exited);
    assertThat(apiOnly).extracting(ContainerSummary::id).containsExactly(running);
    assertThat(withLabelKey)
        .extracting(ContainerSummary::id)
        .containsExactlyInAnyOrder(running, exited, other);
    ContainerSummary api = runningOnly.get(0);
    assertThat(api.state()).isEqualTo("running");
    assertThat(api.image()).isEqualTo(services.image());
    assertThat(api.imageId()).startsWith("sha256:");
    assertThat(api.labels()).containsEntry(PROJECT, project).containsEntry(SERVICE, "api");
    assertThat(api.names()).containsExactly(containers.name("api-1"));
    assertThat(all)
        .filteredOn(c -> c.id().equals(exited))
        .singleElement()
        .extracting(ContainerSummary::state)
        .isEqualTo("exited");
  }

  @Test
  void inspectsARunningContainerAsItWasCreated() throws IOException {
    String project = containers.name("web");
    String network = containers.network("net");
    String volume = containers.volume("data");
    Path bind = Files.createTempDirectory("selvedge-bind");
    int hostPort = freePort();
    List<String> options = new ArrayList<>(composeLabels(project, "web"));
    options.addAll(
        List.of(
            "--name",
            containers.name("web-1"),
            "--env",
            "GREETING=hello",
            "--env",
            "EMPTY=",
            "--publish",
            "127.0.0.1:" + hostPort + ":80",
            "--expose",
            "81/udp",
            "--volume",
            bind + ":/data:ro",
            "--volume",
            volume + ":/var/lib/app",
            "--mount",
            "type=tmpfs,destination=/scratch",
            "--health-cmd",
            "test -e /scratch/ok",
            "--health-interval",
            "1s",
            "--health-timeout",
            "2s",
            "--health-retries",
            "3",
            "--health-start-period",
            "5s",
            "--restart",
            "on-failure:3",
            "--network",
            network,
            "--network-alias",
            "web",
            "--hostname",
            "webhost",
            "--user",
            "0:0",
            "--workdir",
            "/www",
            "--cap-add",
            "NET_ADMIN",
            "--cap-drop",
            "MKNOD",
            "--read-only",
            "--add-host",
            "db.local:127.0.0.1",
            "--label",
            "app.tier=front"));
    String id =
        containers.run(
            options,
            List.of(
                services.image(), "sh", "-c", "touch /scratch/ok; exec httpd -f -p 80 -h /www"));
    ContainerDetails d = waitUntil(id, c -> "healthy".equals(c.state().health()));

    assertThat(d.id()).isEqualTo(id);
    assertThat(d.name()).isEqualTo(containers.name("web-1"));
    assertThat(d.image()).isEqualTo(services.image());
    assertThat(d.imageId())
        .isEqualTo(engine.inspectImage(services.image()).orElseThrow().id())
        .startsWith("sha256:");
    assertThat(d.labels())
        .containsEntry(PROJECT, project)
        .containsEntry(SERVICE, "web")
        .containsEntry("app.tier", "front");
    assertThat(d.env()).contains("GREETING=hello", "EMPTY=").anyMatch(e -> e.startsWith("PATH="));
    assertThat(d.cmd())
        .containsExactly("sh", "-c", "touch /scratch/ok; exec httpd -f -p 80 -h /www");
    assertThat(d.entrypoint()).isNull();
    assertThat(d.ports())
        .containsExactly(
            new PortBinding(80, "tcp", "127.0.0.1", Integer.toString(hostPort)),
            new PortBinding(81, "udp", null, null));
    assertThat(d.mounts())
        .containsExactly(
            new Mount("bind", bind.toString(), "/data", false),
            new Mount("tmpfs", "", "/scratch", true),
            new Mount("volume", volume, "/var/lib/app", true));
    assertThat(d.healthcheck().test()).containsExactly("CMD-SHELL", "test -e /scratch/ok");
    assertThat(d.healthcheck().interval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(d.healthcheck().timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(d.healthcheck().retries()).isEqualTo(3);
    assertThat(d.healthcheck().startPeriod()).isEqualTo(Duration.ofSeconds(5));
    assertThat(d.restartPolicy()).isEqualTo("on-failure:3");
    assertThat(d.networks()).containsOnlyKeys(network);
    assertThat(d.networks().get(network)).contains("web");
    assertThat(d.state().status()).isEqualTo("running");
    assertThat(d.state().running()).isTrue();
    assertThat(d.state().health()).isEqualTo("healthy");
    assertThat(Instant.parse(d.state().startedAt())).isAfter(Instant.now().minusSeconds(300));
    assertThat(d.state().restartCount()).isZero();
    assertThat(d.created()).isBefore(Instant.now().plusSeconds(5));
    assertThat(d.settings().hostname()).isEqualTo("webhost");
    assertThat(d.settings().user()).isEqualTo("0:0");
    assertThat(d.settings().workingDir()).isEqualTo("/www");
    assertThat(d.settings().readOnlyRootfs()).isTrue();
    assertThat(d.settings().privileged()).isFalse();
    assertThat(d.settings().networkMode()).isEqualTo(network);
    // as the client sent them: newer docker CLIs add the CAP_ prefix
    assertThat(d.settings().capAdd()).singleElement().asString().endsWith("NET_ADMIN");
    assertThat(d.settings().capDrop()).singleElement().asString().endsWith("MKNOD");
    assertThat(d.settings().extraHosts()).containsExactly("db.local:127.0.0.1");
  }

  @Test
  void inspectsAStoppedContainerWithoutHealthcheck() {
    String id = containers.run(List.of(), List.of(services.image(), "sh", "-c", "exit 3"));
    ContainerDetails d = waitUntil(id, c -> !c.state().running());

    assertThat(d.state().status()).isEqualTo("exited");
    assertThat(d.state().exitCode()).isEqualTo(3);
    assertThat(d.state().health()).isNull();
    assertThat(d.healthcheck()).isNull();
    assertThat(d.restartPolicy()).isEqualTo("no");
    assertThat(d.ports()).isEmpty();
    assertThat(d.networks()).containsOnlyKeys("bridge");
  }

  @Test
  void unknownContainerIsA404NamingTheEndpoint() {
    EngineException e =
        catchThrowableOfType(
            EngineException.class,
            () -> engine.inspectContainer("selvedge-no-such-container-" + containers.run));

    assertThat(e.status()).isEqualTo(404);
    assertThat(e.getMessage())
        .startsWith(engine.endpoint())
        .contains("No such container: selvedge-no-such-container-");
  }

  @Test
  void inspectsImagesPresentAndAbsent() {
    Optional<ImageDetails> present = engine.inspectImage(services.image());
    Optional<ImageDetails> absent = engine.inspectImage("selvedge-test/absent:" + containers.run);

    assertThat(present).isPresent();
    assertThat(present.get().id()).startsWith("sha256:");
    assertThat(present.get().repoTags()).contains(services.image());
    assertThat(engine.inspectImage(present.get().id())).contains(present.get());
    assertThat(absent).isEmpty();
  }

  @Test
  void logsKeepStdoutAndStderrApartAndHonourTailAndSince() {
    String id =
        containers.run(
            List.of(),
            List.of(
                services.image(),
                "sh",
                "-c",
                "echo out1; echo err1 >&2; echo out2; echo err2 >&2; echo out3;"
                    + " sleep 2; echo after; echo after-err >&2; exec sleep 3600"));
    waitForLog(id, "after-err");
    Instant started = Instant.parse(engine.inspectContainer(id).state().startedAt());

    LogLines all = engine.logs(id, null, 100, Duration.ofSeconds(10));
    LogLines tail = engine.logs(id, null, 2, Duration.ofSeconds(10));
    LogLines since = engine.logs(id, started.plusMillis(1500), 100, Duration.ofSeconds(10));
    LogLines none = engine.logs(id, null, 0, Duration.ofSeconds(10));

    assertThat(all.truncated()).isFalse();
    assertThat(texts(all, "stdout")).containsExactly("out1", "out2", "out3", "after");
    assertThat(texts(all, "stderr")).containsExactly("err1", "err2", "after-err");
    assertThat(tail.lines())
        .extracting(LogLines.Line::text)
        .containsExactlyInAnyOrder("after", "after-err");
    assertThat(since.lines())
        .containsExactlyInAnyOrder(
            new LogLines.Line("stdout", "after"), new LogLines.Line("stderr", "after-err"));
    assertThat(none.lines()).isEmpty();
  }

  @Test
  void logsOfATtyContainerAreAllStdout() {
    String id =
        containers.run(
            List.of("-t"),
            List.of(services.image(), "sh", "-c", "echo tty1; echo tty2 >&2; sleep 3600"));
    waitForLog(id, "tty2");

    LogLines logs = engine.logs(id, null, 10, Duration.ofSeconds(10));

    assertThat(logs.lines())
        .containsExactly(new LogLines.Line("stdout", "tty1"), new LogLines.Line("stdout", "tty2"));
  }

  @Test
  void logsAreBoundedByTheirTimeout() {
    String id =
        containers.run(
            List.of(),
            List.of(
                services.image(),
                "sh",
                "-c",
                "i=0; while [ $i -lt 20000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx;"
                    + " i=$((i+1)); done; sleep 3600"));
    waitForLog(id, "line-19999-");

    long start = System.nanoTime();
    LogLines logs = null;
    EngineUnreachableException timedOut = null;
    try {
      logs = engine.logs(id, null, 20000, Duration.ofMillis(1));
    } catch (EngineUnreachableException e) {
      timedOut = e;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    LogLines complete = engine.logs(id, null, 20000, Duration.ofSeconds(20));

    assertThat(took).isLessThan(Duration.ofSeconds(2));
    if (timedOut != null) {
      assertThat(timedOut.getMessage()).startsWith(engine.endpoint()).contains("within 1 ms");
    } else {
      assertThat(logs.truncated()).isTrue();
    }
    assertThat(complete.truncated()).isFalse();
    assertThat(complete.lines()).hasSize(20000);
  }

  @Test
  void manySequentialRequestsShareOneConnection() {
    engine.info(); // whatever connection the calls before left idle, or a new one
    int before = transport.opened();

    for (int i = 0; i < 200; i++) {
      assertThat(engine.inspectImage(services.image())).isPresent();
    }
    assertThatThrownBy(() -> engine.inspectContainer("selvedge-nope-" + containers.run))
        .isInstanceOf(EngineException.class);
    engine.listContainers(Map.of(PROJECT, "nope"), true);

    assertThat(transport.opened() - before).isZero();
  }

  /** Not a timed assertion: prints what the drift benchmark cares about. */
  @Test
  void timesAListAndFiftyInspects() {
    String project = containers.name("bench");
    for (int i = 0; i < 50; i++) {
      containers.create(
          composeLabels(project, "svc" + i), List.of(services.image(), "sleep", "3600"));
    }
    long[] rounds = new long[6];
    for (int r = 0; r < rounds.length; r++) {
      long start = System.nanoTime();
      List<ContainerSummary> list = engine.listContainers(Map.of(PROJECT, project), true);
      for (ContainerSummary c : list) {
        engine.inspectContainer(c.id());
      }
      rounds[r] = System.nanoTime() - start;
      assertThat(list).hasSize(50);
    }
    long[] warm = Arrays.copyOfRange(rounds, 1, rounds.length);
    Arrays.sort(warm);
    System.out.printf(
        "[perf] %s: list + 50 inspects: first %.1f ms, warm median %.1f ms (%.2f ms per call)%n",
        engine.endpoint(),
        rounds[0] / 1e6,
        warm[warm.length / 2] / 1e6,
        warm[warm.length / 2] / 1e6 / 51);
  }

  // --- operating

  @Test
  void createsListsAndRemovesNetworksAndVolumesByLabel() {
    Map<String, String> labels = new HashMap<>(containers.labelMap());
    labels.put("dev.selvedge.test.kind", "ops");
    String netName = containers.name("ops-net");
    String volName = containers.name("ops-vol");
    containers.ownNetwork(netName);
    containers.ownVolume(volName);
    Ipam ipam = new Ipam(null, List.of(), Map.of());

    NetworkSummary net =
        engine.createNetwork(
            new NetworkDef(netName, null, Map.of(), false, true, true, false, ipam, labels));
    VolumeSummary vol = engine.createVolume(new VolumeDef(volName, null, Map.of(), false, labels));
    VolumeSummary again =
        engine.createVolume(new VolumeDef(volName, null, Map.of(), false, labels));
    EngineException duplicate =
        catchThrowableOfType(
            EngineException.class,
            () ->
                engine.createNetwork(
                    new NetworkDef(
                        netName, null, Map.of(), false, false, false, false, null, labels)));
    Map<String, String> anyKind = new HashMap<>();
    anyKind.put(TestContainers.RUN_LABEL, containers.run);
    anyKind.put("dev.selvedge.test.kind", null);

    assertThat(net.id()).isNotBlank();
    assertThat(net.name()).isEqualTo(netName);
    assertThat(net.driver()).isEqualTo("bridge");
    assertThat(net.labels()).containsAllEntriesOf(labels);
    assertThat(vol).isEqualTo(new VolumeSummary(volName, "local", labels));
    assertThat(again).isEqualTo(vol);
    assertThat(duplicate.status()).isEqualTo(409);
    assertThat(engine.listNetworks(Map.of(TestContainers.RUN_LABEL, containers.run)))
        .containsExactly(net);
    assertThat(engine.listNetworks(anyKind)).containsExactly(net);
    assertThat(engine.listNetworks(Map.of(TestContainers.RUN_LABEL, "other"))).isEmpty();
    assertThat(engine.listVolumes(anyKind)).containsExactly(vol);
    assertThat(engine.listVolumes(Map.of(TestContainers.RUN_LABEL, "other"))).isEmpty();

    engine.removeNetwork(netName);
    engine.removeNetwork(netName);
    engine.removeVolume(volName);
    engine.removeVolume(volName);
    assertThat(engine.listNetworks(anyKind)).isEmpty();
    assertThat(engine.listVolumes(anyKind)).isEmpty();
  }

  @Test
  void aVolumeInUseIsNotRemoved() {
    String volName = containers.name("busy");
    containers.ownVolume(volName);
    engine.createVolume(new VolumeDef(volName, null, Map.of(), false, containers.labelMap()));
    String id =
        engine.createContainer(
            containers.name("holder"),
            spec(
                List.of("sleep", "3600"),
                List.of(),
                List.of(
                    new ServiceVolume("volume", volName, "/data", false, null, null, null, null)),
                null,
                Map.of()));

    EngineException inUse =
        catchThrowableOfType(EngineException.class, () -> engine.removeVolume(volName));

    assertThat(inUse.status()).isEqualTo(409);
    assertThat(inUse.getMessage()).startsWith(engine.endpoint()).contains("in use");
    engine.removeContainer(id, true);
    engine.removeVolume(volName);
    assertThat(engine.listVolumes(Map.of(TestContainers.RUN_LABEL, containers.run))).isEmpty();
  }

  @Test
  void createsAContainerAsSpecifiedAndOperatesIt() throws IOException {
    String front = containers.name("front");
    String back = containers.name("back");
    String data = containers.name("appdata");
    containers.ownNetwork(front);
    containers.ownNetwork(back);
    containers.ownVolume(data);
    engine.createNetwork(
        new NetworkDef(
            front, null, Map.of(), false, false, false, false, null, containers.labelMap()));
    engine.createNetwork(
        new NetworkDef(
            back, null, Map.of(), false, false, false, false, null, containers.labelMap()));
    engine.createVolume(new VolumeDef(data, null, Map.of(), false, containers.labelMap()));
    int hostPort = freePort();
    Map<String, ServiceNetwork> networks = new LinkedHashMap<>();
    networks.put(front, new ServiceNetwork(List.of("web", "www"), null, null, null));
    networks.put(back, new ServiceNetwork(List.of("api"), null, null, null));
    ContainerOptions.Builder options = ContainerOptions.builder();
    options.hostname = "webhost";
    options.workingDir = "/www";
    options.stopGracePeriod = Duration.ofSeconds(3);
    options.capDrop = List.of("MKNOD");
    options.extraHosts = List.of("db.local=127.0.0.1");
    Map<String, String> labels = new HashMap<>(containers.labelMap());
    labels.put("app.tier", "front");
    ContainerCreate spec =
        new ContainerCreate(
            services.image(),
            List.of("sh", "-c", "echo ok > /www/healthz; exec httpd -f -p 80 -h /www"),
            null,
            List.of("EMPTY=", "GREETING=hello"),
            labels,
            List.of(PortConfig.of("127.0.0.1", 80, Integer.toString(hostPort), "tcp")),
            List.of("81/udp"),
            List.of(
                new ServiceVolume("volume", data, "/data", false, null, null, null, null),
                new ServiceVolume(
                    "tmpfs",
                    null,
                    "/scratch",
                    false,
                    null,
                    null,
                    null,
                    new ServiceVolume.Tmpfs(1 << 20, null))),
            new Healthcheck(
                List.of("CMD-SHELL", "wget -q -O- http://127.0.0.1/healthz"),
                Duration.ofMillis(500),
                Duration.ofSeconds(2),
                3,
                Duration.ofSeconds(5),
                null,
                false),
            "on-failure:2",
            null,
            options.build(),
            null,
            null,
            networks);
    String name = containers.name("web-1");

    String id = engine.createContainer(name, spec);
    ContainerDetails created = engine.inspectContainer(id);

    assertThat(created.name()).isEqualTo(name);
    assertThat(created.image()).isEqualTo(services.image());
    assertThat(created.labels()).containsAllEntriesOf(labels);
    assertThat(created.env()).contains("EMPTY=", "GREETING=hello");
    assertThat(created.cmd())
        .containsExactly("sh", "-c", "echo ok > /www/healthz; exec httpd -f -p 80 -h /www");
    assertThat(created.ports())
        .containsExactly(
            new PortBinding(80, "tcp", "127.0.0.1", Integer.toString(hostPort)),
            new PortBinding(81, "udp", null, null));
    assertThat(created.healthcheck().test())
        .containsExactly("CMD-SHELL", "wget -q -O- http://127.0.0.1/healthz");
    assertThat(created.healthcheck().interval()).isEqualTo(Duration.ofMillis(500));
    assertThat(created.healthcheck().retries()).isEqualTo(3);
    assertThat(created.healthcheck().startPeriod()).isEqualTo(Duration.ofSeconds(5));
    assertThat(created.restartPolicy()).isEqualTo("on-failure:2");
    assertThat(created.networks()).containsOnlyKeys(front, back);
    assertThat(created.networks().get(front)).contains("web", "www");
    assertThat(created.networks().get(back)).contains("api");
    assertThat(created.settings().hostname()).isEqualTo("webhost");
    assertThat(created.settings().workingDir()).isEqualTo("/www");
    assertThat(created.settings().networkMode()).isEqualTo(front);
    assertThat(created.settings().capDrop()).singleElement().asString().endsWith("MKNOD");
    assertThat(created.settings().extraHosts()).containsExactly("db.local:127.0.0.1");
    assertThat(created.state().status()).isEqualTo("created");

    engine.startContainer(id);
    engine.startContainer(id); // already running: no error
    ContainerDetails running = waitUntil(id, c -> "healthy".equals(c.state().health()));
    assertThat(running.mounts())
        .containsExactly(
            new Mount("volume", data, "/data", true), new Mount("tmpfs", "", "/scratch", true));

    String renamed = containers.name("web-renamed");
    engine.renameContainer(id, renamed);
    assertThat(engine.inspectContainer(id).name()).isEqualTo(renamed);

    String startedBefore = running.state().startedAt();
    engine.restartContainer(id, Duration.ofSeconds(1));
    ContainerDetails restarted = waitUntil(id, c -> c.state().running());
    assertThat(restarted.state().startedAt()).isNotEqualTo(startedBefore);

    engine.stopContainer(id, Duration.ofSeconds(1));
    assertThat(engine.inspectContainer(id).state().running()).isFalse();
    engine.stopContainer(id, Duration.ofSeconds(1)); // already stopped: no error

    engine.removeContainer(id, true);
    engine.removeContainer(id, true); // absent: no error
    assertThat(
            catchThrowableOfType(EngineException.class, () -> engine.inspectContainer(id)).status())
        .isEqualTo(404);
  }

  @Test
  void aTakenNameIsA409() {
    String name = containers.name("taken");
    engine.createContainer(
        name, spec(List.of("sleep", "3600"), List.of(), List.of(), null, Map.of()));

    EngineException taken =
        catchThrowableOfType(
            EngineException.class,
            () ->
                engine.createContainer(
                    name, spec(List.of("sleep", "3600"), List.of(), List.of(), null, Map.of())));

    assertThat(taken.status()).isEqualTo(409);
    assertThat(taken.getMessage()).startsWith(engine.endpoint()).contains(name);
  }

  private String httpdPublishing(String name, List<PortConfig> ports) {
    return engine.createContainer(
        name,
        spec(List.of("httpd", "-f", "-p", "80", "-h", "/www"), ports, List.of(), null, Map.of()));
  }

  @Test
  void aPortAlreadyBoundFailsTheStartNamingThePort() throws IOException {
    int hostPort = freePort();
    List<PortConfig> ports =
        List.of(PortConfig.of("127.0.0.1", 80, Integer.toString(hostPort), "tcp"));
    String first = httpdPublishing(containers.name("holds-port"), ports);
    String second = httpdPublishing(containers.name("wants-port"), ports);
    engine.startContainer(first);

    EngineException taken =
        catchThrowableOfType(EngineException.class, () -> engine.startContainer(second));

    assertThat(taken.getMessage())
        .startsWith(engine.endpoint())
        .contains(Integer.toString(hostPort))
        .containsAnyOf("already allocated", "already in use");
  }

  @Test
  void unsupportedOptionsAreRefusedBeforeTheEngineSeesThem() {
    ContainerCreate spec =
        spec(
            List.of("true"),
            List.of(),
            List.of(new ServiceVolume("npipe", "x", "/y", false, null, null, null, null)),
            null,
            Map.of());

    assertThatThrownBy(() -> engine.createContainer(containers.name("npipe"), spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("npipe");
    assertThat(engine.listContainers(Map.of(TestContainers.RUN_LABEL, containers.run), true))
        .isEmpty();
  }

  @Test
  void pullsByTagAndByDigestReportingProgress() {
    String repository = registry() + "/selvedge-test/pull-" + containers.run;
    String digest = pushUniqueImage(repository + ":1");
    try {
      List<String> events = new ArrayList<>();
      List<long[]> bytes = new ArrayList<>();
      ImageDetails byTag =
          engine.pullImage(
              repository + ":1",
              (reference, layer, status, current, total) -> {
                assertThat(reference).isEqualTo(repository + ":1");
                events.add((layer == null ? "" : layer + " ") + status);
                if (layer != null && current > 0 && total > 0) {
                  bytes.add(new long[] {current, total});
                }
              });
      TestContainers.docker(List.of("rmi", repository + ":1"));
      ImageDetails byDigest = engine.pullImage(repository + "@" + digest, PullListener.NONE);

      assertThat(byTag.repoTags()).contains(repository + ":1");
      assertThat(byTag.repoDigests()).contains(repository + "@" + digest);
      assertThat(events).contains("Digest: " + digest).anyMatch(e -> e.endsWith("Pull complete"));
      assertThat(bytes).isNotEmpty().allMatch(b -> b[0] <= b[1]);
      assertThat(byDigest.id()).isEqualTo(byTag.id());
      assertThat(byDigest.repoDigests()).contains(repository + "@" + digest);
      assertThat(engine.registryDigest(repository + ":1")).contains(digest);
    } finally {
      removeFromRegistry(repository, digest);
    }
  }

  @Test
  void registryDigestIsEmptyForAnUnknownTagAndAnErrorForAnUnreachableRegistry() throws IOException {
    String good = registry() + "/selvedge-test/app:good";
    int closedPort = freePort();

    Optional<String> digest = engine.registryDigest(good);
    Optional<String> unknownTag =
        engine.registryDigest(registry() + "/selvedge-test/app:absent-" + containers.run);
    Optional<String> unknownRepository =
        engine.registryDigest(registry() + "/selvedge-test/absent-" + containers.run + ":1");
    EngineException unreachable =
        catchThrowableOfType(
            EngineException.class,
            () -> engine.registryDigest("127.0.0.1:" + closedPort + "/selvedge-test/app:good"));

    assertThat(digest).get().asString().matches("sha256:[0-9a-f]{64}");
    assertThat(engine.registryDigest(registry() + "/selvedge-test/app:bad"))
        .get()
        .isNotEqualTo(digest.get());
    assertThat(unknownTag).isEmpty();
    assertThat(unknownRepository).isEmpty();
    assertThat(unreachable.getMessage())
        .startsWith(engine.endpoint())
        .contains("registry 127.0.0.1:" + closedPort);
  }

  @Test
  void aFailedPullNamesTheReferenceButNeverTheCredentials(@TempDir Path dir) throws IOException {
    String password = "planted-" + containers.run;
    String encoded =
        java.util.Base64.getEncoder()
            .encodeToString(
                ("deploy:" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Files.writeString(
        dir.resolve("config.json"),
        "{\"auths\": {\"" + registry() + "\": {\"auth\": \"" + encoded + "\"}}}");
    EngineOptions options = options(services);
    String absent = registry() + "/selvedge-test/app:absent-" + containers.run;
    try (DockerEngine withCredentials =
        DockerEngines.over(
            DockerEngines.transport(options),
            options,
            new RegistryAuth(dir.resolve("config.json"), Map.of()))) {

      EngineException failed =
          catchThrowableOfType(
              EngineException.class, () -> withCredentials.pullImage(absent, PullListener.NONE));
      // The registry needs no credentials: sending them must not break a pull either.
      ImageDetails good =
          withCredentials.pullImage(registry() + "/selvedge-test/app:good", PullListener.NONE);

      assertThat(failed.status()).isEqualTo(404);
      assertThat(failed.getMessage())
          .startsWith(withCredentials.endpoint())
          .contains("pulling " + absent + " failed: ")
          .doesNotContain(password)
          .doesNotContain(encoded);
      assertThat(String.valueOf(failed.getCause())).doesNotContain(password);
      assertThat(withCredentials.toString()).doesNotContain(password);
      assertThat(good.repoTags()).contains(registry() + "/selvedge-test/app:good");
    }
  }

  @Test
  void aPullFromAnUnreachableRegistryNamesTheReference() throws IOException {
    String reference = "127.0.0.1:" + freePort() + "/selvedge-test/app:good";

    assertThatThrownBy(() -> engine.pullImage(reference, PullListener.NONE))
        .isInstanceOf(EngineException.class)
        .hasMessageStartingWith(engine.endpoint())
        .hasMessageContaining("pulling " + reference + " failed: ");
  }

  /** The test registry; the test skips when the services file predates it. */
  private String registry() {
    Optional<String> registry = services.registry();
    assumeTrue(
        registry.isPresent(),
        "skipped: no SELVEDGE_TEST_REGISTRY in the test services file; rerun scripts/test-services.sh");
    return registry.get();
  }

  /** A small image with a random layer (so a pull really downloads), pushed and dropped locally. */
  private String pushUniqueImage(String reference) {
    String maker =
        containers.run(
            List.of(),
            List.of(
                services.image(),
                "sh",
                "-c",
                "busybox dd if=/dev/urandom of=/blob bs=1024 count=512 2>/dev/null"));
    waitUntil(maker, d -> !d.state().running());
    TestContainers.docker(List.of("commit", maker, reference));
    TestContainers.docker(List.of("push", "-q", reference));
    String repoDigest =
        TestContainers.docker(
                List.of("image", "inspect", "--format", "{{index .RepoDigests 0}}", reference))
            .strip();
    TestContainers.docker(List.of("rmi", reference));
    return repoDigest.substring(repoDigest.indexOf('@') + 1);
  }

  private void removeFromRegistry(String repository, String digest) {
    try {
      TestContainers.docker(List.of("rmi", "-f", repository + "@" + digest));
    } catch (RuntimeException e) {
      // not pulled
    }
    String name = repository.substring(repository.indexOf('/') + 1);
    try {
      java.net.http.HttpClient.newHttpClient()
          .send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(
                          "http://" + registry() + "/v2/" + name + "/manifests/" + digest))
                  .DELETE()
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      System.err.println("could not delete " + repository + " from the registry: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  ContainerCreate spec(
      List<String> command,
      List<PortConfig> ports,
      List<ServiceVolume> mounts,
      Healthcheck healthcheck,
      Map<String, ServiceNetwork> networks) {
    return new ContainerCreate(
        services.image(),
        command,
        null,
        List.of(),
        containers.labelMap(),
        ports,
        List.of(),
        mounts,
        healthcheck,
        null,
        null,
        null,
        null,
        null,
        networks);
  }

  // --- helpers

  static List<String> composeLabels(String project, String service) {
    return List.of(
        "--label", PROJECT + "=" + project,
        "--label", SERVICE + "=" + service,
        "--label", "com.docker.compose.oneoff=False");
  }

  ContainerDetails waitUntil(String id, Predicate<ContainerDetails> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    ContainerDetails d = engine.inspectContainer(id);
    while (!condition.test(d)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("container " + id + " never reached the condition: " + d.state());
      }
      sleep(100);
      d = engine.inspectContainer(id);
    }
    return d;
  }

  void waitForLog(String id, String fragment) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (engine.logs(id, null, 5, Duration.ofSeconds(10)).lines().stream()
        .noneMatch(l -> l.text().contains(fragment))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("log of " + id + " never showed " + fragment);
      }
      sleep(100);
    }
  }

  static List<String> texts(LogLines logs, String stream) {
    return logs.lines().stream()
        .filter(l -> l.stream().equals(stream))
        .map(LogLines.Line::text)
        .toList();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
