package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selvedge.contract.model.ContainerOptions;
import dev.selvedge.contract.model.Deploy;
import dev.selvedge.contract.model.Healthcheck;
import dev.selvedge.contract.model.Logging;
import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.ServiceNetwork;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.contract.model.Ulimit;
import dev.selvedge.port.ContainerCreate;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class CreateBodyTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String IMAGE = "registry.example:5000/shop/api@sha256:" + "a".repeat(64);

  @Test
  void aMinimalSpecKeepsTheImagesDefaults() throws IOException {
    CreateBody body = CreateBody.of(spec(b -> {}), "1.41");

    assertThat(tree(body))
        .isEqualTo(
            json(
                """
                {"Image": "%s", "Env": [], "Labels": {},
                 "HostConfig": {"RestartPolicy": {"Name": "no"}}}
                """
                    .formatted(IMAGE)));
    assertThat(body.platform()).isNull();
    assertThat(body.connectLater()).isEmpty();
  }

  @Test
  void aFullSpecMapsEveryOptionForApi141() throws IOException {
    CreateBody body = CreateBody.of(full(), "1.41");

    assertThat(tree(body)).isEqualTo(expected("create-full-1.41.json"));
    assertThat(body.platform()).isEqualTo("linux/amd64");
    assertThat(body.connectLater()).containsOnlyKeys("shop_back");
    assertThat(MAPPER.readTree(EngineJson.write(body.connectLater().get("shop_back"))))
        .isEqualTo(json("{\"Aliases\": [\"api-back\"]}"));
  }

  @Test
  void api144AttachesEveryNetworkAtCreate() throws IOException {
    CreateBody body = CreateBody.of(full(), "1.44");

    assertThat(body.connectLater()).isEmpty();
    assertThat(tree(body).path("NetworkingConfig").path("EndpointsConfig"))
        .isEqualTo(
            json(
                """
                {"shop_front": {"Aliases": ["api", "api-v2"],
                                "IPAMConfig": {"IPv4Address": "172.30.0.10"}},
                 "shop_back": {"Aliases": ["api-back"]}}
                """));
  }

  @Test
  void aDisabledHealthcheckIsNone() throws IOException {
    CreateBody body =
        CreateBody.of(
            spec(
                b ->
                    b.healthcheck = new Healthcheck(List.of(), null, null, null, null, null, true)),
            "1.41");

    assertThat(tree(body).path("Healthcheck")).isEqualTo(json("{\"Test\": [\"NONE\"]}"));
  }

  @Test
  void startIntervalIsSentFromApi144AndRefusedBefore() throws IOException {
    Consumer<Spec> check =
        b ->
            b.healthcheck =
                new Healthcheck(
                    List.of("CMD", "true"), null, null, null, null, Duration.ofSeconds(2), false);

    assertThat(tree(CreateBody.of(spec(check), "1.44")).path("Healthcheck"))
        .isEqualTo(json("{\"Test\": [\"CMD\", \"true\"], \"StartInterval\": 2000000000}"));
    assertThatThrownBy(() -> CreateBody.of(spec(check), "1.41"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "healthcheck.start_interval needs Engine API 1.44 or newer, the engine speaks 1.41:"
                + " upgrade Docker on that host or drop healthcheck.start_interval");
  }

  @Test
  void bindsThatCreateTheirHostPathUseBindsBeforeApi142() throws IOException {
    Consumer<Spec> bind =
        b ->
            b.mounts =
                List.of(
                    new ServiceVolume(
                        "bind",
                        "/srv/app/conf",
                        "/etc/app",
                        true,
                        null,
                        new ServiceVolume.Bind("rslave", true, null),
                        null,
                        null));

    assertThat(tree(CreateBody.of(spec(bind), "1.41")).path("HostConfig").path("Binds"))
        .isEqualTo(json("[\"/srv/app/conf:/etc/app:ro,rslave\"]"));
    assertThat(tree(CreateBody.of(spec(bind), "1.42")).path("HostConfig").path("Mounts"))
        .isEqualTo(
            json(
                """
                [{"Type": "bind", "Source": "/srv/app/conf", "Target": "/etc/app", "ReadOnly": true,
                  "BindOptions": {"Propagation": "rslave", "CreateMountpoint": true}}]
                """));
  }

  @Test
  void anSelinuxRelabelIsABindsEntry() throws IOException {
    CreateBody body =
        CreateBody.of(
            spec(
                b ->
                    b.mounts =
                        List.of(
                            new ServiceVolume(
                                "bind",
                                "/srv/data",
                                "/data",
                                false,
                                null,
                                new ServiceVolume.Bind(null, null, "Z"),
                                null,
                                null))),
            "1.44");

    assertThat(tree(body).path("HostConfig").path("Binds"))
        .isEqualTo(json("[\"/srv/data:/data:rw,Z\"]"));
    assertThat(tree(body).path("HostConfig").has("Mounts")).isFalse();
  }

  @Test
  void aHostPortRangeIsOneBindingTheEnginePicksFrom() throws IOException {
    CreateBody body =
        CreateBody.of(
            spec(
                b ->
                    b.ports =
                        List.of(
                            PortConfig.of(null, 80, "8000-8001", "tcp"),
                            PortConfig.of("127.0.0.1", 53, "5353", "udp"),
                            PortConfig.of("::1", 53, "5353", "udp"))),
            "1.41");

    assertThat(tree(body).path("ExposedPorts")).isEqualTo(json("{\"80/tcp\": {}, \"53/udp\": {}}"));
    assertThat(tree(body).path("HostConfig").path("PortBindings"))
        .isEqualTo(
            json(
                """
                {"80/tcp": [{"HostIp": "", "HostPort": "8000-8001"}],
                 "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "5353"},
                            {"HostIp": "::1", "HostPort": "5353"}]}
                """));
  }

  @Test
  void aNetworkModeIsTakenAsIs() throws IOException {
    CreateBody body = CreateBody.of(spec(b -> b.networkMode = "host"), "1.41");

    assertThat(tree(body).path("HostConfig").path("NetworkMode").asText()).isEqualTo("host");
    assertThat(tree(body).has("NetworkingConfig")).isFalse();
  }

  @Test
  void optionsTheEngineCannotHonourAreRefusedByName() {
    assertRefused(
        b -> {
          ContainerOptions.Builder o = ContainerOptions.builder();
          o.annotations = Map.of("a", "b");
          b.options = o.build();
        },
        "annotations needs Engine API 1.43 or newer");
    assertRefused(
        b ->
            b.mounts =
                List.of(
                    new ServiceVolume(
                        "volume",
                        "shop_data",
                        "/data",
                        false,
                        null,
                        null,
                        new ServiceVolume.VolumeOptions(false, "sub"),
                        null)),
        "volume /data: volume.subpath needs Engine API 1.45 or newer");
    assertRefused(
        b ->
            b.mounts =
                List.of(new ServiceVolume("npipe", "x", "/y", false, null, null, null, null)),
        "volume /y: mount type npipe is not supported (bind, volume, tmpfs)");
    assertRefused(
        b -> b.restart = "sometimes",
        "restart sometimes is not one of no, always, unless-stopped, on-failure, on-failure:N");
    assertRefused(
        b -> {
          ContainerOptions.Builder o = ContainerOptions.builder();
          o.extraHosts = List.of("nohost");
          b.options = o.build();
        },
        "extra_hosts nohost is not host:ip or host=ip");
    assertRefused(
        b -> {
          ContainerOptions.Builder o = ContainerOptions.builder();
          o.devices = List.of("/dev/fuse:/dev/fuse:rwx");
          b.options = o.build();
        },
        "devices /dev/fuse:/dev/fuse:rwx: permissions must be made of r, w and m");
    assertRefused(
        b -> b.ports = List.of(PortConfig.of(null, 80, "80a", "tcp")),
        "ports published 80a: not a port or port range");
    assertRefused(
        b -> {
          ContainerOptions.Builder o = ContainerOptions.builder();
          o.memLimit = 1L << 20;
          b.options = o.build();
          b.limits = new Deploy.Resources(null, 2L << 20, null);
        },
        "mem_limit (1048576) and deploy.resources.limits.memory (2097152) differ: set one");
    assertRefused(
        b -> {
          ContainerOptions.Builder o = ContainerOptions.builder();
          o.cpus = "lots";
          b.options = o.build();
        },
        "cpus lots is not a positive number of CPUs");
    assertRefused(
        b -> {
          b.networkMode = "host";
          b.networks = Map.of("shop_default", ServiceNetwork.DEFAULT);
        },
        "network_mode host and networks cannot both be set");
    assertRefused(
        b -> b.healthcheck = new Healthcheck(List.of("echo"), null, null, null, null, null, false),
        "healthcheck.test must start with CMD, CMD-SHELL or NONE, not echo");
  }

  @Test
  void theBodyNeverHoldsMoreThanTheSpecSays() throws IOException {
    // Defaults stay unset so the engine's (and the image's) apply: no false booleans, no empty
    // lists.
    JsonNode host = tree(CreateBody.of(spec(b -> {}), "1.44")).path("HostConfig");

    assertThat(host.properties()).extracting(Map.Entry::getKey).containsExactly("RestartPolicy");
  }

  // --- fixtures

  private static void assertRefused(Consumer<Spec> change, String message) {
    assertThatThrownBy(() -> CreateBody.of(spec(change), "1.41"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }

  private static ContainerCreate full() {
    return spec(
        b -> {
          b.command = List.of("serve", "--port", "8080");
          b.entrypoint = List.of("/bin/app");
          b.env = List.of("A=1", "SECRET_TOKEN=hunter2");
          b.labels = Map.of("com.docker.compose.project", "shop");
          b.ports =
              List.of(
                  PortConfig.of("127.0.0.1", 8080, "18080", "tcp"),
                  PortConfig.of(null, 9090, null, null));
          b.expose = List.of("7000-7001", "53/udp");
          b.mounts =
              List.of(
                  new ServiceVolume(
                      "bind",
                      "/srv/shop/conf",
                      "/etc/app",
                      true,
                      null,
                      new ServiceVolume.Bind("rprivate", null, null),
                      null,
                      null),
                  new ServiceVolume(
                      "volume",
                      "shop_data",
                      "/var/lib/app",
                      false,
                      null,
                      null,
                      new ServiceVolume.VolumeOptions(true, null),
                      null),
                  new ServiceVolume("volume", null, "/cache", false, null, null, null, null),
                  new ServiceVolume(
                      "tmpfs",
                      null,
                      "/scratch",
                      false,
                      null,
                      null,
                      null,
                      new ServiceVolume.Tmpfs(1 << 20, 1777)));
          b.healthcheck =
              new Healthcheck(
                  List.of("CMD-SHELL", "wget -q -O- http://127.0.0.1:8080/healthz"),
                  Duration.ofSeconds(10),
                  Duration.ofMillis(1500),
                  5,
                  Duration.ofSeconds(30),
                  null,
                  false);
          b.restart = "on-failure:3";
          b.logging = new Logging("json-file", Map.of("max-size", "10m"));
          ContainerOptions.Builder o = ContainerOptions.builder();
          o.hostname = "api";
          o.domainname = "shop.internal";
          o.user = "1000:1000";
          o.workingDir = "/app";
          o.stopSignal = "SIGINT";
          o.stopGracePeriod = Duration.ofMillis(2500);
          o.platform = "linux/amd64";
          o.runtime = "runc";
          o.pid = "host";
          o.ipc = "shareable";
          o.privileged = true;
          o.readOnly = true;
          o.init = true;
          o.stdinOpen = true;
          o.tty = true;
          o.capAdd = List.of("NET_ADMIN");
          o.capDrop = List.of("ALL");
          o.dns = List.of("9.9.9.9");
          o.dnsSearch = List.of("shop.internal");
          o.dnsOpt = List.of("ndots:2");
          o.securityOpt = List.of("no-new-privileges:true");
          o.devices = List.of("/dev/fuse", "/dev/sda:/dev/xvda:r");
          o.extraHosts = List.of("db=10.0.0.5", "cache:10.0.0.6");
          o.tmpfs = List.of("/run", "/tmp:size=64m,mode=1777");
          o.groupAdd = List.of("audio");
          o.sysctls = Map.of("net.core.somaxconn", "1024");
          o.ulimits =
              Map.of(
                  "nofile", new Ulimit(null, 1024L, 2048L), "nproc", new Ulimit(512L, null, null));
          o.memLimit = 256L << 20;
          o.cpus = "0.5";
          o.shmSize = 64L << 20;
          o.pullPolicy = "always";
          b.options = o.build();
          b.limits = new Deploy.Resources("0.5", null, 100L);
          Map<String, ServiceNetwork> networks = new LinkedHashMap<>();
          networks.put(
              "shop_front",
              new ServiceNetwork(List.of("api", "api-v2"), "172.30.0.10", null, null));
          networks.put("shop_back", new ServiceNetwork(List.of("api-back"), null, null, null));
          b.networks = networks;
        });
  }

  /** A mutable stand-in for the record's components, so each test states only what it changes. */
  static final class Spec {
    String image = IMAGE;
    List<String> command;
    List<String> entrypoint;
    List<String> env;
    Map<String, String> labels;
    List<PortConfig> ports;
    List<String> expose;
    List<ServiceVolume> mounts;
    Healthcheck healthcheck;
    String restart;
    Logging logging;
    ContainerOptions options;
    Deploy.Resources limits;
    String networkMode;
    Map<String, ServiceNetwork> networks;
  }

  private static ContainerCreate spec(Consumer<Spec> change) {
    Spec b = new Spec();
    change.accept(b);
    return new ContainerCreate(
        b.image,
        b.command,
        b.entrypoint,
        b.env,
        b.labels,
        b.ports,
        b.expose,
        b.mounts,
        b.healthcheck,
        b.restart,
        b.logging,
        b.options,
        b.limits,
        b.networkMode,
        b.networks);
  }

  private static JsonNode tree(CreateBody body) throws IOException {
    return MAPPER.readTree(body.json());
  }

  private static JsonNode json(String text) throws IOException {
    return MAPPER.readTree(text);
  }

  private static JsonNode expected(String file) throws IOException {
    try (InputStream in = CreateBodyTest.class.getResourceAsStream("/engine/" + file)) {
      return MAPPER.readTree(in);
    }
  }
}
