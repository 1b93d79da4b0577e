package dev.selvedge.contract.compose;

import static dev.selvedge.contract.compose.Read.bool;
import static dev.selvedge.contract.compose.Read.byteSize;
import static dev.selvedge.contract.compose.Read.dict;
import static dev.selvedge.contract.compose.Read.duration;
import static dev.selvedge.contract.compose.Read.error;
import static dev.selvedge.contract.compose.Read.index;
import static dev.selvedge.contract.compose.Read.map;
import static dev.selvedge.contract.compose.Read.mapping;
import static dev.selvedge.contract.compose.Read.optBool;
import static dev.selvedge.contract.compose.Read.optInt;
import static dev.selvedge.contract.compose.Read.optLong;
import static dev.selvedge.contract.compose.Read.path;
import static dev.selvedge.contract.compose.Read.seq;
import static dev.selvedge.contract.compose.Read.str;
import static dev.selvedge.contract.compose.Read.strings;

import dev.selvedge.contract.model.Build;
import dev.selvedge.contract.model.ContainerOptions;
import dev.selvedge.contract.model.Dependency;
import dev.selvedge.contract.model.Deploy;
import dev.selvedge.contract.model.FileReference;
import dev.selvedge.contract.model.Healthcheck;
import dev.selvedge.contract.model.Ipam;
import dev.selvedge.contract.model.Logging;
import dev.selvedge.contract.model.NetworkDef;
import dev.selvedge.contract.model.Policy;
import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.Readback;
import dev.selvedge.contract.model.SecretDef;
import dev.selvedge.contract.model.SelvedgeService;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.ServiceNetwork;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.contract.model.Ulimit;
import dev.selvedge.contract.model.VolumeDef;
import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns the merged, interpolated document into the typed model: validates every key (unknown keys
 * outside {@code x-*} are errors with their path), normalizes short syntax to long syntax, and
 * resolves relative paths against the project directory.
 */
final class ModelBuilder {
  /** Compose keys that are valid but that Selvedge cannot honour, with the reason. */
  private static final Map<String, String> UNSUPPORTED_SERVICE_KEYS =
      Map.ofEntries(
          Map.entry("links", "legacy container links; use a shared network and the service name"),
          Map.entry("external_links", "legacy container links; use an external network"),
          Map.entry("volumes_from", "mounts another container's volumes; use a named volume"),
          Map.entry("develop", "watch mode is a development feature, not a deployment contract"),
          Map.entry("scale", "replica counts are not applied yet; run one container per service"),
          Map.entry("models", "AI model bindings are not supported"),
          Map.entry("provider", "provider services are not supported"),
          Map.entry("gpus", "GPU reservations are not applied yet"),
          Map.entry("use_api_socket", "this exposes the engine socket; mount it explicitly"),
          Map.entry("credential_spec", "Windows-only setting"),
          Map.entry("isolation", "Windows-only setting"),
          Map.entry("blkio_config", "block IO tuning is not applied yet"),
          Map.entry("cgroup", "cgroup namespace mode is not applied yet"),
          Map.entry("cgroup_parent", "cgroup placement is not applied yet"),
          Map.entry("cpu_count", "use deploy.resources.limits.cpus or cpus"),
          Map.entry("cpu_percent", "use deploy.resources.limits.cpus or cpus"),
          Map.entry("cpu_period", "use deploy.resources.limits.cpus or cpus"),
          Map.entry("cpu_quota", "use deploy.resources.limits.cpus or cpus"),
          Map.entry("cpu_rt_period", "real-time scheduling is not applied"),
          Map.entry("cpu_rt_runtime", "real-time scheduling is not applied"),
          Map.entry("cpu_shares", "use deploy.resources.limits.cpus or cpus"),
          Map.entry("cpuset", "CPU pinning is not applied yet"),
          Map.entry("device_cgroup_rules", "not applied yet"),
          Map.entry("lifecycle_hooks", "post_start/pre_stop hooks are not applied yet"),
          Map.entry("post_start", "lifecycle hooks are not applied yet"),
          Map.entry("pre_stop", "lifecycle hooks are not applied yet"),
          Map.entry("mac_address", "set the MAC address on the network attachment"),
          Map.entry("mem_reservation", "use deploy.resources.reservations.memory"),
          Map.entry("mem_swappiness", "not applied yet"),
          Map.entry("memswap_limit", "not applied yet"),
          Map.entry("oom_kill_disable", "not applied yet"),
          Map.entry("oom_score_adj", "not applied yet"),
          Map.entry("pids_limit", "use deploy.resources.limits.pids"),
          Map.entry("storage_opt", "not applied yet"),
          Map.entry("userns_mode", "not applied yet"),
          Map.entry("uts", "not applied yet"),
          Map.entry("label_file", "not supported yet; use labels"),
          Map.entry("attach", "not applied"),
          Map.entry("volumes_driver", "legacy key; use a named volume with a driver"));

  private final Path projectDir;
  private final String projectName;
  private final Function<String, String> env;
  private final Set<String> secretKeys = new java.util.LinkedHashSet<>();
  private final Set<String> pinnedEnv = new java.util.LinkedHashSet<>();
  private final List<String> parityIgnore = new ArrayList<>();
  private final List<String> tenantUnique = new ArrayList<>();
  private final List<String> warnings;

  private final SourceFiles sources;
  private final java.util.function.BiConsumer<Path, byte[]> recordSource;

  ModelBuilder(
      Path projectDir,
      String projectName,
      Function<String, String> env,
      List<String> warnings,
      SourceFiles sources,
      java.util.function.BiConsumer<Path, byte[]> recordSource) {
    this.sources = sources;
    this.recordSource = recordSource;
    this.projectDir = projectDir;
    this.projectName = projectName;
    this.env = env;
    this.warnings = warnings;
  }

  Set<String> secretKeys() {
    return secretKeys;
  }

  /** Keys of {@code x-selvedge.pinned-env}, known once {@link #policy} has read the extension. */
  Set<String> pinnedEnv() {
    return pinnedEnv;
  }

  /** Keys of {@code x-selvedge.parity.ignore} (project), known once {@link #policy} has run. */
  List<String> parityIgnore() {
    return parityIgnore;
  }

  /** Keys of {@code x-selvedge.tenant_unique}, known once {@link #policy} has run. */
  List<String> tenantUnique() {
    return tenantUnique;
  }

  /** {@code parity: {ignore: [KEY, ...]}}: the keys meant to differ between two nodes. */
  private List<String> parity(Node node, String p) {
    MapNode m = map(node, p);
    List<String> ignore = new ArrayList<>();
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      String kp = path(p, e.getKey());
      if (e.getKey().equals("ignore")) {
        ignore.addAll(strings(e.getValue(), kp));
      } else {
        unknownKey(e.getValue(), kp, e.getKey(), "x-selvedge.parity");
      }
    }
    return ignore;
  }

  // ---------------------------------------------------------------- top level

  Map<String, NetworkDef> networks(Node node, boolean defaultNeeded) {
    LinkedHashMap<String, NetworkDef> out = new LinkedHashMap<>();
    MapNode m = node == null ? MapNode.empty(null) : map(node, "networks");
    if (defaultNeeded && !m.has("default")) {
      out.put(
          "default",
          new NetworkDef(
              projectName + "_default", null, null, false, false, false, false, null, null));
    }
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      String p = path("networks", e.getKey());
      MapNode n = map(e.getValue(), p);
      String name = null;
      String driver = null;
      Map<String, String> opts = null;
      Map<String, String> labels = null;
      boolean external = false;
      boolean internal = false;
      boolean attachable = false;
      boolean ipv6 = false;
      Ipam ipam = null;
      for (Map.Entry<String, Node> f : n.entries().entrySet()) {
        String fp = path(p, f.getKey());
        Node v = f.getValue();
        switch (f.getKey()) {
          case "name" -> name = str(v, fp);
          case "driver" -> driver = str(v, fp);
          case "driver_opts" -> opts = mapping(v, fp);
          case "labels" -> labels = mapping(v, fp);
          case "external" -> external = externalFlag(v, fp);
          case "internal" -> internal = bool(v, fp);
          case "attachable" -> attachable = bool(v, fp);
          case "enable_ipv6" -> ipv6 = bool(v, fp);
          case "ipam" -> ipam = ipam(v, fp);
          case "enable_ipv4" ->
              throw error(v, fp, "not supported by Selvedge yet: IPv4 is always enabled");
          default -> unknownKey(v, fp, f.getKey(), "a network");
        }
      }
      if (name == null) {
        name = external ? e.getKey() : projectName + "_" + e.getKey();
      }
      out.put(
          e.getKey(),
          new NetworkDef(name, driver, opts, external, internal, attachable, ipv6, ipam, labels));
    }
    return out;
  }

  private static Ipam ipam(Node v, String p) {
    String driver = null;
    List<Ipam.Pool> pools = new ArrayList<>();
    Map<String, String> options = null;
    for (Map.Entry<String, Node> e : map(v, p).entries().entrySet()) {
      String kp = path(p, e.getKey());
      switch (e.getKey()) {
        case "driver" -> driver = str(e.getValue(), kp);
        case "options" -> options = mapping(e.getValue(), kp);
        case "config" -> {
          SeqNode s = seq(e.getValue(), kp);
          for (int i = 0; i < s.items().size(); i++) {
            String ip = index(kp, i);
            String subnet = null;
            String range = null;
            String gateway = null;
            Map<String, String> aux = null;
            for (Map.Entry<String, Node> f : map(s.items().get(i), ip).entries().entrySet()) {
              String fp = path(ip, f.getKey());
              switch (f.getKey()) {
                case "subnet" -> subnet = str(f.getValue(), fp);
                case "ip_range" -> range = str(f.getValue(), fp);
                case "gateway" -> gateway = str(f.getValue(), fp);
                case "aux_addresses" -> aux = mapping(f.getValue(), fp);
                default -> unknownKey(f.getValue(), fp, f.getKey(), "an ipam pool");
              }
            }
            pools.add(new Ipam.Pool(subnet, range, gateway, aux));
          }
        }
        default -> unknownKey(e.getValue(), kp, e.getKey(), "ipam");
      }
    }
    return new Ipam(driver, pools, options);
  }

  Map<String, VolumeDef> volumes(Node node) {
    LinkedHashMap<String, VolumeDef> out = new LinkedHashMap<>();
    if (node == null) {
      return out;
    }
    for (Map.Entry<String, Node> e : map(node, "volumes").entries().entrySet()) {
      String p = path("volumes", e.getKey());
      MapNode n = map(e.getValue(), p);
      String name = null;
      String driver = null;
      Map<String, String> opts = null;
      Map<String, String> labels = null;
      boolean external = false;
      for (Map.Entry<String, Node> f : n.entries().entrySet()) {
        String fp = path(p, f.getKey());
        Node v = f.getValue();
        switch (f.getKey()) {
          case "name" -> name = str(v, fp);
          case "driver" -> driver = str(v, fp);
          case "driver_opts" -> opts = mapping(v, fp);
          case "labels" -> labels = mapping(v, fp);
          case "external" -> external = externalFlag(v, fp);
          default -> unknownKey(v, fp, f.getKey(), "a volume");
        }
      }
      if (name == null) {
        name = external ? e.getKey() : projectName + "_" + e.getKey();
      }
      out.put(e.getKey(), new VolumeDef(name, driver, opts, external, labels));
    }
    return out;
  }

  Map<String, SecretDef> secrets(Node node, String section) {
    LinkedHashMap<String, SecretDef> out = new LinkedHashMap<>();
    if (node == null) {
      return out;
    }
    for (Map.Entry<String, Node> e : map(node, section).entries().entrySet()) {
      String p = path(section, e.getKey());
      MapNode n = map(e.getValue(), p);
      String name = null;
      String file = null;
      String environment = null;
      String content = null;
      boolean external = false;
      Map<String, String> labels = null;
      for (Map.Entry<String, Node> f : n.entries().entrySet()) {
        String fp = path(p, f.getKey());
        Node v = f.getValue();
        switch (f.getKey()) {
          case "name" -> name = str(v, fp);
          case "file" -> file = absolute(str(v, fp));
          case "environment" -> environment = str(v, fp);
          case "content" -> {
            if (section.equals("secrets")) {
              throw error(v, fp, "inline content is only allowed for configs; use a file");
            }
            content = str(v, fp);
          }
          case "external" -> external = externalFlag(v, fp);
          case "labels" -> labels = mapping(v, fp);
          case "driver", "driver_opts", "template_driver" ->
              throw error(v, fp, "Swarm-only setting, not supported by Selvedge");
          default -> unknownKey(v, fp, f.getKey(), "a " + section.replaceAll("s$", ""));
        }
      }
      if (name == null) {
        name = external ? e.getKey() : projectName + "_" + e.getKey();
      }
      out.put(e.getKey(), new SecretDef(name, file, environment, content, external, labels));
    }
    return out;
  }

  private static boolean externalFlag(Node v, String path) {
    if (v instanceof MapNode) {
      // Legacy `external: {name: x}` form still means external.
      return true;
    }
    return bool(v, path);
  }

  Policy policy(Node selvedge) {
    if (selvedge == null) {
      return Policy.DEFAULT;
    }
    MapNode x = map(selvedge, "x-selvedge");
    Policy policy = Policy.DEFAULT;
    for (Map.Entry<String, Node> e : x.entries().entrySet()) {
      String p = path("x-selvedge", e.getKey());
      switch (e.getKey()) {
        case "policy" -> policy = readPolicy(e.getValue(), p);
        case "secrets" -> secretKeys.addAll(strings(e.getValue(), p));
        case "pinned-env" -> pinnedEnv.addAll(strings(e.getValue(), p));
        case "parity" -> parityIgnore.addAll(parity(e.getValue(), p));
        case "tenant_unique" -> tenantUnique.addAll(strings(e.getValue(), p));
        default -> unknownKey(e.getValue(), p, e.getKey(), "x-selvedge (project)");
      }
    }
    return policy;
  }

  private Policy readPolicy(Node node, String p) {
    MapNode m = map(node, p);
    LinkedHashMap<String, Severity> rules = new LinkedHashMap<>();
    java.time.Duration floor = null;
    Severity failOn = null;
    List<Policy.Waiver> waivers = new ArrayList<>();
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      String fp = path(p, e.getKey());
      Node v = e.getValue();
      switch (e.getKey()) {
        case "rules" -> {
          for (Map.Entry<String, Node> r : map(v, fp).entries().entrySet()) {
            rules.put(r.getKey(), severity(r.getValue(), path(fp, r.getKey())));
          }
        }
        case "healthcheck-interval-floor" -> floor = duration(v, fp);
        case "fail-on" -> failOn = severity(v, fp);
        case "waivers" -> {
          SeqNode s = seq(v, fp);
          for (int i = 0; i < s.items().size(); i++) {
            String wp = index(fp, i);
            MapNode w = map(s.items().get(i), wp);
            String rule = null;
            String service = null;
            String reason = null;
            for (Map.Entry<String, Node> f : w.entries().entrySet()) {
              switch (f.getKey()) {
                case "rule" -> rule = str(f.getValue(), path(wp, "rule"));
                case "service" -> service = str(f.getValue(), path(wp, "service"));
                case "reason" -> reason = str(f.getValue(), path(wp, "reason"));
                default -> unknownKey(f.getValue(), path(wp, f.getKey()), f.getKey(), "a waiver");
              }
            }
            try {
              waivers.add(new Policy.Waiver(rule, service, reason));
            } catch (IllegalArgumentException ex) {
              throw error(w, wp, ex.getMessage());
            }
          }
        }
        default -> unknownKey(v, fp, e.getKey(), "x-selvedge.policy");
      }
    }
    return new Policy(rules, floor, failOn, waivers);
  }

  private static Severity severity(Node v, String p) {
    String s = Read.requiredStr(v, p);
    try {
      return Severity.parse(s);
    } catch (IllegalArgumentException e) {
      throw error(v, p, e.getMessage());
    }
  }

  // ---------------------------------------------------------------- services

  Service service(String name, MapNode node) {
    String p = path("services", name);
    String image = null;
    Build build = null;
    List<String> command = null;
    List<String> entrypoint = null;
    LinkedHashMap<String, String> fromFiles = new LinkedHashMap<>();
    LinkedHashMap<String, String> environment = new LinkedHashMap<>();
    List<PortConfig> ports = new ArrayList<>();
    List<String> expose = new ArrayList<>();
    List<ServiceVolume> volumes = new ArrayList<>();
    Map<String, Dependency> dependsOn = new LinkedHashMap<>();
    Map<String, ServiceNetwork> networks = new LinkedHashMap<>();
    String networkMode = null;
    Healthcheck healthcheck = null;
    String restart = null;
    Map<String, String> labels = new LinkedHashMap<>();
    Logging logging = null;
    Deploy deploy = null;
    List<FileReference> secretRefs = new ArrayList<>();
    List<FileReference> configRefs = new ArrayList<>();
    List<String> profiles = List.of();
    ContainerOptions.Builder o = ContainerOptions.builder();
    SelvedgeService selvedge = null;
    Map<String, Node> extensions = new LinkedHashMap<>();

    for (Map.Entry<String, Node> e : node.entries().entrySet()) {
      String key = e.getKey();
      String kp = path(p, key);
      Node v = e.getValue();
      switch (key) {
        case "image" -> image = str(v, kp);
        case "build" -> build = build(v, kp);
        case "command" -> command = commandLine(v, kp);
        case "entrypoint" -> entrypoint = commandLine(v, kp);
        case "environment" -> environment = dict(v, kp);
        case "env_file" -> envFiles(v, kp, fromFiles);
        case "ports" -> ports = ports(v, kp);
        case "expose" -> expose = strings(v, kp);
        case "volumes" -> volumes = volumes(v, kp);
        case "depends_on" -> dependsOn = dependsOn(v, kp);
        case "networks" -> networks = serviceNetworks(v, kp);
        case "network_mode" -> networkMode = str(v, kp);
        case "healthcheck" -> healthcheck = healthcheck(v, kp);
        case "restart" -> restart = restartPolicy(v, kp);
        case "labels" -> labels = mapping(v, kp);
        case "logging" -> logging = logging(v, kp);
        case "deploy" -> deploy = deploy(v, kp);
        case "secrets" -> secretRefs = fileRefs(v, kp);
        case "configs" -> configRefs = fileRefs(v, kp);
        case "profiles" -> profiles = strings(v, kp);
        case "container_name" -> o.containerName = str(v, kp);
        case "hostname" -> o.hostname = str(v, kp);
        case "domainname" -> o.domainname = str(v, kp);
        case "user" -> o.user = str(v, kp);
        case "working_dir" -> o.workingDir = str(v, kp);
        case "stop_signal" -> o.stopSignal = str(v, kp);
        case "stop_grace_period" -> o.stopGracePeriod = duration(v, kp);
        case "platform" -> o.platform = str(v, kp);
        case "runtime" -> o.runtime = str(v, kp);
        case "pid" -> o.pid = str(v, kp);
        case "ipc" -> o.ipc = str(v, kp);
        case "privileged" -> o.privileged = bool(v, kp);
        case "read_only" -> o.readOnly = bool(v, kp);
        case "init" -> o.init = optBool(v, kp);
        case "stdin_open" -> o.stdinOpen = bool(v, kp);
        case "tty" -> o.tty = bool(v, kp);
        case "cap_add" -> o.capAdd = strings(v, kp);
        case "cap_drop" -> o.capDrop = strings(v, kp);
        case "dns" -> o.dns = strings(v, kp);
        case "dns_search" -> o.dnsSearch = strings(v, kp);
        case "dns_opt" -> o.dnsOpt = strings(v, kp);
        case "security_opt" -> o.securityOpt = strings(v, kp);
        case "devices" -> o.devices = devices(v, kp);
        case "extra_hosts" -> o.extraHosts = extraHosts(v, kp);
        case "tmpfs" -> o.tmpfs = strings(v, kp);
        case "group_add" -> o.groupAdd = strings(v, kp);
        case "sysctls" -> o.sysctls = mapping(v, kp);
        case "ulimits" -> o.ulimits = ulimits(v, kp);
        case "mem_limit" -> o.memLimit = nonNegative(byteSize(v, kp), v, kp);
        case "shm_size" -> o.shmSize = nonNegative(byteSize(v, kp), v, kp);
        case "cpus" -> o.cpus = cpus(v, kp);
        case "pull_policy" -> o.pullPolicy = pullPolicy(v, kp);
        case "annotations" -> o.annotations = mapping(v, kp);
        case "x-selvedge" -> selvedge = selvedgeService(v, kp);
        default -> {
          if (key.startsWith("x-")) {
            extensions.put(key, v);
          } else if (UNSUPPORTED_SERVICE_KEYS.containsKey(key)) {
            throw error(v, kp, "not supported by Selvedge: " + UNSUPPORTED_SERVICE_KEYS.get(key));
          } else {
            unknownKey(v, kp, key, "a service");
          }
        }
      }
    }
    if (image == null && build == null) {
      throw error(node, p, "has neither image nor build; give it an image");
    }
    LinkedHashMap<String, String> env = new LinkedHashMap<>(fromFiles);
    for (Map.Entry<String, String> e : environment.entrySet()) {
      String value = e.getValue();
      if (value == null) {
        // A key with no value takes the value of the same variable where Compose runs.
        value = env.containsKey(e.getKey()) ? env.get(e.getKey()) : this.env.apply(e.getKey());
      }
      env.put(e.getKey(), value);
    }
    if (selvedge != null) {
      secretKeys.addAll(selvedge.secrets());
    }
    return new Service(
        name,
        image,
        build,
        command,
        entrypoint,
        env,
        ports,
        expose,
        volumes,
        dependsOn,
        networks,
        networkMode,
        healthcheck,
        restart,
        labels,
        logging,
        deploy,
        secretRefs,
        configRefs,
        profiles,
        o.build(),
        selvedge,
        extensions);
  }

  private static void unknownKey(Node v, String path, String key, String where) {
    throw error(
        v,
        path,
        "unknown key '"
            + key
            + "' in "
            + where
            + "; check the spelling against the Compose Specification, or put your own data under"
            + " an x- extension");
  }

  /** A CPU count such as 0.5 or 2. */
  private static String cpus(Node v, String p) {
    String s = str(v, p);
    if (s == null || s.matches("[0-9]+(\\.[0-9]+)?|\\.[0-9]+")) {
      return s;
    }
    throw error(v, p, "must be a number of CPUs such as 0.5 or 2, found '" + s + "'");
  }

  private static <N extends Number> N nonNegative(N n, Node v, String p) {
    if (n != null && n.longValue() < 0) {
      throw error(v, p, "must not be negative");
    }
    return n;
  }

  private static String restartPolicy(Node v, String p) {
    String s = str(v, p);
    if (s == null) {
      return null;
    }
    if (s.equals("no")
        || s.equals("always")
        || s.equals("unless-stopped")
        || s.equals("on-failure")
        || s.matches("on-failure:\\d+")) {
      return s;
    }
    if (s.equals("false")) {
      return "no";
    }
    throw error(v, p, "must be no, always, unless-stopped or on-failure[:N], found '" + s + "'");
  }

  private static String pullPolicy(Node v, String p) {
    String s = str(v, p);
    if (s == null
        || s.matches("always|never|missing|if_not_present|build|daily|weekly|every_\\w+")) {
      return s;
    }
    throw error(v, p, "must be always, never, missing or build, found '" + s + "'");
  }

  private List<String> commandLine(Node v, String p) {
    if (v instanceof ScalarNode s) {
      if (s.isNull()) {
        return null;
      }
      try {
        ShellWords.Result r = ShellWords.splitDetailed(s.value());
        if (r.stoppedAt() >= 0) {
          warnings.add(
              v.mark()
                  + ": "
                  + p
                  + ": the command is not run by a shell, so everything from character "
                  + (r.stoppedAt() + 1)
                  + " on is dropped, as docker compose does; use [\"sh\", \"-c\", \"...\"]");
        }
        return r.words();
      } catch (IllegalArgumentException e) {
        throw error(v, p, e.getMessage());
      }
    }
    return strings(v, p);
  }

  private Build build(Node v, String p) {
    if (v instanceof ScalarNode s) {
      return new Build(
          absolute(s.value()),
          "Dockerfile",
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          false,
          false);
    }
    MapNode m = map(v, p);
    String context = ".";
    String dockerfile = null;
    String inline = null;
    Map<String, String> args = null;
    String target = null;
    List<String> tags = null;
    Map<String, String> labels = null;
    Map<String, String> contexts = null;
    List<String> platforms = null;
    List<String> cacheFrom = null;
    String network = null;
    boolean noCache = false;
    boolean pull = false;
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      String kp = path(p, e.getKey());
      Node n = e.getValue();
      switch (e.getKey()) {
        case "context" -> context = str(n, kp);
        case "dockerfile" -> dockerfile = str(n, kp);
        case "dockerfile_inline" -> inline = str(n, kp);
        case "args" -> args = resolvedArgs(dict(n, kp));
        case "target" -> target = str(n, kp);
        case "tags" -> tags = strings(n, kp);
        case "labels" -> labels = mapping(n, kp);
        case "additional_contexts" -> contexts = mapping(n, kp);
        case "platforms" -> platforms = strings(n, kp);
        case "cache_from" -> cacheFrom = strings(n, kp);
        case "network" -> network = str(n, kp);
        case "no_cache" -> noCache = bool(n, kp);
        case "pull" -> pull = bool(n, kp);
        case "cache_to",
            "extra_hosts",
            "isolation",
            "privileged",
            "secrets",
            "ssh",
            "shm_size",
            "ulimits",
            "entitlements",
            "provenance",
            "sbom" -> {
          // Valid Compose build settings; Selvedge never builds, so they are accepted and dropped.
        }
        default -> {
          if (!e.getKey().startsWith("x-")) {
            unknownKey(n, kp, e.getKey(), "build");
          }
        }
      }
    }
    if (dockerfile == null && inline == null) {
      dockerfile = "Dockerfile";
    }
    return new Build(
        absoluteContext(context),
        dockerfile,
        inline,
        args,
        target,
        tags,
        labels,
        contexts,
        platforms,
        cacheFrom,
        network,
        noCache,
        pull);
  }

  /** A build arg with no value takes the variable of the same name, or is dropped when unset. */
  private Map<String, String> resolvedArgs(Map<String, String> raw) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String v = e.getValue() != null ? e.getValue() : env.apply(e.getKey());
      if (v != null) {
        out.put(e.getKey(), v);
      }
    }
    return out;
  }

  private String absoluteContext(String context) {
    if (context == null) {
      return projectDir.toString();
    }
    if (context.contains("://") || context.startsWith("git@")) {
      return context;
    }
    return absolute(context);
  }

  private void envFiles(Node v, String p, Map<String, String> into) {
    List<Node> items = v instanceof SeqNode s ? s.items() : List.of(v);
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String ip = v instanceof SeqNode ? index(p, i) : p;
      String file;
      boolean required = true;
      if (item instanceof MapNode m) {
        file = null;
        for (Map.Entry<String, Node> e : m.entries().entrySet()) {
          switch (e.getKey()) {
            case "path" -> file = str(e.getValue(), path(ip, "path"));
            case "required" -> required = bool(e.getValue(), path(ip, "required"));
            case "format" -> {
              String f = str(e.getValue(), path(ip, "format"));
              if (f != null && !f.isEmpty()) {
                throw error(
                    e.getValue(),
                    path(ip, "format"),
                    "only the default dotenv format is read; remove format: " + f);
              }
            }
            default -> unknownKey(e.getValue(), path(ip, e.getKey()), e.getKey(), "env_file");
          }
        }
        if (file == null) {
          throw error(item, ip, "env_file entry needs a path");
        }
      } else {
        file = Read.requiredStr(item, ip);
      }
      Path f = Path.of(absolute(file));
      var bytes = sources.read(f);
      if (bytes.isEmpty()) {
        if (required) {
          throw error(
              item, ip, "env file " + f + " not found; create it or mark it required: false");
        }
        continue;
      }
      recordSource.accept(f, bytes.get());
      into.putAll(
          DotEnv.read(
              new String(bytes.get(), java.nio.charset.StandardCharsets.UTF_8),
              f.toString(),
              key -> into.containsKey(key) ? into.get(key) : env.apply(key)));
    }
  }

  private List<PortConfig> ports(Node v, String p) {
    SeqNode s = seq(v, p);
    List<PortConfig> out = new ArrayList<>();
    for (int i = 0; i < s.items().size(); i++) {
      String ip = index(p, i);
      Node item = s.items().get(i);
      if (item instanceof MapNode m) {
        out.add(longPort(m, ip));
      } else {
        String spec = Read.requiredStr(item, ip);
        try {
          out.addAll(PortSyntax.parse(spec));
        } catch (IllegalArgumentException e) {
          throw error(item, ip, "invalid port '" + spec + "': " + e.getMessage());
        }
      }
    }
    return out;
  }

  private static PortConfig longPort(MapNode m, String p) {
    String name = null;
    String mode = null;
    String hostIp = null;
    Integer target = null;
    String published = null;
    String protocol = null;
    String appProtocol = null;
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      String kp = path(p, e.getKey());
      Node n = e.getValue();
      switch (e.getKey()) {
        case "name" -> name = str(n, kp);
        case "mode" -> mode = str(n, kp);
        case "host_ip" -> hostIp = str(n, kp);
        case "target" -> target = optInt(n, kp);
        case "published" -> published = str(n, kp);
        case "protocol" -> protocol = str(n, kp);
        case "app_protocol" -> appProtocol = str(n, kp);
        default -> {
          if (!e.getKey().startsWith("x-")) {
            unknownKey(n, kp, e.getKey(), "a port");
          }
        }
      }
    }
    if (target == null) {
      throw error(m, p, "a port needs a target (the container port)");
    }
    try {
      return new PortConfig(name, mode, hostIp, target, published, protocol, appProtocol);
    } catch (IllegalArgumentException e) {
      throw error(m, p, e.getMessage());
    }
  }

  private List<ServiceVolume> volumes(Node v, String p) {
    SeqNode s = seq(v, p);
    List<ServiceVolume> out = new ArrayList<>();
    for (int i = 0; i < s.items().size(); i++) {
      String ip = index(p, i);
      Node item = s.items().get(i);
      ServiceVolume vol;
      if (item instanceof MapNode m) {
        vol = longVolume(m, ip);
      } else {
        String spec = Read.requiredStr(item, ip);
        try {
          vol = VolumeSyntax.parse(spec);
        } catch (IllegalArgumentException e) {
          throw error(item, ip, "invalid volume '" + spec + "': " + e.getMessage());
        }
      }
      if (vol.type().equals(ServiceVolume.BIND) && vol.source() != null) {
        vol =
            new ServiceVolume(
                vol.type(),
                absolute(vol.source()),
                vol.target(),
                vol.readOnly(),
                vol.consistency(),
                vol.bind(),
                vol.volume(),
                vol.tmpfs());
      }
      if (vol.target() == null || vol.target().isEmpty()) {
        throw error(item, ip, "a volume needs a target path in the container");
      }
      out.add(vol);
    }
    return out;
  }

  private static ServiceVolume longVolume(MapNode m, String p) {
    String type = null;
    String source = null;
    String target = null;
    boolean readOnly = false;
    String consistency = null;
    ServiceVolume.Bind bind = null;
    ServiceVolume.VolumeOptions vol = null;
    ServiceVolume.Tmpfs tmpfs = null;
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      String kp = path(p, e.getKey());
      Node n = e.getValue();
      switch (e.getKey()) {
        case "type" -> type = str(n, kp);
        case "source" -> source = str(n, kp);
        case "target" -> target = str(n, kp);
        case "read_only" -> readOnly = bool(n, kp);
        case "consistency" -> consistency = str(n, kp);
        case "bind" -> {
          MapNode b = map(n, kp);
          String propagation = null;
          Boolean create = null;
          String selinux = null;
          for (Map.Entry<String, Node> f : b.entries().entrySet()) {
            String fp = path(kp, f.getKey());
            switch (f.getKey()) {
              case "propagation" -> propagation = str(f.getValue(), fp);
              case "create_host_path" -> create = optBool(f.getValue(), fp);
              case "selinux" -> selinux = str(f.getValue(), fp);
              default -> unknownKey(f.getValue(), fp, f.getKey(), "bind options");
            }
          }
          bind = new ServiceVolume.Bind(propagation, create, selinux);
        }
        case "volume" -> {
          MapNode b = map(n, kp);
          boolean nocopy = false;
          String subpath = null;
          for (Map.Entry<String, Node> f : b.entries().entrySet()) {
            String fp = path(kp, f.getKey());
            switch (f.getKey()) {
              case "nocopy" -> nocopy = bool(f.getValue(), fp);
              case "subpath" -> subpath = str(f.getValue(), fp);
              default -> unknownKey(f.getValue(), fp, f.getKey(), "volume options");
            }
          }
          vol = new ServiceVolume.VolumeOptions(nocopy, subpath);
        }
        case "tmpfs" -> {
          MapNode b = map(n, kp);
          long size = 0;
          Integer mode = null;
          for (Map.Entry<String, Node> f : b.entries().entrySet()) {
            String fp = path(kp, f.getKey());
            switch (f.getKey()) {
              case "size" -> size = byteSize(f.getValue(), fp);
              case "mode" -> mode = optInt(f.getValue(), fp);
              default -> unknownKey(f.getValue(), fp, f.getKey(), "tmpfs options");
            }
          }
          tmpfs = new ServiceVolume.Tmpfs(size, mode);
        }
        default -> {
          if (!e.getKey().startsWith("x-")) {
            unknownKey(n, kp, e.getKey(), "a volume mount");
          }
        }
      }
    }
    if (type == null) {
      throw error(m, p, "a volume mount needs a type: bind, volume or tmpfs");
    }
    if (!Set.of("bind", "volume", "tmpfs", "npipe", "cluster", "image").contains(type)) {
      throw error(m, path(p, "type"), "must be bind, volume, tmpfs, npipe, cluster or image");
    }
    return new ServiceVolume(type, source, target, readOnly, consistency, bind, vol, tmpfs);
  }

  private static Map<String, Dependency> dependsOn(Node v, String p) {
    LinkedHashMap<String, Dependency> out = new LinkedHashMap<>();
    if (v instanceof SeqNode s) {
      for (int i = 0; i < s.items().size(); i++) {
        out.put(
            Read.requiredStr(s.items().get(i), index(p, i)),
            new Dependency(Dependency.STARTED, false, true));
      }
      return out;
    }
    for (Map.Entry<String, Node> e : map(v, p).entries().entrySet()) {
      String kp = path(p, e.getKey());
      MapNode d = map(e.getValue(), kp);
      String condition = null;
      boolean restart = false;
      boolean required = true;
      for (Map.Entry<String, Node> f : d.entries().entrySet()) {
        String fp = path(kp, f.getKey());
        switch (f.getKey()) {
          case "condition" -> condition = str(f.getValue(), fp);
          case "restart" -> restart = bool(f.getValue(), fp);
          case "required" -> required = bool(f.getValue(), fp);
          default -> unknownKey(f.getValue(), fp, f.getKey(), "depends_on");
        }
      }
      try {
        out.put(e.getKey(), new Dependency(condition, restart, required));
      } catch (IllegalArgumentException ex) {
        throw error(e.getValue(), path(kp, "condition"), ex.getMessage());
      }
    }
    return out;
  }

  private static Map<String, ServiceNetwork> serviceNetworks(Node v, String p) {
    LinkedHashMap<String, ServiceNetwork> out = new LinkedHashMap<>();
    if (v instanceof SeqNode s) {
      for (int i = 0; i < s.items().size(); i++) {
        out.put(Read.requiredStr(s.items().get(i), index(p, i)), ServiceNetwork.DEFAULT);
      }
      return out;
    }
    for (Map.Entry<String, Node> e : map(v, p).entries().entrySet()) {
      String kp = path(p, e.getKey());
      MapNode n = map(e.getValue(), kp);
      List<String> aliases = null;
      String ipv4 = null;
      String ipv6 = null;
      Integer priority = null;
      for (Map.Entry<String, Node> f : n.entries().entrySet()) {
        String fp = path(kp, f.getKey());
        switch (f.getKey()) {
          case "aliases" -> aliases = strings(f.getValue(), fp);
          case "ipv4_address" -> ipv4 = str(f.getValue(), fp);
          case "ipv6_address" -> ipv6 = str(f.getValue(), fp);
          case "priority" -> priority = optInt(f.getValue(), fp);
          default -> unknownKey(f.getValue(), fp, f.getKey(), "a service network");
        }
      }
      out.put(e.getKey(), new ServiceNetwork(aliases, ipv4, ipv6, priority));
    }
    return out;
  }

  private static Healthcheck healthcheck(Node v, String p) {
    MapNode m = map(v, p);
    List<String> test = null;
    java.time.Duration interval = null;
    java.time.Duration timeout = null;
    Integer retries = null;
    java.time.Duration startPeriod = null;
    java.time.Duration startInterval = null;
    boolean disable = false;
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      String kp = path(p, e.getKey());
      Node n = e.getValue();
      switch (e.getKey()) {
        case "test" -> {
          if (n instanceof ScalarNode s) {
            test = s.isNull() ? null : List.of("CMD-SHELL", s.value());
          } else {
            test = strings(n, kp);
          }
        }
        case "interval" -> interval = duration(n, kp);
        case "timeout" -> timeout = duration(n, kp);
        case "retries" -> retries = optInt(n, kp);
        case "start_period" -> startPeriod = duration(n, kp);
        case "start_interval" -> startInterval = duration(n, kp);
        case "disable" -> disable = bool(n, kp);
        default -> unknownKey(n, kp, e.getKey(), "healthcheck");
      }
    }
    return new Healthcheck(test, interval, timeout, retries, startPeriod, startInterval, disable);
  }

  private static Logging logging(Node v, String p) {
    MapNode m = map(v, p);
    String driver = null;
    Map<String, String> options = null;
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      String kp = path(p, e.getKey());
      switch (e.getKey()) {
        case "driver" -> driver = str(e.getValue(), kp);
        case "options" -> options = mapping(e.getValue(), kp);
        default -> unknownKey(e.getValue(), kp, e.getKey(), "logging");
      }
    }
    return new Logging(driver, options);
  }

  private static Deploy deploy(Node v, String p) {
    MapNode m = map(v, p);
    String mode = null;
    Integer replicas = null;
    Map<String, String> labels = null;
    Deploy.Resources limits = null;
    Deploy.Resources reservations = null;
    Deploy.RestartPolicy restart = null;
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      String kp = path(p, e.getKey());
      Node n = e.getValue();
      switch (e.getKey()) {
        case "mode" -> mode = str(n, kp);
        case "replicas" -> replicas = nonNegative(optInt(n, kp), n, kp);
        case "labels" -> labels = mapping(n, kp);
        case "resources" -> {
          for (Map.Entry<String, Node> r : map(n, kp).entries().entrySet()) {
            String rp = path(kp, r.getKey());
            switch (r.getKey()) {
              case "limits" -> limits = resources(r.getValue(), rp);
              case "reservations" -> reservations = resources(r.getValue(), rp);
              default -> unknownKey(r.getValue(), rp, r.getKey(), "deploy.resources");
            }
          }
        }
        case "restart_policy" -> {
          MapNode r = map(n, kp);
          String condition = null;
          java.time.Duration delay = null;
          Integer attempts = null;
          java.time.Duration window = null;
          for (Map.Entry<String, Node> f : r.entries().entrySet()) {
            String fp = path(kp, f.getKey());
            switch (f.getKey()) {
              case "condition" -> condition = str(f.getValue(), fp);
              case "delay" -> delay = duration(f.getValue(), fp);
              case "max_attempts" -> attempts = optInt(f.getValue(), fp);
              case "window" -> window = duration(f.getValue(), fp);
              default -> unknownKey(f.getValue(), fp, f.getKey(), "deploy.restart_policy");
            }
          }
          restart = new Deploy.RestartPolicy(condition, delay, attempts, window);
        }
        case "endpoint_mode", "placement", "update_config", "rollback_config" ->
            throw error(n, kp, "Swarm-only setting, not supported by Selvedge");
        default -> unknownKey(n, kp, e.getKey(), "deploy");
      }
    }
    return new Deploy(mode, replicas, labels, limits, reservations, restart);
  }

  private static Deploy.Resources resources(Node v, String p) {
    String cpus = null;
    Long memory = null;
    Long pids = null;
    for (Map.Entry<String, Node> e : map(v, p).entries().entrySet()) {
      String kp = path(p, e.getKey());
      switch (e.getKey()) {
        case "cpus" -> cpus = cpus(e.getValue(), kp);
        case "memory" -> memory = byteSize(e.getValue(), kp);
        case "pids" -> pids = optLong(e.getValue(), kp);
        case "devices", "generic_resources" ->
            throw error(e.getValue(), kp, "device reservations are not applied yet");
        default -> unknownKey(e.getValue(), kp, e.getKey(), "resources");
      }
    }
    return new Deploy.Resources(cpus, memory, pids);
  }

  private static List<FileReference> fileRefs(Node v, String p) {
    SeqNode s = seq(v, p);
    List<FileReference> out = new ArrayList<>();
    for (int i = 0; i < s.items().size(); i++) {
      String ip = index(p, i);
      Node item = s.items().get(i);
      if (item instanceof MapNode m) {
        String source = null;
        String target = null;
        String uid = null;
        String gid = null;
        Integer mode = null;
        for (Map.Entry<String, Node> e : m.entries().entrySet()) {
          String kp = path(ip, e.getKey());
          switch (e.getKey()) {
            case "source" -> source = str(e.getValue(), kp);
            case "target" -> target = str(e.getValue(), kp);
            case "uid" -> uid = str(e.getValue(), kp);
            case "gid" -> gid = str(e.getValue(), kp);
            case "mode" -> mode = fileMode(e.getValue(), kp);
            default -> unknownKey(e.getValue(), kp, e.getKey(), "a secret or config reference");
          }
        }
        if (source == null) {
          throw error(m, ip, "needs a source");
        }
        out.add(new FileReference(source, target, uid, gid, mode));
      } else {
        out.add(new FileReference(Read.requiredStr(item, ip), null, null, null, null));
      }
    }
    return out;
  }

  private static Integer fileMode(Node v, String p) {
    String s = str(v, p);
    if (s == null) {
      return null;
    }
    try {
      // YAML 1.2 writes octal as 0o440; Compose files often write 0440 meaning octal too.
      if (s.startsWith("0o")) {
        return Integer.parseInt(s.substring(2), 8);
      }
      if (s.length() > 1 && s.startsWith("0")) {
        return Integer.parseInt(s.substring(1), 8);
      }
      return Integer.valueOf(s);
    } catch (NumberFormatException e) {
      throw error(v, p, "must be a file mode such as 0440, found '" + s + "'");
    }
  }

  private static List<String> devices(Node v, String p) {
    SeqNode s = seq(v, p);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < s.items().size(); i++) {
      Node item = s.items().get(i);
      if (item instanceof MapNode m) {
        String source = str(m.get("source"), index(p, i) + ".source");
        Node t = m.get("target");
        Node perms = m.get("permissions");
        out.add(
            source
                + ":"
                + (t == null ? source : str(t, index(p, i) + ".target"))
                + (perms == null ? "" : ":" + str(perms, index(p, i) + ".permissions")));
      } else {
        out.add(Read.requiredStr(item, index(p, i)));
      }
    }
    return out;
  }

  private static List<String> extraHosts(Node v, String p) {
    if (v instanceof MapNode m) {
      List<String> out = new ArrayList<>();
      for (Map.Entry<String, Node> e : m.entries().entrySet()) {
        List<String> ips = strings(e.getValue(), path(p, e.getKey()));
        if (ips.isEmpty()) {
          throw error(e.getValue(), path(p, e.getKey()), "has no IP address; write HOST: IP");
        }
        for (String ip : ips) {
          out.add(e.getKey() + ":" + ip);
        }
      }
      return out;
    }
    List<String> out = strings(v, p);
    for (int i = 0; i < out.size(); i++) {
      // As docker compose: an entry without a separator is refused here rather than by the
      // engine at create time, which would fail the apply half-way.
      if (out.get(i).indexOf('=') < 0 && out.get(i).indexOf(':') < 0) {
        throw error(v, index(p, i), "has no IP address; write HOST=IP or HOST:IP");
      }
    }
    return out;
  }

  private static Map<String, Ulimit> ulimits(Node v, String p) {
    LinkedHashMap<String, Ulimit> out = new LinkedHashMap<>();
    for (Map.Entry<String, Node> e : map(v, p).entries().entrySet()) {
      String kp = path(p, e.getKey());
      Node n = e.getValue();
      if (n instanceof MapNode m) {
        Long soft = null;
        Long hard = null;
        for (Map.Entry<String, Node> f : m.entries().entrySet()) {
          switch (f.getKey()) {
            case "soft" -> soft = optLong(f.getValue(), path(kp, "soft"));
            case "hard" -> hard = optLong(f.getValue(), path(kp, "hard"));
            default -> unknownKey(f.getValue(), path(kp, f.getKey()), f.getKey(), "a ulimit");
          }
        }
        out.put(e.getKey(), new Ulimit(null, soft, hard));
      } else {
        out.put(e.getKey(), new Ulimit(optLong(n, kp), null, null));
      }
    }
    return out;
  }

  private SelvedgeService selvedgeService(Node v, String p) {
    MapNode m = map(v, p);
    boolean selfCritical = false;
    List<Integer> staticPorts = new ArrayList<>();
    List<String> secrets = new ArrayList<>();
    List<String> parityIgnore = new ArrayList<>();
    Readback readback = null;
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      String kp = path(p, e.getKey());
      Node n = e.getValue();
      switch (e.getKey()) {
        case "self-critical" -> selfCritical = bool(n, kp);
        case "static-ports" -> {
          SeqNode s = seq(n, kp);
          for (int i = 0; i < s.items().size(); i++) {
            staticPorts.add(optInt(s.items().get(i), index(kp, i)));
          }
        }
        case "secrets" -> secrets.addAll(strings(n, kp));
        case "readback" -> readback = readback(n, kp);
        case "parity" -> parityIgnore.addAll(parity(n, kp));
        default -> unknownKey(n, kp, e.getKey(), "x-selvedge (service)");
      }
    }
    return new SelvedgeService(selfCritical, staticPorts, secrets, readback, parityIgnore);
  }

  private static Readback readback(Node v, String p) {
    MapNode m = map(v, p);
    String health = null;
    String version = null;
    Map<String, String> expect = null;
    java.time.Duration timeout = null;
    String owner = null;
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      String kp = path(p, e.getKey());
      Node n = e.getValue();
      switch (e.getKey()) {
        case "health" -> health = url(n, kp);
        case "version" -> version = url(n, kp);
        case "expect" -> expect = dict(n, kp);
        case "timeout" -> timeout = duration(n, kp);
        case "owner" -> owner = str(n, kp);
        default -> unknownKey(n, kp, e.getKey(), "x-selvedge.readback");
      }
    }
    if (health == null && version == null) {
      throw error(m, p, "readback needs a health or a version URL");
    }
    return new Readback(health, version, expect, timeout, owner);
  }

  private static String url(Node v, String p) {
    String s = Read.requiredStr(v, p);
    if (!s.startsWith("http://") && !s.startsWith("https://")) {
      throw error(v, p, "must be an http:// or https:// URL, found '" + s + "'");
    }
    return s;
  }

  /** A host path made absolute against the project directory; {@code ~} is the home directory. */
  String absolute(String p) {
    if (p == null) {
      return null;
    }
    if (p.equals("~") || p.startsWith("~/")) {
      return Path.of(System.getProperty("user.home"))
          .resolve(p.substring(Math.min(2, p.length())))
          .normalize()
          .toString();
    }
    Path path = Path.of(p);
    if (path.isAbsolute()) {
      return p;
    }
    return projectDir.resolve(path).normalize().toString();
  }
}
