package dev.selvedge.drift;

import dev.selvedge.contract.model.Deploy;
import dev.selvedge.contract.model.FileReference;
import dev.selvedge.contract.model.Healthcheck;
import dev.selvedge.contract.model.ImageReference;
import dev.selvedge.contract.model.NetworkDef;
import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.ServiceNetwork;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.contract.model.VolumeDef;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ImageDetails;
import dev.selvedge.status.Health;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The deployed contract (host files, or the repo when the host was not read) against the running
 * containers, one rule per key; docs/drift.md lists them. Containers are matched to services by
 * their Compose labels, whoever created them.
 */
final class ContainerCheck {
  static final String PROJECT_LABEL = "com.docker.compose.project";
  static final String SERVICE_LABEL = "com.docker.compose.service";
  static final String ONEOFF_LABEL = "com.docker.compose.oneoff";

  private final Observations obs;
  private final DriftLayer layer;
  private final String upper;
  private final Map<String, ImageDetails> images;

  ContainerCheck(Observations obs, DriftLayer layer, Map<String, ImageDetails> images) {
    this.obs = obs;
    this.layer = layer;
    this.upper = layer == DriftLayer.HOST_CONTAINER ? "the host contract" : "the repo contract";
    this.images = images;
  }

  /** Compares every service of {@code project} with its containers and reports orphans. */
  void compare(Project project, List<ContainerDetails> all, Set<String> repoOnly) {
    Map<String, List<ContainerDetails>> byService = new LinkedHashMap<>();
    List<ContainerDetails> unlabelled = new ArrayList<>();
    for (ContainerDetails c : all) {
      if (!project.name().equals(c.labels().get(PROJECT_LABEL))) {
        continue;
      }
      if ("true".equalsIgnoreCase(c.labels().getOrDefault(ONEOFF_LABEL, ""))) {
        continue; // `compose run` containers are not part of the service's desired state
      }
      String service = c.labels().get(SERVICE_LABEL);
      if (service == null || service.isEmpty()) {
        unlabelled.add(c);
      } else {
        byService.computeIfAbsent(service, k -> new ArrayList<>()).add(c);
      }
    }

    for (Service s : project.services().values()) {
      List<ContainerDetails> containers =
          new ArrayList<>(byService.getOrDefault(s.name(), List.of()));
      containers.sort((a, b) -> name(a).compareTo(name(b)));
      replicas(s, containers);
      for (ContainerDetails c : containers) {
        container(project, s, c);
      }
    }

    for (Map.Entry<String, List<ContainerDetails>> e : byService.entrySet()) {
      if (project.services().containsKey(e.getKey())) {
        continue;
      }
      for (ContainerDetails c : e.getValue()) {
        String why =
            repoOnly.contains(e.getKey())
                ? " (the repo names it, the host files do not)"
                : project.disabledServices().contains(e.getKey())
                    ? " (its profile is not active)"
                    : "";
        obs.finding(
            e.getKey(),
            layer,
            "service",
            DriftClass.EXTRA,
            null,
            name(c),
            "container "
                + name(c)
                + " belongs to project '"
                + project.name()
                + "' as service '"
                + e.getKey()
                + "', which "
                + upper
                + " does not name"
                + why);
      }
    }
    for (ContainerDetails c : unlabelled) {
      obs.finding(
          null,
          layer,
          "container",
          DriftClass.EXTRA,
          null,
          name(c),
          "container "
              + name(c)
              + " carries the label of project '"
              + project.name()
              + "' but no service label");
    }
  }

  private void replicas(Service s, List<ContainerDetails> containers) {
    Deploy d = s.deploy();
    int expected = d != null && d.replicas() != null ? d.replicas() : 1;
    int found = containers.size();
    if (found == 0 && expected > 0) {
      obs.finding(
          s.name(),
          layer,
          "container",
          DriftClass.MISSING,
          s.name(),
          null,
          "service '" + s.name() + "' has no container");
      obs.health(s.name(), Health.MISSING, "no container");
    } else if (found < expected) {
      obs.finding(
          s.name(),
          layer,
          "replicas",
          DriftClass.MISSING,
          String.valueOf(expected),
          String.valueOf(found),
          "service '" + s.name() + "' runs " + found + " of " + expected + " containers");
      obs.health(s.name(), Health.DEGRADED, found + " of " + expected + " containers");
    } else if (found > expected) {
      obs.finding(
          s.name(),
          layer,
          "replicas",
          DriftClass.EXTRA,
          String.valueOf(expected),
          String.valueOf(found),
          "service '"
              + s.name()
              + "' has "
              + found
              + " containers, "
              + upper
              + " asks for "
              + expected);
    } else if (found == 0) {
      obs.health(s.name(), Health.HEALTHY, "scaled to 0");
    }
  }

  private void container(Project p, Service s, ContainerDetails c) {
    boolean running = state(s, c);
    image(s, c);
    environment(s, c);
    labels(s, c);
    command(s, c, "command", s.command(), c.cmd());
    command(s, c, "entrypoint", s.entrypoint(), c.entrypoint());
    if (running || !c.ports().isEmpty()) {
      ports(s, c);
    }
    mounts(p, s, c);
    healthcheck(s, c);
    restart(s, c);
    if (running || !c.networks().isEmpty()) {
      networks(p, s, c);
    }
  }

  // ------------------------------------------------------------------ state and health

  /** Records state and health; true when the container runs. */
  private boolean state(Service s, ContainerDetails c) {
    ContainerDetails.State st = c.state();
    String status =
        st == null || st.status() == null ? "unknown" : st.status().toLowerCase(Locale.ROOT);
    String n = name(c);
    if (st != null && (st.running() || status.equals("running"))) {
      String h = st.health() == null ? "" : st.health().toLowerCase(Locale.ROOT);
      switch (h) {
        case "unhealthy" -> {
          obs.finding(
              s.name(),
              layer,
              "health",
              DriftClass.CONTRADICTED,
              "healthy",
              "unhealthy",
              "container " + n + " is unhealthy");
          obs.health(s.name(), Health.DEGRADED, "container " + n + " is unhealthy");
        }
        case "starting" ->
            obs.health(s.name(), Health.PROGRESSING, "container " + n + " health is starting");
        case "healthy" -> obs.health(s.name(), Health.HEALTHY, "container " + n + " is healthy");
        default -> obs.health(s.name(), Health.HEALTHY, "container " + n + " is running");
      }
      return true;
    }
    int code = st == null ? 0 : st.exitCode();
    switch (status) {
      case "exited" -> {
        if (code == 0 && oneShot(s)) {
          obs.health(s.name(), Health.HEALTHY, "container " + n + " completed (exit 0)");
        } else {
          String actual = "exited (code " + code + ")";
          obs.finding(
              s.name(),
              layer,
              "state",
              DriftClass.CONTRADICTED,
              "running",
              actual,
              "container " + n + " is not running: " + actual);
          obs.health(s.name(), Health.DEGRADED, "container " + n + " " + actual);
        }
      }
      case "created", "restarting" -> {
        obs.finding(
            s.name(),
            layer,
            "state",
            DriftClass.STALE,
            "running",
            status,
            "container " + n + " is " + status + ", not yet running");
        obs.health(s.name(), Health.PROGRESSING, "container " + n + " is " + status);
      }
      default -> {
        obs.finding(
            s.name(),
            layer,
            "state",
            DriftClass.CONTRADICTED,
            "running",
            status,
            "container " + n + " is " + status + ", not running");
        obs.health(s.name(), Health.DEGRADED, "container " + n + " is " + status);
      }
    }
    return false;
  }

  /**
   * A service that is allowed to finish: its restart policy does not bring it back after exit 0,
   * and it neither publishes a port nor has a healthcheck. One that does is meant to keep running:
   * its exit 0 (what {@code docker stop} leaves of many servers) is not a completion.
   */
  private static boolean oneShot(Service s) {
    String r = restartName(expectedRestart(s));
    if (!r.equals("no") && !r.equals("on-failure")) {
      return false;
    }
    boolean serves =
        !s.ports().isEmpty() || (s.healthcheck() != null && !s.healthcheck().disabled());
    return !serves;
  }

  // ------------------------------------------------------------------ image

  private void image(Service s, ContainerDetails c) {
    if (s.image() == null) {
      return;
    }
    ImageReference want = ImageReference.parse(s.image());
    String have = c.image() == null ? "" : c.image();
    ImageReference got = have.isEmpty() ? null : ImageReference.parse(have);
    ImageDetails details = c.imageId() == null ? null : images.get(c.imageId());

    boolean sameRef;
    if (got == null) {
      sameRef = false;
    } else if (got.id()) {
      // Created from an image id (Selvedge does so for an image from no registry): the image's
      // tags, or for a pinned reference its registry digests, tell whether the contract's
      // reference names that image. Uninspected, nothing is known to differ.
      if (details == null) {
        obs.unread(
            s.name(),
            layer,
            "image",
            "container "
                + name(c)
                + " was created from image id "
                + have
                + ", which was not inspected, so whether '"
                + s.image()
                + "' names it is not verified");
        return;
      }
      sameRef =
          details.repoTags().stream()
                  .anyMatch(t -> ImageReference.parse(t).sameRepositoryAndTag(want))
              || (want.digest() != null && knownBy(details, want));
    } else {
      sameRef = got.sameRepositoryAndTag(want);
    }
    if (!sameRef) {
      obs.finding(
          s.name(),
          layer,
          "image",
          DriftClass.STALE,
          s.image(),
          have.isEmpty() ? null : have,
          "container "
              + name(c)
              + " runs image '"
              + have
              + "', "
              + upper
              + " names '"
              + s.image()
              + "'");
      return;
    }
    if (want.digest() == null) {
      return; // unpinned: the reference is all the contract says
    }
    if (got != null && want.digest().equals(got.digest())) {
      return;
    }
    if (details == null) {
      obs.unread(
          s.name(),
          layer,
          "image.digest",
          "image "
              + c.imageId()
              + " of container "
              + name(c)
              + " was not inspected, so digest "
              + want.digest()
              + " is not verified");
      return;
    }
    List<String> digests = new ArrayList<>();
    for (String rd : details.repoDigests()) {
      String d = ImageReference.digestOf(rd);
      if (want.digest().equals(d)) {
        return;
      }
      if (d != null) {
        digests.add(d);
      }
    }
    String actual =
        digests.isEmpty()
            ? "no registry digest (image " + details.id() + ")"
            : String.join(", ", digests);
    obs.finding(
        s.name(),
        layer,
        "image.digest",
        DriftClass.STALE,
        want.digest(),
        actual,
        "container " + name(c) + " runs another build than the pinned digest " + want.digest());
  }

  /** Whether {@code image} carries the registry digest {@code want} pins, for its repository. */
  private static boolean knownBy(ImageDetails image, ImageReference want) {
    for (String rd : image.repoDigests()) {
      int at = rd.indexOf('@');
      if (at > 0
          && want.digest().equals(ImageReference.digestOf(rd))
          && ImageReference.parse(rd.substring(0, at)).name().equals(want.name())) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ environment and labels

  private void environment(Service s, ContainerDetails c) {
    Map<String, String> env = parseEnv(c.env());
    for (Map.Entry<String, String> e : s.environment().entrySet()) {
      String key = e.getKey();
      String want = e.getValue();
      if (want == null) {
        continue; // unset where Compose ran: the container holds the image's value, if any
      }
      if (!env.containsKey(key)) {
        obs.finding(
            s.name(),
            layer,
            "environment." + key,
            DriftClass.MISSING,
            obs.secrecy.show(key, want),
            null,
            key + " is not set in container " + name(c));
      } else if (!want.equals(env.get(key))) {
        obs.finding(
            s.name(),
            layer,
            "environment." + key,
            DriftClass.CONTRADICTED,
            obs.secrecy.show(key, want),
            obs.secrecy.show(key, env.get(key)),
            key + " of container " + name(c) + " differs from " + upper);
      }
    }
  }

  static Map<String, String> parseEnv(List<String> entries) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String entry : entries) {
      int eq = entry.indexOf('=');
      if (eq < 0) {
        env.put(entry, "");
      } else {
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
    }
    return env;
  }

  private void labels(Service s, ContainerDetails c) {
    for (Map.Entry<String, String> e : s.labels().entrySet()) {
      String key = e.getKey();
      String want = e.getValue() == null ? "" : e.getValue();
      String have = c.labels().get(key);
      if (have == null) {
        obs.finding(
            s.name(),
            layer,
            "labels." + key,
            DriftClass.MISSING,
            obs.secrecy.show(key, want),
            null,
            "label " + key + " is missing from container " + name(c));
      } else if (!want.equals(have)) {
        obs.finding(
            s.name(),
            layer,
            "labels." + key,
            DriftClass.CONTRADICTED,
            obs.secrecy.show(key, want),
            obs.secrecy.show(key, have),
            "label " + key + " of container " + name(c) + " differs from " + upper);
      }
    }
  }

  private void command(
      Service s, ContainerDetails c, String key, List<String> want, List<String> have) {
    if (want == null) {
      return; // not set: the image's own applies
    }
    List<String> actual = have == null ? List.of() : have;
    if (!want.equals(actual)) {
      obs.finding(
          s.name(),
          layer,
          key,
          DriftClass.CONTRADICTED,
          words(want),
          words(actual),
          "the " + key + " of container " + name(c) + " differs from " + upper);
    }
  }

  // ------------------------------------------------------------------ ports

  private record Binding(int port, String protocol, String hostIp, String hostPort) {
    // Written out: a record's generated equals/hashCode bootstrap method handles on first use,
    // which every CLI start would pay for (the AOT cache does not keep them).
    @Override
    public boolean equals(Object o) {
      return o instanceof Binding b
          && port == b.port
          && protocol.equals(b.protocol)
          && Objects.equals(hostIp, b.hostIp)
          && Objects.equals(hostPort, b.hostPort);
    }

    @Override
    public int hashCode() {
      return Objects.hash(port, protocol, hostIp, hostPort);
    }

    String describe() {
      return (hostIp == null ? "0.0.0.0" : hostIp) + ":" + hostPort + "->" + port + "/" + protocol;
    }
  }

  private void ports(Service s, ContainerDetails c) {
    List<Binding> bindings = new ArrayList<>();
    Set<Binding> seen = new HashSet<>();
    for (ContainerDetails.PortBinding b : c.ports()) {
      if (b.hostPort() == null || b.hostPort().isEmpty()) {
        continue; // exposed, not published
      }
      Binding n =
          new Binding(
              b.containerPort(),
              b.protocol() == null ? "tcp" : b.protocol().toLowerCase(Locale.ROOT),
              anyAddress(b.hostIp()),
              b.hostPort());
      if (seen.add(n)) { // the engine lists 0.0.0.0 and :: separately for one binding
        bindings.add(n);
      }
    }
    Set<String> declared = new LinkedHashSet<>();
    Set<Binding> used = new HashSet<>();
    Set<String> reported = new HashSet<>();
    for (PortConfig p : s.ports()) {
      String id = p.target() + "/" + p.protocol();
      declared.add(id);
      String key = "ports[" + id + "]";
      List<Binding> candidates =
          bindings.stream()
              .filter(b -> b.port() == p.target() && b.protocol().equals(p.protocol()))
              .toList();
      if (candidates.isEmpty()) {
        if (reported.add(key)) {
          obs.finding(
              s.name(),
              layer,
              key,
              DriftClass.MISSING,
              describe(p),
              null,
              "port " + id + " is not published by container " + name(c));
        }
        continue;
      }
      Binding match =
          candidates.stream()
              .filter(b -> !used.contains(b))
              .filter(b -> Objects.equals(anyAddress(p.hostIp()), b.hostIp()))
              .filter(b -> publishedMatches(p.published(), b.hostPort()))
              .findFirst()
              .orElse(null);
      if (match != null) {
        used.add(match);
      } else {
        used.addAll(candidates);
        if (reported.add(key)) {
          obs.finding(
              s.name(),
              layer,
              key,
              DriftClass.CONTRADICTED,
              describe(p),
              String.join(", ", candidates.stream().map(Binding::describe).toList()),
              "port " + id + " of container " + name(c) + " is published differently");
        }
      }
    }
    for (Binding b : bindings) {
      if (used.contains(b)) {
        continue;
      }
      String id = b.port() + "/" + b.protocol();
      obs.finding(
          s.name(),
          layer,
          "ports[" + id + "]",
          DriftClass.EXTRA,
          null,
          b.describe(),
          "container "
              + name(c)
              + " publishes "
              + b.describe()
              + (declared.contains(id) ? ", beyond what " : ", which ")
              + upper
              + (declared.contains(id) ? " publishes" : " does not publish"));
    }
  }

  private static String describe(PortConfig p) {
    String host = p.hostIp() == null ? "0.0.0.0" : p.hostIp();
    String published = p.published() == null ? "(any)" : p.published();
    return host + ":" + published + "->" + p.target() + "/" + p.protocol();
  }

  private static String anyAddress(String ip) {
    if (ip == null
        || ip.isEmpty()
        || ip.equals("0.0.0.0")
        || ip.equals("::")
        || ip.equals("[::]")) {
      return null;
    }
    return ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
  }

  private static boolean publishedMatches(String published, String hostPort) {
    if (published == null || published.isEmpty()) {
      return true; // the engine picks a port
    }
    try {
      int port = Integer.parseInt(hostPort);
      int dash = published.indexOf('-');
      if (dash > 0) {
        int lo = Integer.parseInt(published.substring(0, dash));
        int hi = Integer.parseInt(published.substring(dash + 1));
        return port >= lo && port <= hi;
      }
      return port == Integer.parseInt(published);
    } catch (NumberFormatException e) {
      return published.equals(hostPort);
    }
  }

  // ------------------------------------------------------------------ mounts

  private void mounts(Project p, Service s, ContainerDetails c) {
    Map<String, ContainerDetails.Mount> byTarget = new LinkedHashMap<>();
    for (ContainerDetails.Mount m : c.mounts()) {
      byTarget.put(trimSlash(m.target()), m);
    }
    Set<String> declared = new HashSet<>();
    for (ServiceVolume v : s.volumes()) {
      String target = trimSlash(v.target());
      declared.add(target);
      if (!v.type().equals(ServiceVolume.BIND) && !v.type().equals(ServiceVolume.VOLUME)) {
        continue; // tmpfs, npipe, image: not reported in a comparable form by the engine
      }
      String key = "volumes[" + target + "]";
      String want = describe(v.type(), engineSource(p, v), target, !v.readOnly());
      ContainerDetails.Mount m = byTarget.get(target);
      if (m == null) {
        obs.finding(
            s.name(),
            layer,
            key,
            DriftClass.MISSING,
            want,
            null,
            target + " is not mounted in container " + name(c));
        continue;
      }
      String wantSource = engineSource(p, v);
      boolean same =
          v.type().equals(m.type())
              && (wantSource == null || wantSource.equals(trimSlash(m.source())))
              && v.readOnly() != m.readWrite();
      if (!same) {
        obs.finding(
            s.name(),
            layer,
            key,
            DriftClass.CONTRADICTED,
            want,
            describe(m.type(), trimSlash(m.source()), target, m.readWrite()),
            "the mount at " + target + " of container " + name(c) + " differs from " + upper);
      }
    }
    for (FileReference f : s.secrets()) {
      declared.add(secretTarget(f));
    }
    for (FileReference f : s.configs()) {
      declared.add(configTarget(f));
    }
    for (ContainerDetails.Mount m : c.mounts()) {
      String target = trimSlash(m.target());
      if (declared.contains(target)) {
        continue;
      }
      if ("volume".equals(m.type()) && m.source() != null && m.source().matches("[0-9a-f]{64}")) {
        continue; // an anonymous volume of the image's VOLUME
      }
      obs.finding(
          s.name(),
          layer,
          "volumes[" + target + "]",
          DriftClass.EXTRA,
          null,
          describe(m.type(), trimSlash(m.source()), target, m.readWrite()),
          "container " + name(c) + " mounts " + target + ", which " + upper + " does not");
    }
  }

  /** The source as the engine names it: named volumes carry the project prefix. */
  private static String engineSource(Project p, ServiceVolume v) {
    if (v.source() == null || v.source().isEmpty()) {
      return null;
    }
    if (v.type().equals(ServiceVolume.VOLUME)) {
      VolumeDef def = p.volumes().get(v.source());
      if (def != null && def.name() != null) {
        return def.name();
      }
      return p.name() + "_" + v.source();
    }
    return trimSlash(v.source());
  }

  private static String secretTarget(FileReference f) {
    String t = f.target() == null ? f.source() : f.target();
    return t.startsWith("/") ? trimSlash(t) : "/run/secrets/" + t;
  }

  private static String configTarget(FileReference f) {
    String t = f.target() == null ? f.source() : f.target();
    return t.startsWith("/") ? trimSlash(t) : "/" + t;
  }

  private static String describe(String type, String source, String target, boolean rw) {
    return type
        + " "
        + (source == null ? "(anonymous)" : source)
        + ":"
        + target
        + (rw ? "" : ":ro");
  }

  private static String trimSlash(String path) {
    if (path == null || path.length() <= 1) {
      return path;
    }
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  // ------------------------------------------------------------------ healthcheck, restart

  private void healthcheck(Service s, ContainerDetails c) {
    Healthcheck want = s.healthcheck();
    if (want == null) {
      return; // the image's own healthcheck applies
    }
    ContainerDetails.Health have = c.healthcheck();
    if (want.disabled()) {
      if (have != null && !have.test().isEmpty() && !have.test().equals(List.of("NONE"))) {
        obs.finding(
            s.name(),
            layer,
            "healthcheck.test",
            DriftClass.CONTRADICTED,
            "[\"NONE\"]",
            words(have.test()),
            "container " + name(c) + " runs a healthcheck that " + upper + " disables");
      }
      return;
    }
    if (have == null) {
      obs.finding(
          s.name(),
          layer,
          "healthcheck",
          DriftClass.MISSING,
          words(want.test()),
          null,
          "container " + name(c) + " has no healthcheck");
      return;
    }
    if (!want.test().isEmpty() && !want.test().equals(have.test())) {
      healthField(s, c, "test", words(want.test()), words(have.test()));
    }
    duration(s, c, "interval", want.interval(), have.interval());
    duration(s, c, "timeout", want.timeout(), have.timeout());
    duration(s, c, "start_period", want.startPeriod(), have.startPeriod());
    if (want.retries() != null && !want.retries().equals(have.retries())) {
      healthField(s, c, "retries", want.retries().toString(), String.valueOf(have.retries()));
    }
  }

  private void duration(Service s, ContainerDetails c, String field, Duration want, Duration have) {
    if (want != null && !want.equals(have)) {
      healthField(
          s,
          c,
          field,
          dev.selvedge.verify.Durations.format(want),
          have == null ? null : dev.selvedge.verify.Durations.format(have));
    }
  }

  private void healthField(Service s, ContainerDetails c, String field, String want, String have) {
    obs.finding(
        s.name(),
        layer,
        "healthcheck." + field,
        DriftClass.CONTRADICTED,
        want,
        have,
        "the healthcheck " + field + " of container " + name(c) + " differs from " + upper);
  }

  private void restart(Service s, ContainerDetails c) {
    String want = expectedRestart(s);
    String have =
        c.restartPolicy() == null || c.restartPolicy().isEmpty() ? "no" : c.restartPolicy();
    boolean same = restartName(want).equals(restartName(have));
    String wantCount = restartCount(want);
    String haveCount = restartCount(have);
    if (same && wantCount != null && haveCount != null && !wantCount.equals(haveCount)) {
      same = false;
    }
    if (!same) {
      obs.finding(
          s.name(),
          layer,
          "restart",
          DriftClass.CONTRADICTED,
          want,
          have,
          "the restart policy of container " + name(c) + " differs from " + upper);
    }
  }

  /** {@code restart}, else {@code deploy.restart_policy} mapped as Compose does, else "no". */
  static String expectedRestart(Service s) {
    if (s.restart() != null && !s.restart().isEmpty()) {
      return s.restart();
    }
    Deploy d = s.deploy();
    if (d != null && d.restartPolicy() != null && d.restartPolicy().condition() != null) {
      return switch (d.restartPolicy().condition()) {
        case "none" -> "no";
        case "any" -> "always";
        case "on-failure" ->
            d.restartPolicy().maxAttempts() == null
                ? "on-failure"
                : "on-failure:" + d.restartPolicy().maxAttempts();
        default -> d.restartPolicy().condition();
      };
    }
    return "no";
  }

  private static String restartName(String policy) {
    int colon = policy.indexOf(':');
    return colon < 0 ? policy : policy.substring(0, colon);
  }

  private static String restartCount(String policy) {
    int colon = policy.indexOf(':');
    String n = colon < 0 ? null : policy.substring(colon + 1);
    return n == null || n.equals("0") ? null : n;
  }

  // ------------------------------------------------------------------ networks

  private void networks(Project p, Service s, ContainerDetails c) {
    if (s.networkMode() != null && !s.networkMode().isEmpty()) {
      return; // host, none, service:x, container:x — no project networks to compare
    }
    Set<String> expected = new LinkedHashSet<>();
    for (Map.Entry<String, ServiceNetwork> e : s.networks().entrySet()) {
      NetworkDef def = p.networks().get(e.getKey());
      String engineName =
          def != null && def.name() != null ? def.name() : p.name() + "_" + e.getKey();
      expected.add(engineName);
      List<String> aliases = c.networks().get(engineName);
      String key = "networks." + e.getKey();
      if (aliases == null) {
        obs.finding(
            s.name(),
            layer,
            key,
            DriftClass.MISSING,
            engineName,
            null,
            "container " + name(c) + " is not attached to network " + engineName);
      } else if (!aliases.containsAll(e.getValue().aliases())) {
        obs.finding(
            s.name(),
            layer,
            key + ".aliases",
            DriftClass.CONTRADICTED,
            String.join(", ", e.getValue().aliases()),
            String.join(", ", aliases),
            "container " + name(c) + " lacks aliases on network " + engineName);
      }
    }
    for (String attached : c.networks().keySet()) {
      if (!expected.contains(attached)) {
        obs.finding(
            s.name(),
            layer,
            "networks." + attached,
            DriftClass.EXTRA,
            null,
            attached,
            "container "
                + name(c)
                + " is attached to network "
                + attached
                + ", which "
                + upper
                + " does not name");
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  static String name(ContainerDetails c) {
    String n = c.name() == null || c.name().isEmpty() ? shortId(c.id()) : c.name();
    return n.startsWith("/") ? n.substring(1) : n;
  }

  private static String shortId(String id) {
    return id == null ? "(unnamed)" : id.length() > 12 ? id.substring(0, 12) : id;
  }

  private static String words(List<String> words) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < words.size(); i++) {
      if (i > 0) {
        b.append(", ");
      }
      b.append('"').append(words.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
    return b.append(']').toString();
  }
}
