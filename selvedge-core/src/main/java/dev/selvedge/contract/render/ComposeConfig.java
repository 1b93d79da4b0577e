package dev.selvedge.contract.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.compose.GoDuration;
import dev.selvedge.contract.model.Build;
import dev.selvedge.contract.model.ContainerOptions;
import dev.selvedge.contract.model.Dependency;
import dev.selvedge.contract.model.Deploy;
import dev.selvedge.contract.model.FileReference;
import dev.selvedge.contract.model.Healthcheck;
import dev.selvedge.contract.model.NetworkDef;
import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.SecretDef;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.ServiceNetwork;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.contract.model.Ulimit;
import dev.selvedge.contract.model.VolumeDef;
import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The rendered project in the shape of {@code docker compose config --format json}, so the two can
 * be diffed. Values of secret keys are replaced by {@link #REDACTED}: the rendered contract is safe
 * to print and to store.
 */
public final class ComposeConfig {
  public static final String REDACTED = "********";

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final boolean redact;

  private ComposeConfig(boolean redact) {
    this.redact = redact;
  }

  /** For output: secret values masked wherever they appear. */
  public static ComposeConfig redacted() {
    return new ComposeConfig(true);
  }

  /**
   * With every value as rendered, for comparisons inside Selvedge (drift compares secrets by
   * fingerprint itself). Never print this rendering.
   */
  public static ComposeConfig unredacted() {
    return new ComposeConfig(false);
  }

  public ObjectNode render(Project p) {
    ObjectNode root = F.objectNode();
    root.put("name", p.name());
    ObjectNode services = root.putObject("services");
    for (Service s : p.services().values()) {
      services.set(s.name(), service(s, p.secretKeys()));
    }
    if (!p.networks().isEmpty()) {
      ObjectNode networks = root.putObject("networks");
      for (Map.Entry<String, NetworkDef> e : p.networks().entrySet()) {
        networks.set(e.getKey(), network(e.getValue()));
      }
    }
    if (!p.volumes().isEmpty()) {
      ObjectNode volumes = root.putObject("volumes");
      for (Map.Entry<String, VolumeDef> e : p.volumes().entrySet()) {
        volumes.set(e.getKey(), volume(e.getValue()));
      }
    }
    if (!p.secrets().isEmpty()) {
      root.set("secrets", secrets(p.secrets()));
    }
    if (!p.configs().isEmpty()) {
      root.set("configs", secrets(p.configs()));
    }
    if (redact) {
      scrub(root, "", p);
    }
    return root;
  }

  /**
   * The last pass over everything rendered: a value under a secret-looking key anywhere (labels,
   * build args, driver options, extensions) is masked whole; elsewhere only the spans where a
   * secret variable was substituted are masked (and URL passwords), so a weak secret that also
   * occurs in a public value (an image name) neither mangles it nor gives itself away.
   */
  private static void scrub(JsonNode node, String path, Project p) {
    if (node instanceof ObjectNode o) {
      List<String> keys = new java.util.ArrayList<>();
      o.fieldNames().forEachRemaining(keys::add);
      for (String key : keys) {
        JsonNode v = o.get(key);
        String at = path.isEmpty() ? key : path + "." + key;
        if (v.isTextual()) {
          boolean secretKey =
              dev.selvedge.contract.Secrets.isSecretKey(key, p.secretKeys())
                  && !v.textValue().isEmpty();
          o.put(key, secretKey ? REDACTED : p.secretValues().scrub(at, v.textValue()));
        } else {
          scrub(v, at, p);
        }
      }
    } else if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        JsonNode v = a.get(i);
        String at = path + "[" + i + "]";
        if (v.isTextual()) {
          a.set(i, F.textNode(p.secretValues().scrub(at, v.textValue())));
        } else {
          scrub(v, at, p);
        }
      }
    }
  }

  private ObjectNode service(Service s, java.util.Set<String> secretKeys) {
    ObjectNode o = F.objectNode();
    if (s.build() != null) {
      o.set("build", build(s.build()));
    }
    ContainerOptions c = s.options();
    putList(o, "cap_add", c.capAdd());
    putList(o, "cap_drop", c.capDrop());
    if (s.command() != null) {
      putList(o, "command", s.command(), true);
    }
    if (!s.configs().isEmpty()) {
      o.set("configs", fileRefs(s.configs()));
    }
    put(o, "container_name", c.containerName());
    put(o, "cpus", c.cpus());
    if (!s.dependsOn().isEmpty()) {
      ObjectNode deps = o.putObject("depends_on");
      for (Map.Entry<String, Dependency> d : s.dependsOn().entrySet()) {
        ObjectNode dep = deps.putObject(d.getKey());
        dep.put("condition", d.getValue().condition());
        if (d.getValue().restart()) {
          dep.put("restart", true);
        }
        dep.put("required", d.getValue().required());
      }
    }
    if (s.deploy() != null) {
      o.set("deploy", deploy(s.deploy()));
    }
    putList(o, "devices", c.devices());
    putList(o, "dns", c.dns());
    putList(o, "dns_opt", c.dnsOpt());
    putList(o, "dns_search", c.dnsSearch());
    put(o, "domainname", c.domainname());
    if (s.entrypoint() != null) {
      putList(o, "entrypoint", s.entrypoint(), true);
    }
    if (!s.environment().isEmpty()) {
      ObjectNode env = o.putObject("environment");
      for (Map.Entry<String, String> e : s.environment().entrySet()) {
        if (e.getValue() == null) {
          env.putNull(e.getKey());
        } else if (redact
            && dev.selvedge.contract.Secrets.isSecretKey(e.getKey(), secretKeys)
            && !e.getValue().isEmpty()) {
          env.put(e.getKey(), REDACTED);
        } else {
          env.put(e.getKey(), e.getValue());
        }
      }
    }
    putList(o, "expose", s.expose());
    putList(o, "extra_hosts", c.extraHosts());
    putList(o, "group_add", c.groupAdd());
    if (s.healthcheck() != null) {
      o.set("healthcheck", healthcheck(s.healthcheck()));
    }
    put(o, "hostname", c.hostname());
    put(o, "image", s.image());
    if (c.init() != null) {
      o.put("init", c.init());
    }
    put(o, "ipc", c.ipc());
    putMap(o, "labels", s.labels());
    if (s.logging() != null) {
      ObjectNode l = o.putObject("logging");
      put(l, "driver", s.logging().driver());
      putMap(l, "options", s.logging().options());
    }
    if (c.memLimit() != null) {
      o.put("mem_limit", String.valueOf(c.memLimit()));
    }
    put(o, "network_mode", s.networkMode());
    if (!s.networks().isEmpty()) {
      ObjectNode nets = o.putObject("networks");
      for (Map.Entry<String, ServiceNetwork> n : s.networks().entrySet()) {
        ServiceNetwork sn = n.getValue();
        if (sn.isDefault()) {
          nets.putNull(n.getKey());
        } else {
          ObjectNode x = nets.putObject(n.getKey());
          putList(x, "aliases", sn.aliases());
          put(x, "ipv4_address", sn.ipv4Address());
          put(x, "ipv6_address", sn.ipv6Address());
          if (sn.priority() != null) {
            x.put("priority", sn.priority());
          }
        }
      }
    }
    put(o, "pid", c.pid());
    put(o, "platform", c.platform());
    if (!s.ports().isEmpty()) {
      ArrayNode ports = o.putArray("ports");
      for (PortConfig pc : s.ports()) {
        ports.add(port(pc));
      }
    }
    if (c.privileged()) {
      o.put("privileged", true);
    }
    putList(o, "profiles", s.profiles());
    put(o, "pull_policy", c.pullPolicy());
    if (c.readOnly()) {
      o.put("read_only", true);
    }
    put(o, "restart", s.restart());
    put(o, "runtime", c.runtime());
    if (!s.secrets().isEmpty()) {
      o.set("secrets", fileRefs(s.secrets()));
    }
    putList(o, "security_opt", c.securityOpt());
    if (c.shmSize() != null) {
      o.put("shm_size", String.valueOf(c.shmSize()));
    }
    if (c.stdinOpen()) {
      o.put("stdin_open", true);
    }
    if (c.stopGracePeriod() != null) {
      o.put("stop_grace_period", GoDuration.format(c.stopGracePeriod()));
    }
    put(o, "stop_signal", c.stopSignal());
    putMap(o, "sysctls", c.sysctls());
    putList(o, "tmpfs", c.tmpfs());
    if (c.tty()) {
      o.put("tty", true);
    }
    if (!c.ulimits().isEmpty()) {
      ObjectNode u = o.putObject("ulimits");
      for (Map.Entry<String, Ulimit> e : c.ulimits().entrySet()) {
        Ulimit ul = e.getValue();
        if (ul.single() != null) {
          u.put(e.getKey(), ul.single());
        } else {
          ObjectNode x = u.putObject(e.getKey());
          if (ul.soft() != null) {
            x.put("soft", ul.soft());
          }
          if (ul.hard() != null) {
            x.put("hard", ul.hard());
          }
        }
      }
    }
    put(o, "user", c.user());
    if (!s.volumes().isEmpty()) {
      ArrayNode vols = o.putArray("volumes");
      for (ServiceVolume v : s.volumes()) {
        vols.add(volume(v));
      }
    }
    put(o, "working_dir", c.workingDir());
    for (Map.Entry<String, Node> x : s.extensions().entrySet()) {
      o.set(x.getKey(), json(x.getValue()));
    }
    if (s.selvedge() != null && s.selvedge() != dev.selvedge.contract.model.SelvedgeService.NONE) {
      o.set("x-selvedge", selvedge(s));
    }
    return o;
  }

  private static ObjectNode selvedge(Service s) {
    var x = s.selvedge();
    ObjectNode o = F.objectNode();
    if (x.selfCritical()) {
      o.put("self-critical", true);
    }
    if (!x.staticPorts().isEmpty()) {
      ArrayNode a = o.putArray("static-ports");
      x.staticPorts().forEach(a::add);
    }
    putList(o, "secrets", x.secrets());
    if (x.readback() != null) {
      ObjectNode r = o.putObject("readback");
      put(r, "health", x.readback().health());
      put(r, "version", x.readback().version());
      putMap(r, "expect", x.readback().expect());
      r.put("timeout", GoDuration.format(x.readback().timeout()));
      put(r, "owner", x.readback().owner());
    }
    return o;
  }

  private static ObjectNode port(PortConfig p) {
    ObjectNode o = F.objectNode();
    put(o, "name", p.name());
    o.put("mode", p.mode());
    put(o, "host_ip", p.hostIp());
    o.put("target", p.target());
    put(o, "published", p.published());
    o.put("protocol", p.protocol());
    put(o, "app_protocol", p.appProtocol());
    return o;
  }

  private static ObjectNode volume(ServiceVolume v) {
    ObjectNode o = F.objectNode();
    o.put("type", v.type());
    put(o, "source", v.source());
    o.put("target", v.target());
    if (v.readOnly()) {
      o.put("read_only", true);
    }
    put(o, "consistency", v.consistency());
    if (v.bind() != null) {
      ObjectNode b = o.putObject("bind");
      put(b, "propagation", v.bind().propagation());
      if (v.bind().createHostPath() != null) {
        b.put("create_host_path", v.bind().createHostPath());
      }
      put(b, "selinux", v.bind().selinux());
    }
    if (v.volume() != null) {
      ObjectNode b = o.putObject("volume");
      if (v.volume().nocopy()) {
        b.put("nocopy", true);
      }
      put(b, "subpath", v.volume().subpath());
    }
    if (v.tmpfs() != null) {
      ObjectNode b = o.putObject("tmpfs");
      if (v.tmpfs().size() > 0) {
        b.put("size", v.tmpfs().size());
      }
      if (v.tmpfs().mode() != null) {
        b.put("mode", v.tmpfs().mode());
      }
    }
    return o;
  }

  private static ObjectNode healthcheck(Healthcheck h) {
    ObjectNode o = F.objectNode();
    putList(o, "test", h.test());
    putDuration(o, "timeout", h.timeout());
    putDuration(o, "interval", h.interval());
    if (h.retries() != null) {
      o.put("retries", h.retries());
    }
    putDuration(o, "start_period", h.startPeriod());
    putDuration(o, "start_interval", h.startInterval());
    if (h.disable()) {
      o.put("disable", true);
    }
    return o;
  }

  private static ObjectNode build(Build b) {
    ObjectNode o = F.objectNode();
    put(o, "context", b.context());
    put(o, "dockerfile", b.dockerfile());
    put(o, "dockerfile_inline", b.dockerfileInline());
    putMap(o, "args", b.args());
    put(o, "target", b.target());
    putList(o, "tags", b.tags());
    putMap(o, "labels", b.labels());
    putMap(o, "additional_contexts", b.additionalContexts());
    putList(o, "platforms", b.platforms());
    putList(o, "cache_from", b.cacheFrom());
    put(o, "network", b.network());
    if (b.noCache()) {
      o.put("no_cache", true);
    }
    if (b.pull()) {
      o.put("pull", true);
    }
    return o;
  }

  private static ObjectNode deploy(Deploy d) {
    ObjectNode o = F.objectNode();
    put(o, "mode", d.mode());
    if (d.replicas() != null) {
      o.put("replicas", d.replicas());
    }
    putMap(o, "labels", d.labels());
    if (d.limits() != null || d.reservations() != null) {
      ObjectNode r = o.putObject("resources");
      if (d.limits() != null) {
        r.set("limits", resources(d.limits()));
      }
      if (d.reservations() != null) {
        r.set("reservations", resources(d.reservations()));
      }
    }
    if (d.restartPolicy() != null) {
      ObjectNode r = o.putObject("restart_policy");
      put(r, "condition", d.restartPolicy().condition());
      putDuration(r, "delay", d.restartPolicy().delay());
      if (d.restartPolicy().maxAttempts() != null) {
        r.put("max_attempts", d.restartPolicy().maxAttempts());
      }
      putDuration(r, "window", d.restartPolicy().window());
    }
    return o;
  }

  private static ObjectNode resources(Deploy.Resources r) {
    ObjectNode o = F.objectNode();
    put(o, "cpus", r.cpus());
    if (r.memory() != null) {
      o.put("memory", String.valueOf(r.memory()));
    }
    if (r.pids() != null) {
      o.put("pids", r.pids());
    }
    return o;
  }

  private static ArrayNode fileRefs(List<FileReference> refs) {
    ArrayNode a = F.arrayNode();
    for (FileReference r : refs) {
      ObjectNode o = a.addObject();
      o.put("source", r.source());
      put(o, "target", r.target());
      put(o, "uid", r.uid());
      put(o, "gid", r.gid());
      if (r.mode() != null) {
        o.put("mode", r.mode());
      }
    }
    return a;
  }

  private static ObjectNode network(NetworkDef n) {
    ObjectNode o = F.objectNode();
    o.put("name", n.name());
    put(o, "driver", n.driver());
    putMap(o, "driver_opts", n.driverOpts());
    if (n.external()) {
      o.put("external", true);
    }
    if (n.internal()) {
      o.put("internal", true);
    }
    if (n.attachable()) {
      o.put("attachable", true);
    }
    if (n.enableIpv6()) {
      o.put("enable_ipv6", true);
    }
    if (n.ipam() != null) {
      ObjectNode i = o.putObject("ipam");
      put(i, "driver", n.ipam().driver());
      if (!n.ipam().config().isEmpty()) {
        ArrayNode pools = i.putArray("config");
        for (var pool : n.ipam().config()) {
          ObjectNode x = pools.addObject();
          put(x, "subnet", pool.subnet());
          put(x, "ip_range", pool.ipRange());
          put(x, "gateway", pool.gateway());
          putMap(x, "aux_addresses", pool.auxAddresses());
        }
      }
      putMap(i, "options", n.ipam().options());
    }
    putMap(o, "labels", n.labels());
    return o;
  }

  private static ObjectNode volume(VolumeDef v) {
    ObjectNode o = F.objectNode();
    o.put("name", v.name());
    put(o, "driver", v.driver());
    putMap(o, "driver_opts", v.driverOpts());
    if (v.external()) {
      o.put("external", true);
    }
    putMap(o, "labels", v.labels());
    return o;
  }

  private static ObjectNode secrets(Map<String, SecretDef> defs) {
    ObjectNode o = F.objectNode();
    for (Map.Entry<String, SecretDef> e : defs.entrySet()) {
      SecretDef d = e.getValue();
      ObjectNode x = o.putObject(e.getKey());
      x.put("name", d.name());
      put(x, "file", d.file());
      put(x, "environment", d.environment());
      // Inline config content can carry anything; it is shown only by its size.
      if (d.content() != null) {
        x.put("content", "<" + d.content().length() + " characters>");
      }
      if (d.external()) {
        x.put("external", true);
      }
      putMap(x, "labels", d.labels());
    }
    return o;
  }

  private static JsonNode json(Node n) {
    // instanceof rather than a pattern switch: a type switch spins a class at run time on first
    // use, which a short CLI run pays for (the AOT cache cannot hold it).
    if (n instanceof ScalarNode s) {
      Object v = s.resolved();
      if (v == null) {
        return F.nullNode();
      } else if (v instanceof Boolean b) {
        return F.booleanNode(b);
      } else if (v instanceof Long l) {
        return F.numberNode(l);
      } else if (v instanceof Double d) {
        return F.numberNode(d);
      }
      return F.textNode(s.value());
    }
    if (n instanceof SeqNode s) {
      ArrayNode a = F.arrayNode();
      s.items().forEach(i -> a.add(json(i)));
      return a;
    }
    ObjectNode o = F.objectNode();
    ((MapNode) n).entries().forEach((k, v) -> o.set(k, json(v)));
    return o;
  }

  private static void put(ObjectNode o, String key, String value) {
    if (value != null) {
      o.put(key, value);
    }
  }

  private static void putDuration(ObjectNode o, String key, Duration d) {
    if (d != null) {
      o.put(key, GoDuration.format(d));
    }
  }

  private static void putList(ObjectNode o, String key, List<String> values) {
    putList(o, key, values, false);
  }

  private static void putList(ObjectNode o, String key, List<String> values, boolean evenEmpty) {
    if (values.isEmpty() && !evenEmpty) {
      return;
    }
    ArrayNode a = o.putArray(key);
    values.forEach(a::add);
  }

  private static void putMap(ObjectNode o, String key, Map<String, String> values) {
    if (values.isEmpty()) {
      return;
    }
    ObjectNode m = o.putObject(key);
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (e.getValue() == null) {
        m.putNull(e.getKey());
      } else {
        m.put(e.getKey(), e.getValue());
      }
    }
  }
}
