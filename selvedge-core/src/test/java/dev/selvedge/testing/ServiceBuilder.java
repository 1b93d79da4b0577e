package dev.selvedge.testing;

import dev.selvedge.contract.model.Build;
import dev.selvedge.contract.model.ContainerOptions;
import dev.selvedge.contract.model.Deploy;
import dev.selvedge.contract.model.Healthcheck;
import dev.selvedge.contract.model.Logging;
import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.Readback;
import dev.selvedge.contract.model.SelvedgeService;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.ServiceNetwork;
import dev.selvedge.contract.model.ServiceVolume;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-data builder for a {@link Service}. {@link #compliant} starts from a service that passes
 * every policy rule, so a test changes exactly the one thing it is about.
 */
public final class ServiceBuilder {
  public static final String DIGEST =
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  final String name;
  String image;
  Build build;
  Healthcheck healthcheck;
  Logging logging;
  String restart;
  Deploy deploy;
  String networkMode;
  final Map<String, String> environment = new LinkedHashMap<>();
  final List<PortConfig> ports = new ArrayList<>();
  final List<ServiceVolume> volumes = new ArrayList<>();
  final List<Integer> staticPorts = new ArrayList<>();
  final List<String> secretKeys = new ArrayList<>();
  final ContainerOptions.Builder options = ContainerOptions.builder();
  List<String> command;
  List<String> entrypoint;
  final Map<String, String> labels = new LinkedHashMap<>();
  final Map<String, ServiceNetwork> networks = new LinkedHashMap<>();
  Readback readback;

  private ServiceBuilder(String name) {
    this.name = name;
  }

  /** A service with only a name: no image, no healthcheck, no logging, no restart policy. */
  public static ServiceBuilder bare(String name) {
    return new ServiceBuilder(name);
  }

  /** A service that passes every rule: pinned image, 60s healthcheck, bounded logs, restart. */
  public static ServiceBuilder compliant(String name) {
    return bare(name)
        .image("registry.example/team/" + name + ":1.4.2@" + DIGEST)
        .healthcheck(healthcheck(Duration.ofSeconds(60)))
        .logging("json-file", "max-size", "10m", "max-file", "3")
        .restart("unless-stopped");
  }

  public static Healthcheck healthcheck(Duration interval) {
    return new Healthcheck(
        List.of("CMD", "wget", "-qO-", "http://127.0.0.1:8080/healthz"),
        interval,
        Duration.ofSeconds(5),
        3,
        null,
        null,
        false);
  }

  public ServiceBuilder image(String image) {
    this.image = image;
    return this;
  }

  public ServiceBuilder build(String context) {
    this.build =
        new Build(
            context, null, null, null, null, null, null, null, null, null, null, false, false);
    return this;
  }

  public ServiceBuilder healthcheck(Healthcheck healthcheck) {
    this.healthcheck = healthcheck;
    return this;
  }

  public ServiceBuilder noHealthcheck() {
    this.healthcheck = null;
    return this;
  }

  public ServiceBuilder interval(Duration interval) {
    return healthcheck(healthcheck(interval));
  }

  /** A driver and options as key, value pairs; a null driver means "driver not written". */
  public ServiceBuilder logging(String driver, String... options) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < options.length; i += 2) {
      opts.put(options[i], options[i + 1]);
    }
    this.logging = new Logging(driver, opts);
    return this;
  }

  public ServiceBuilder noLogging() {
    this.logging = null;
    return this;
  }

  public ServiceBuilder restart(String restart) {
    this.restart = restart;
    return this;
  }

  public ServiceBuilder deployRestartPolicy(String condition) {
    this.deploy =
        new Deploy(
            null, null, null, null, null, new Deploy.RestartPolicy(condition, null, null, null));
    return this;
  }

  public ServiceBuilder networkMode(String mode) {
    this.networkMode = mode;
    return this;
  }

  public ServiceBuilder privileged() {
    options.privileged = true;
    return this;
  }

  public ServiceBuilder env(String key, String value) {
    environment.put(key, value);
    return this;
  }

  /** {@code host_ip:published:target/protocol}; hostIp and published may be null. */
  public ServiceBuilder port(String hostIp, String published, int target, String protocol) {
    ports.add(PortConfig.of(hostIp, target, published, protocol));
    return this;
  }

  public ServiceBuilder port(String hostIp, String published, int target) {
    return port(hostIp, published, target, "tcp");
  }

  public ServiceBuilder bind(String source, String target) {
    volumes.add(
        new ServiceVolume(ServiceVolume.BIND, source, target, false, null, null, null, null));
    return this;
  }

  public ServiceBuilder volume(String source, String target) {
    volumes.add(
        new ServiceVolume(ServiceVolume.VOLUME, source, target, false, null, null, null, null));
    return this;
  }

  public ServiceBuilder staticPorts(Integer... ports) {
    staticPorts.addAll(List.of(ports));
    return this;
  }

  public ServiceBuilder secretKeys(String... keys) {
    secretKeys.addAll(List.of(keys));
    return this;
  }

  public ServiceBuilder command(String... words) {
    this.command = List.of(words);
    return this;
  }

  public ServiceBuilder entrypoint(String... words) {
    this.entrypoint = List.of(words);
    return this;
  }

  public ServiceBuilder label(String key, String value) {
    labels.put(key, value);
    return this;
  }

  /** Attaches the service to network {@code key} (declare it on the project too). */
  public ServiceBuilder network(String key, String... aliases) {
    networks.put(
        key,
        aliases.length == 0
            ? ServiceNetwork.DEFAULT
            : new ServiceNetwork(List.of(aliases), null, null, null));
    return this;
  }

  public ServiceBuilder readOnlyBind(String source, String target) {
    volumes.add(
        new ServiceVolume(ServiceVolume.BIND, source, target, true, null, null, null, null));
    return this;
  }

  public ServiceBuilder replicas(int replicas) {
    this.deploy = new Deploy(null, replicas, null, null, null, null);
    return this;
  }

  /** An {@code x-selvedge.readback}; expect is path, value pairs. */
  public ServiceBuilder readback(String health, String version, String owner, String... expect) {
    Map<String, String> e = new LinkedHashMap<>();
    for (int i = 0; i + 1 < expect.length; i += 2) {
      e.put(expect[i], expect[i + 1]);
    }
    this.readback = new Readback(health, version, e, Duration.ofSeconds(2), owner);
    return this;
  }

  public String name() {
    return name;
  }

  public Service toService() {
    return new Service(
        name,
        image,
        build,
        command,
        entrypoint,
        environment,
        ports,
        List.of(),
        volumes,
        Map.of(),
        networks,
        networkMode,
        healthcheck,
        restart,
        labels,
        logging,
        deploy,
        List.of(),
        List.of(),
        List.of(),
        options.build(),
        new SelvedgeService(false, staticPorts, secretKeys, readback),
        Map.of());
  }
}
