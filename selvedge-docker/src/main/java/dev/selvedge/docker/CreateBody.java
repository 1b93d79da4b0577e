package dev.selvedge.docker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.model.ContainerOptions;
import dev.selvedge.contract.model.Deploy;
import dev.selvedge.contract.model.Healthcheck;
import dev.selvedge.contract.model.Logging;
import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.ServiceNetwork;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.contract.model.Ulimit;
import dev.selvedge.port.ContainerCreate;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link ContainerCreate} as the Engine API's {@code POST /containers/create} body, for one API
 * version. Options the engine at that version cannot honour are refused with an {@link
 * IllegalArgumentException} naming the option: the engine would ignore an unknown field silently,
 * and a container that differs from its contract is worse than an error.
 *
 * @param body the JSON body
 * @param platform the {@code platform} query parameter, or null
 * @param connectLater networks to attach after create, before start (engine network name → the
 *     endpoint config of {@code POST /networks/{id}/connect}); empty when the API takes them all at
 *     create (1.44+)
 */
record CreateBody(ObjectNode body, String platform, Map<String, ObjectNode> connectLater) {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern PORT_RANGE = Pattern.compile("(\\d{1,5})(?:-(\\d{1,5}))?");
  private static final Pattern RESTART = Pattern.compile("on-failure(?::(\\d+))?");

  CreateBody {
    connectLater = Collections.unmodifiableMap(new LinkedHashMap<>(connectLater));
  }

  byte[] json() {
    return EngineJson.write(body);
  }

  /** Translates {@code spec} for an engine speaking {@code apiVersion} ({@code 1.41}). */
  static CreateBody of(ContainerCreate spec, String apiVersion) {
    return new Translation(spec, apiVersion).run();
  }

  /** Sets {@code field} when {@code value} is neither null nor empty (the engine's default). */
  static void putText(ObjectNode n, String field, String value) {
    if (value != null && !value.isEmpty()) {
      n.put(field, value);
    }
  }

  static ObjectNode stringMap(Map<String, String> map) {
    ObjectNode o = NODES.objectNode();
    map.forEach(o::put);
    return o;
  }

  private static final class Translation {
    private final ContainerCreate spec;
    private final ContainerOptions o;
    private final String api;

    Translation(ContainerCreate spec, String api) {
      this.spec = spec;
      this.o = spec.options();
      this.api = api;
    }

    private boolean atLeast(String version) {
      return HttpDockerEngine.compare(api, version) >= 0;
    }

    private void require(String version, String option) {
      if (!atLeast(version)) {
        throw new IllegalArgumentException(
            option
                + " needs Engine API "
                + version
                + " or newer, the engine speaks "
                + api
                + ": upgrade Docker on that host or drop "
                + option);
      }
    }

    CreateBody run() {
      ObjectNode c = NODES.objectNode();
      c.put("Image", spec.image());
      if (spec.command() != null) {
        c.set("Cmd", strings(spec.command()));
      }
      if (spec.entrypoint() != null) {
        c.set("Entrypoint", strings(spec.entrypoint()));
      }
      c.set("Env", strings(spec.env()));
      c.set("Labels", stringMap(spec.labels()));
      ObjectNode exposed = exposedPorts();
      if (!exposed.isEmpty()) {
        c.set("ExposedPorts", exposed);
      }
      if (spec.healthcheck() != null) {
        c.set("Healthcheck", healthcheck(spec.healthcheck()));
      }
      putText(c, "Hostname", o.hostname());
      putText(c, "Domainname", o.domainname());
      putText(c, "User", o.user());
      putText(c, "WorkingDir", o.workingDir());
      putText(c, "StopSignal", o.stopSignal());
      if (o.stopGracePeriod() != null) {
        c.put("StopTimeout", seconds(o.stopGracePeriod(), "stop_grace_period"));
      }
      if (o.tty()) {
        c.put("Tty", true);
      }
      if (o.stdinOpen()) {
        c.put("OpenStdin", true);
      }
      c.set("HostConfig", hostConfig());
      Map<String, ObjectNode> later = new LinkedHashMap<>();
      ObjectNode endpoints = NODES.objectNode();
      boolean all = atLeast("1.44");
      for (Map.Entry<String, ServiceNetwork> n : spec.networks().entrySet()) {
        ObjectNode endpoint = endpoint(n.getKey(), n.getValue());
        if (endpoints.isEmpty() || all) {
          endpoints.set(n.getKey(), endpoint);
        } else {
          later.put(n.getKey(), endpoint);
        }
      }
      if (!endpoints.isEmpty()) {
        c.putObject("NetworkingConfig").set("EndpointsConfig", endpoints);
      }
      return new CreateBody(c, blankToNull(o.platform()), later);
    }

    private ObjectNode exposedPorts() {
      ObjectNode exposed = NODES.objectNode();
      for (PortConfig p : spec.ports()) {
        exposed.putObject(p.target() + "/" + protocol(p.protocol()));
      }
      for (String e : spec.expose()) {
        int slash = e.indexOf('/');
        String ports = slash < 0 ? e : e.substring(0, slash);
        String protocol = protocol(slash < 0 ? "tcp" : e.substring(slash + 1));
        int[] range = range(ports, "expose " + e);
        for (int port = range[0]; port <= range[1]; port++) {
          exposed.putObject(port + "/" + protocol);
        }
      }
      return exposed;
    }

    private ObjectNode healthcheck(Healthcheck h) {
      ObjectNode n = NODES.objectNode();
      if (h.disabled()) {
        n.set("Test", strings(List.of("NONE")));
        return n;
      }
      if (!h.test().isEmpty()) {
        String kind = h.test().get(0);
        if (!kind.equals("CMD") && !kind.equals("CMD-SHELL")) {
          throw new IllegalArgumentException(
              "healthcheck.test must start with CMD, CMD-SHELL or NONE, not " + kind);
        }
        n.set("Test", strings(h.test()));
      }
      putNanos(n, "Interval", h.interval());
      putNanos(n, "Timeout", h.timeout());
      if (h.retries() != null) {
        n.put("Retries", h.retries());
      }
      putNanos(n, "StartPeriod", h.startPeriod());
      if (h.startInterval() != null) {
        require("1.44", "healthcheck.start_interval");
        putNanos(n, "StartInterval", h.startInterval());
      }
      return n;
    }

    private ObjectNode hostConfig() {
      ObjectNode h = NODES.objectNode();
      ObjectNode bindings = portBindings();
      if (!bindings.isEmpty()) {
        h.set("PortBindings", bindings);
      }
      mounts(h);
      h.set("RestartPolicy", restartPolicy(spec.restart()));
      if (spec.logging() != null) {
        h.set("LogConfig", logConfig(spec.logging()));
      }
      String networkMode =
          spec.networkMode() != null
              ? spec.networkMode()
              : spec.networks().isEmpty() ? null : spec.networks().keySet().iterator().next();
      if (spec.networkMode() != null && !spec.networks().isEmpty()) {
        throw new IllegalArgumentException(
            "network_mode " + spec.networkMode() + " and networks cannot both be set");
      }
      putText(h, "NetworkMode", networkMode);
      if (o.privileged()) {
        h.put("Privileged", true);
      }
      if (o.readOnly()) {
        h.put("ReadonlyRootfs", true);
      }
      if (o.init() != null) {
        h.put("Init", o.init());
      }
      putList(h, "CapAdd", o.capAdd());
      putList(h, "CapDrop", o.capDrop());
      putList(h, "Dns", o.dns());
      putList(h, "DnsSearch", o.dnsSearch());
      putList(h, "DnsOptions", o.dnsOpt());
      putList(h, "SecurityOpt", o.securityOpt());
      putList(h, "ExtraHosts", o.extraHosts().stream().map(Translation::extraHost).toList());
      if (!o.tmpfs().isEmpty()) {
        ObjectNode tmpfs = h.putObject("Tmpfs");
        for (String t : o.tmpfs()) {
          int colon = t.indexOf(':');
          String path = colon < 0 ? t : t.substring(0, colon);
          if (!path.startsWith("/")) {
            throw new IllegalArgumentException("tmpfs " + t + ": the path must be absolute");
          }
          tmpfs.put(path, colon < 0 ? "" : t.substring(colon + 1));
        }
      }
      putList(h, "GroupAdd", o.groupAdd());
      if (!o.sysctls().isEmpty()) {
        h.set("Sysctls", stringMap(o.sysctls()));
      }
      if (!o.ulimits().isEmpty()) {
        ArrayNode ulimits = h.putArray("Ulimits");
        for (Map.Entry<String, Ulimit> u : new java.util.TreeMap<>(o.ulimits()).entrySet()) {
          Ulimit v = u.getValue();
          Long soft = v.single() != null ? v.single() : v.soft();
          Long hard = v.single() != null ? v.single() : v.hard();
          if (soft == null || hard == null) {
            throw new IllegalArgumentException(
                "ulimits." + u.getKey() + " needs a single value or both soft and hard");
          }
          ulimits.addObject().put("Name", u.getKey()).put("Soft", soft).put("Hard", hard);
        }
      }
      Deploy.Resources limits = spec.limits();
      Long memory =
          agree("mem_limit", o.memLimit(), "deploy.resources.limits.memory", limitsMemory(limits));
      if (memory != null) {
        h.put("Memory", memory);
      }
      String cpus =
          agree("cpus", blankToNull(o.cpus()), "deploy.resources.limits.cpus", limitsCpus(limits));
      if (cpus != null) {
        h.put("NanoCpus", nanoCpus(cpus));
      }
      if (limits != null && limits.pids() != null) {
        h.put("PidsLimit", limits.pids());
      }
      if (o.shmSize() != null) {
        h.put("ShmSize", o.shmSize());
      }
      putText(h, "PidMode", o.pid());
      putText(h, "IpcMode", o.ipc());
      putText(h, "Runtime", o.runtime());
      if (!o.devices().isEmpty()) {
        ArrayNode devices = h.putArray("Devices");
        for (String d : o.devices()) {
          devices.add(device(d));
        }
      }
      if (!o.annotations().isEmpty()) {
        require("1.43", "annotations");
        h.set("Annotations", stringMap(o.annotations()));
      }
      return h;
    }

    private ObjectNode portBindings() {
      ObjectNode bindings = NODES.objectNode();
      for (PortConfig p : spec.ports()) {
        if (p.published() == null || p.published().isEmpty()) {
          continue;
        }
        // One container port may be published on a host port range: the engine takes a free
        // one of it, as "docker run -p 8000-8001:80" does.
        int[] range = range(p.published(), "ports published " + p.published());
        String hostPort =
            range[0] == range[1] ? Integer.toString(range[0]) : range[0] + "-" + range[1];
        String key = p.target() + "/" + protocol(p.protocol());
        ArrayNode list = bindings.has(key) ? (ArrayNode) bindings.get(key) : bindings.putArray(key);
        list.addObject()
            .put("HostIp", p.hostIp() == null ? "" : p.hostIp())
            .put("HostPort", hostPort);
      }
      return bindings;
    }

    private void mounts(ObjectNode h) {
      ArrayNode mounts = NODES.arrayNode();
      ArrayNode binds = NODES.arrayNode();
      for (ServiceVolume v : spec.mounts()) {
        String where = "volume " + v.target();
        if (v.target() == null || v.target().isEmpty()) {
          throw new IllegalArgumentException("a volume mount needs a target");
        }
        switch (v.type()) {
          case ServiceVolume.BIND -> {
            if (v.source() == null || v.source().isEmpty()) {
              throw new IllegalArgumentException(where + ": a bind mount needs a source");
            }
            ServiceVolume.Bind b = v.bind();
            boolean create = b != null && Boolean.TRUE.equals(b.createHostPath());
            boolean selinux = b != null && b.selinux() != null && !b.selinux().isEmpty();
            if (selinux || (create && !atLeast("1.42"))) {
              // The legacy Binds form is the one that relabels (z/Z) and, before 1.42, the only
              // one that creates a missing host path.
              binds.add(legacyBind(v, b));
              continue;
            }
            ObjectNode m = mount(v);
            ObjectNode options = NODES.objectNode();
            if (b != null && b.propagation() != null && !b.propagation().isEmpty()) {
              options.put("Propagation", b.propagation());
            }
            if (create) {
              options.put("CreateMountpoint", true);
            }
            if (!options.isEmpty()) {
              m.set("BindOptions", options);
            }
            mounts.add(m);
          }
          case ServiceVolume.VOLUME -> {
            ObjectNode m = mount(v);
            ServiceVolume.VolumeOptions vo = v.volume();
            if (vo != null) {
              ObjectNode options = NODES.objectNode();
              if (vo.nocopy()) {
                options.put("NoCopy", true);
              }
              if (vo.subpath() != null && !vo.subpath().isEmpty()) {
                require("1.45", where + ": volume.subpath");
                options.put("Subpath", vo.subpath());
              }
              if (!options.isEmpty()) {
                m.set("VolumeOptions", options);
              }
            }
            mounts.add(m);
          }
          case ServiceVolume.TMPFS -> {
            if (v.source() != null && !v.source().isEmpty()) {
              throw new IllegalArgumentException(where + ": a tmpfs mount takes no source");
            }
            ObjectNode m = mount(v);
            ServiceVolume.Tmpfs t = v.tmpfs();
            if (t != null && (t.size() > 0 || t.mode() != null)) {
              ObjectNode options = m.putObject("TmpfsOptions");
              if (t.size() > 0) {
                options.put("SizeBytes", t.size());
              }
              if (t.mode() != null) {
                options.put("Mode", t.mode());
              }
            }
            mounts.add(m);
          }
          default ->
              throw new IllegalArgumentException(
                  where + ": mount type " + v.type() + " is not supported (bind, volume, tmpfs)");
        }
      }
      if (!binds.isEmpty()) {
        h.set("Binds", binds);
      }
      if (!mounts.isEmpty()) {
        h.set("Mounts", mounts);
      }
    }

    private static ObjectNode mount(ServiceVolume v) {
      ObjectNode m = NODES.objectNode().put("Type", v.type());
      if (v.source() != null && !v.source().isEmpty()) {
        m.put("Source", v.source());
      }
      m.put("Target", v.target());
      if (v.readOnly()) {
        m.put("ReadOnly", true);
      }
      if (v.consistency() != null && !v.consistency().isEmpty()) {
        m.put("Consistency", v.consistency());
      }
      return m;
    }

    private static String legacyBind(ServiceVolume v, ServiceVolume.Bind b) {
      if (v.source().contains(":") || v.target().contains(":")) {
        throw new IllegalArgumentException(
            "volume " + v.target() + ": a bind path with ':' cannot be relabelled (selinux)");
      }
      List<String> modes = new ArrayList<>();
      modes.add(v.readOnly() ? "ro" : "rw");
      if (b.propagation() != null && !b.propagation().isEmpty()) {
        modes.add(b.propagation());
      }
      if (b.selinux() != null && !b.selinux().isEmpty()) {
        if (!b.selinux().equals("z") && !b.selinux().equals("Z")) {
          throw new IllegalArgumentException(
              "volume " + v.target() + ": bind.selinux must be z or Z, not " + b.selinux());
        }
        modes.add(b.selinux());
      }
      return v.source() + ":" + v.target() + ":" + String.join(",", modes);
    }

    private static ObjectNode restartPolicy(String restart) {
      ObjectNode p = NODES.objectNode();
      if (restart == null || restart.isEmpty() || restart.equals("no")) {
        return p.put("Name", "no");
      }
      if (restart.equals("always") || restart.equals("unless-stopped")) {
        return p.put("Name", restart);
      }
      Matcher m = RESTART.matcher(restart);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "restart "
                + restart
                + " is not one of no, always, unless-stopped, on-failure, on-failure:N");
      }
      p.put("Name", "on-failure");
      if (m.group(1) != null) {
        p.put("MaximumRetryCount", Integer.parseInt(m.group(1)));
      }
      return p;
    }

    private static ObjectNode logConfig(Logging logging) {
      ObjectNode l = NODES.objectNode();
      if (logging.driver() != null && !logging.driver().isEmpty()) {
        l.put("Type", logging.driver());
      }
      l.set("Config", stringMap(logging.options()));
      return l;
    }

    private ObjectNode endpoint(String network, ServiceNetwork n) {
      ObjectNode e = NODES.objectNode();
      if (!n.aliases().isEmpty()) {
        e.set("Aliases", strings(n.aliases()));
      }
      if (n.ipv4Address() != null || n.ipv6Address() != null) {
        ObjectNode ipam = e.putObject("IPAMConfig");
        putText(ipam, "IPv4Address", n.ipv4Address());
        putText(ipam, "IPv6Address", n.ipv6Address());
      }
      return e;
    }

    private static String extraHost(String entry) {
      int eq = entry.indexOf('=');
      if (eq > 0) {
        return entry.substring(0, eq) + ":" + entry.substring(eq + 1);
      }
      if (entry.indexOf(':') <= 0) {
        throw new IllegalArgumentException("extra_hosts " + entry + " is not host:ip or host=ip");
      }
      return entry;
    }

    private static ObjectNode device(String d) {
      String[] parts = d.split(":", -1);
      if (parts.length > 3 || parts[0].isEmpty()) {
        throw new IllegalArgumentException(
            "devices " + d + " is not host-path[:container-path[:permissions]]");
      }
      String inContainer = parts.length > 1 && !parts[1].isEmpty() ? parts[1] : parts[0];
      String permissions = parts.length > 2 ? parts[2] : "rwm";
      if (!permissions.matches("[rwm]{1,3}")) {
        throw new IllegalArgumentException(
            "devices " + d + ": permissions must be made of r, w and m");
      }
      return NODES
          .objectNode()
          .put("PathOnHost", parts[0])
          .put("PathInContainer", inContainer)
          .put("CgroupPermissions", permissions);
    }

    private static long nanoCpus(String cpus) {
      try {
        BigDecimal value = new BigDecimal(cpus.strip());
        if (value.signum() < 0) {
          throw new NumberFormatException();
        }
        return value.movePointRight(9).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
      } catch (NumberFormatException | ArithmeticException e) {
        throw new IllegalArgumentException("cpus " + cpus + " is not a positive number of CPUs");
      }
    }

    private static Long limitsMemory(Deploy.Resources limits) {
      return limits == null ? null : limits.memory();
    }

    private static String limitsCpus(Deploy.Resources limits) {
      return limits == null ? null : blankToNull(limits.cpus());
    }

    private static <T> T agree(String name, T value, String otherName, T other) {
      if (value != null && other != null && !value.equals(other)) {
        throw new IllegalArgumentException(
            name + " (" + value + ") and " + otherName + " (" + other + ") differ: set one");
      }
      return value != null ? value : other;
    }

    private static int seconds(Duration d, String option) {
      if (d.isNegative()) {
        throw new IllegalArgumentException(option + " must not be negative");
      }
      // The engine counts whole seconds; round up so a grace period is never shortened.
      long s = d.toSeconds() + (d.toNanosPart() > 0 ? 1 : 0);
      return (int) Math.min(Integer.MAX_VALUE, s);
    }

    private static String protocol(String protocol) {
      String p = protocol == null || protocol.isEmpty() ? "tcp" : protocol;
      if (!p.equals("tcp") && !p.equals("udp") && !p.equals("sctp")) {
        throw new IllegalArgumentException("port protocol " + p + " is not tcp, udp or sctp");
      }
      return p;
    }

    private static int[] range(String text, String what) {
      Matcher m = PORT_RANGE.matcher(text.strip());
      if (!m.matches()) {
        throw new IllegalArgumentException(what + ": not a port or port range");
      }
      int from = Integer.parseInt(m.group(1));
      int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
      if (from < 1 || to > 65535 || to < from) {
        throw new IllegalArgumentException(what + ": ports must be 1-65535, low-high");
      }
      return new int[] {from, to};
    }

    private static void putNanos(ObjectNode n, String field, Duration d) {
      if (d != null) {
        n.put(field, d.toNanos());
      }
    }

    private static void putList(ObjectNode n, String field, List<String> values) {
      if (!values.isEmpty()) {
        n.set(field, strings(values));
      }
    }

    private static ArrayNode strings(List<String> values) {
      ArrayNode a = NODES.arrayNode(values.size());
      values.forEach(a::add);
      return a;
    }

    private static String blankToNull(String s) {
      return s == null || s.isBlank() ? null : s;
    }
  }
}
