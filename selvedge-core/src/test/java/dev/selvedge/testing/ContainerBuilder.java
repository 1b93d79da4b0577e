package dev.selvedge.testing;

import dev.selvedge.contract.model.Healthcheck;
import dev.selvedge.contract.model.NetworkDef;
import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.ServiceNetwork;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.contract.model.VolumeDef;
import dev.selvedge.port.ContainerDetails;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-data builder for an inspected container. {@link #matching} starts from the container that
 * Compose would create for a contract service — in sync by construction — so a test changes exactly
 * the one thing it is about.
 */
public final class ContainerBuilder {
  public static final String IMAGE_ID =
      "sha256:1111111111111111111111111111111111111111111111111111111111111111";

  private String id = "c0ffee" + "0".repeat(58);
  private String name;
  private String image;
  private String imageId = IMAGE_ID;
  private final Map<String, String> labels = new LinkedHashMap<>();
  private final List<String> env = new ArrayList<>();
  private List<String> cmd;
  private List<String> entrypoint;
  private final List<ContainerDetails.PortBinding> ports = new ArrayList<>();
  private final List<ContainerDetails.Mount> mounts = new ArrayList<>();
  private ContainerDetails.Health healthcheck;
  private String restartPolicy = "no";
  private final Map<String, List<String>> networks = new LinkedHashMap<>();
  private String status = "running";
  private boolean running = true;
  private int exitCode;
  private String health;

  private ContainerBuilder() {}

  /** A container of {@code service} in {@code project} with only its Compose labels. */
  public static ContainerBuilder bare(String project, String service) {
    ContainerBuilder b = new ContainerBuilder();
    b.name = project + "-" + service + "-1";
    b.labels.put("com.docker.compose.project", project);
    b.labels.put("com.docker.compose.service", service);
    b.labels.put("com.docker.compose.container-number", "1");
    return b;
  }

  /** The container Compose creates for {@code service}: every compared key as the contract says. */
  public static ContainerBuilder matching(Project project, String service) {
    Service s = project.services().get(service);
    ContainerBuilder b = bare(project.name(), service);
    b.image = s.image();
    b.env.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    s.environment()
        .forEach(
            (k, v) -> {
              if (v != null) {
                b.env.add(k + "=" + v);
              }
            });
    b.labels.putAll(s.labels());
    b.labels.put("org.opencontainers.image.title", "from the image");
    b.cmd = s.command() != null ? s.command() : List.of("httpd", "-f");
    b.entrypoint = s.entrypoint();
    for (PortConfig p : s.ports()) {
      String published = p.published() == null ? "49153" : p.published().split("-")[0];
      String ip = p.hostIp() == null ? "0.0.0.0" : p.hostIp();
      b.ports.add(new ContainerDetails.PortBinding(p.target(), p.protocol(), ip, published));
      if (p.hostIp() == null) {
        b.ports.add(new ContainerDetails.PortBinding(p.target(), p.protocol(), "::", published));
      }
    }
    for (ServiceVolume v : s.volumes()) {
      String source = v.source();
      if (v.type().equals(ServiceVolume.VOLUME)) {
        VolumeDef def = source == null ? null : project.volumes().get(source);
        source =
            source == null
                ? "f".repeat(64)
                : def != null ? def.name() : project.name() + "_" + source;
      }
      b.mounts.add(new ContainerDetails.Mount(v.type(), source, v.target(), !v.readOnly()));
    }
    Healthcheck h = s.healthcheck();
    if (h != null) {
      b.healthcheck =
          new ContainerDetails.Health(
              h.disabled() ? List.of("NONE") : h.test(),
              h.interval(),
              h.timeout(),
              h.retries(),
              h.startPeriod());
      b.health = h.disabled() ? null : "healthy";
    }
    b.restartPolicy = s.restart() == null ? "no" : s.restart();
    if (s.networkMode() == null) {
      for (Map.Entry<String, ServiceNetwork> n : s.networks().entrySet()) {
        NetworkDef def = project.networks().get(n.getKey());
        String engine = def != null ? def.name() : project.name() + "_" + n.getKey();
        List<String> aliases = new ArrayList<>(n.getValue().aliases());
        aliases.add(service);
        b.networks.put(engine, aliases);
      }
    } else {
      b.networks.put(s.networkMode(), List.of());
    }
    return b;
  }

  public ContainerBuilder name(String name) {
    this.name = name;
    return this;
  }

  public ContainerBuilder id(String id) {
    this.id = id;
    return this;
  }

  public ContainerBuilder image(String image) {
    this.image = image;
    return this;
  }

  public ContainerBuilder imageId(String imageId) {
    this.imageId = imageId;
    return this;
  }

  public ContainerBuilder label(String key, String value) {
    labels.put(key, value);
    return this;
  }

  public ContainerBuilder removeLabel(String key) {
    labels.remove(key);
    return this;
  }

  /** Sets {@code key}, replacing an earlier value. */
  public ContainerBuilder env(String key, String value) {
    removeEnv(key);
    env.add(key + "=" + value);
    return this;
  }

  public ContainerBuilder removeEnv(String key) {
    env.removeIf(e -> e.equals(key) || e.startsWith(key + "="));
    return this;
  }

  public ContainerBuilder cmd(String... words) {
    this.cmd = List.of(words);
    return this;
  }

  public ContainerBuilder entrypoint(String... words) {
    this.entrypoint = List.of(words);
    return this;
  }

  public ContainerBuilder clearPorts() {
    ports.clear();
    return this;
  }

  public ContainerBuilder port(int containerPort, String protocol, String hostIp, String hostPort) {
    ports.add(new ContainerDetails.PortBinding(containerPort, protocol, hostIp, hostPort));
    return this;
  }

  public ContainerBuilder clearMounts() {
    mounts.clear();
    return this;
  }

  public ContainerBuilder mount(String type, String source, String target, boolean readWrite) {
    mounts.add(new ContainerDetails.Mount(type, source, target, readWrite));
    return this;
  }

  public ContainerBuilder healthcheck(
      List<String> test, Duration interval, Duration timeout, Integer retries) {
    this.healthcheck = new ContainerDetails.Health(test, interval, timeout, retries, null);
    return this;
  }

  public ContainerBuilder noHealthcheck() {
    this.healthcheck = null;
    this.health = null;
    return this;
  }

  public ContainerBuilder restart(String policy) {
    this.restartPolicy = policy;
    return this;
  }

  public ContainerBuilder clearNetworks() {
    networks.clear();
    return this;
  }

  public ContainerBuilder network(String engineName, String... aliases) {
    networks.put(engineName, List.of(aliases));
    return this;
  }

  /** A state other than running: {@code exited}, {@code restarting}, {@code paused}... */
  public ContainerBuilder state(String status, int exitCode) {
    this.status = status;
    this.running = status.equals("running");
    this.exitCode = exitCode;
    return this;
  }

  /** The health status: healthy, unhealthy, starting, or null for none. */
  public ContainerBuilder health(String health) {
    this.health = health;
    return this;
  }

  public ContainerDetails build() {
    return new ContainerDetails(
        id,
        "/" + name,
        image,
        imageId,
        labels,
        env,
        cmd,
        entrypoint,
        ports,
        mounts,
        healthcheck,
        restartPolicy,
        networks,
        new ContainerDetails.State(
            status,
            running,
            exitCode,
            running ? health : null,
            "2025-03-01T11:00:00Z",
            running ? "0001-01-01T00:00:00Z" : "2025-03-01T11:30:00Z"),
        null,
        ContainerDetails.Settings.DEFAULTS);
  }
}
