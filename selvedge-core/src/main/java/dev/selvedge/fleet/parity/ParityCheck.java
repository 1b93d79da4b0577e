package dev.selvedge.fleet.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.drift.DriftInput;
import dev.selvedge.drift.ReadbackResult;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ImageDetails;
import dev.selvedge.port.ProbeResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Compares two nodes' copies of one stack, layer by layer (docs/parity.md): the rendered contract,
 * the files the stack reads and mounts on the node, the environment the containers run with, their
 * images, their other settings, and the readback answers. Pure: both sides are read beforehand.
 *
 * <p>Values are compared as read and shown only when safe: every environment value, every value of
 * a secret key and every file by its keyed fingerprint, and any secret value seen on either side is
 * replaced by its fingerprint in whatever else is shown (a command line, a readback answer). Names
 * that carry the project's name ({@code shop-a_default}) or paths under the deploy directory are
 * compared with those parts written as {@code ${project}} and {@code .}, so two projects of one
 * stack compare equal where only their names differ.
 */
public final class ParityCheck {
  private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_-]+");

  private final Fingerprints fingerprints;

  public ParityCheck(Fingerprints fingerprints) {
    this.fingerprints = Objects.requireNonNull(fingerprints, "fingerprints");
  }

  /** Every difference between {@code a} and {@code b}, expected ones marked. */
  public ParityReport.Comparison compare(ParitySide a, ParitySide b) {
    Shown shown = new Shown(fingerprints, a, b);
    Ignores ignores = new Ignores(a, b);
    List<ParityDifference> out = new ArrayList<>();
    Diff diff =
        (service, layer, key, va, vb, showA, showB) -> {
          if (Objects.equals(va, vb)) {
            return;
          }
          String by = ignores.match(service, key);
          out.add(new ParityDifference(service, layer, key, showA, showB, by != null, by));
        };
    contract(a.input().repo(), b.input().repo(), shown, diff);
    files(a, b, diff);
    Set<String> services = new LinkedHashSet<>();
    services.addAll(a.input().deployed().services().keySet());
    services.addAll(b.input().deployed().services().keySet());
    Map<String, List<ContainerDetails>> ca = byService(a);
    Map<String, List<ContainerDetails>> cb = byService(b);
    services.addAll(ca.keySet());
    services.addAll(cb.keySet());
    for (String s : services) {
      List<ContainerDetails> la = ca.getOrDefault(s, List.of());
      List<ContainerDetails> lb = cb.getOrDefault(s, List.of());
      env(s, first(la), first(lb), shown, diff);
      image(s, la, lb, a.input().images(), b.input().images(), diff);
      container(s, la, lb, new Normal(a), new Normal(b), shown, diff);
      readback(s, a.input().readbacks(), b.input().readbacks(), shown, diff);
    }
    // Grouped for reading: the stack's own keys first, then service by service, layer by layer
    // (a stable sort: within a layer, the order the keys were compared in).
    List<String> order = new ArrayList<>();
    for (ParityDifference d : out) {
      if (d.service() != null && !order.contains(d.service())) {
        order.add(d.service());
      }
    }
    out.sort(
        (x, y) -> {
          int c =
              Integer.compare(
                  x.service() == null ? -1 : order.indexOf(x.service()),
                  y.service() == null ? -1 : order.indexOf(y.service()));
          return c != 0 ? c : Integer.compare(x.layer().ordinal(), y.layer().ordinal());
        });
    return new ParityReport.Comparison(
        a.stack(), a.node(), a.project(), b.node(), b.project(), out);
  }

  /** The stack found on one side only. */
  public static ParityReport.Comparison oneSided(String stack, ParitySide a, ParitySide b) {
    boolean onA = a != null;
    ParitySide present = onA ? a : b;
    String where = "runs on node " + present.node() + " (project " + present.project() + ")";
    ParityDifference d =
        new ParityDifference(
            null, ParityLayer.STACK, "stack", onA ? where : null, onA ? null : where, false, null);
    return new ParityReport.Comparison(
        stack,
        onA ? a.node() : null,
        onA ? a.project() : null,
        onA ? null : b.node(),
        onA ? null : b.project(),
        List.of(d));
  }

  /** Reports one key: the values compared, and what each side shows. */
  @FunctionalInterface
  private interface Diff {
    void on(
        String service,
        ParityLayer layer,
        String key,
        String a,
        String b,
        String showA,
        String showB);

    default void on(String service, ParityLayer layer, String key, String a, String b) {
      on(service, layer, key, a, b, a, b);
    }
  }

  // ------------------------------------------------------------------------------ contract

  private static void contract(Project a, Project b, Shown shown, Diff diff) {
    Map<String, String> fa = flatten(ComposeConfig.unredacted().render(a), new Normal(a));
    Map<String, String> fb = flatten(ComposeConfig.unredacted().render(b), new Normal(b));
    Map<String, String> ra = flatten(ComposeConfig.redacted().render(a), new Normal(a));
    Map<String, String> rb = flatten(ComposeConfig.redacted().render(b), new Normal(b));
    Set<String> paths = new LinkedHashSet<>(fa.keySet());
    paths.addAll(fb.keySet());
    Set<String> missingServices = new LinkedHashSet<>();
    for (String path : paths) {
      if (path.equals("name")) {
        continue; // the project's name: each node's own
      }
      String service = null;
      String key = path;
      if (path.startsWith("services.")) {
        String rest = path.substring("services.".length());
        int dot = firstBreak(rest);
        service = dot < 0 ? rest : rest.substring(0, dot);
        key = dot < 0 ? "service" : rest.substring(dot + (rest.charAt(dot) == '.' ? 1 : 0));
        boolean onA = a.services().containsKey(service);
        boolean onB = b.services().containsKey(service);
        if (onA != onB) {
          if (missingServices.add(service)) {
            diff.on(
                service,
                ParityLayer.CONTRACT,
                "service",
                onA ? "declared" : null,
                onB ? "declared" : null);
          }
          continue;
        }
      }
      String va = fa.get(path);
      String vb = fb.get(path);
      if (Objects.equals(va, vb)) {
        continue;
      }
      boolean env = key.startsWith("environment.");
      String sa = env ? shown.fingerprint(va) : shown.contract(va, ra.get(path));
      String sb = env ? shown.fingerprint(vb) : shown.contract(vb, rb.get(path));
      diff.on(service, ParityLayer.CONTRACT, key, va, vb, sa, sb);
    }
  }

  private static int firstBreak(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '.' || c == '[') {
        return i;
      }
    }
    return -1;
  }

  /** Every leaf of {@code node} by its path ({@code services.web.ports[0].published}). */
  private static Map<String, String> flatten(JsonNode node, Normal normal) {
    Map<String, String> out = new LinkedHashMap<>();
    flatten(node, "", normal, out);
    return out;
  }

  private static void flatten(JsonNode node, String path, Normal normal, Map<String, String> out) {
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        flatten(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), normal, out);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        flatten(node.get(i), path + "[" + element(node.get(i), i) + "]", normal, out);
      }
    } else if (node.isNull()) {
      out.put(path, "null");
    } else {
      out.put(path, normal.text(node.asText()));
    }
  }

  /**
   * How a list element is named in a key: a port or mount by its target ({@code ports[80/tcp]},
   * {@code volumes[/data]}), as drift names them, so one added at the front does not shift every
   * other; anything else by its index.
   */
  private static String element(JsonNode item, int index) {
    JsonNode target = item.get("target");
    if (item.isObject() && target != null && target.isValueNode()) {
      JsonNode protocol = item.get("protocol");
      return target.asText()
          + (protocol != null && protocol.isTextual() ? "/" + protocol.asText() : "");
    }
    return Integer.toString(index);
  }

  // ------------------------------------------------------------------------------ files

  private static void files(ParitySide a, ParitySide b, Diff diff) {
    Set<String> paths = new TreeSet<>(a.files().keySet());
    paths.addAll(b.files().keySet());
    for (String p : paths) {
      diff.on(null, ParityLayer.FILES, "files[" + p + "]", a.files().get(p), b.files().get(p));
    }
  }

  // ------------------------------------------------------------------------------ env

  private static void env(
      String service, ContainerDetails a, ContainerDetails b, Shown shown, Diff diff) {
    Map<String, String> ea = a == null ? Map.of() : parseEnv(a.env());
    Map<String, String> eb = b == null ? Map.of() : parseEnv(b.env());
    Set<String> keys = new TreeSet<>(ea.keySet());
    keys.addAll(eb.keySet());
    for (String k : keys) {
      String va = ea.get(k);
      String vb = eb.get(k);
      diff.on(
          service,
          ParityLayer.ENV,
          "environment." + k,
          va,
          vb,
          shown.fingerprint(va),
          shown.fingerprint(vb));
    }
  }

  private static Map<String, String> parseEnv(List<String> entries) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String entry : entries) {
      int eq = entry.indexOf('=');
      env.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? "" : entry.substring(eq + 1));
    }
    return env;
  }

  // ------------------------------------------------------------------------------ image

  private static void image(
      String service,
      List<ContainerDetails> a,
      List<ContainerDetails> b,
      Map<String, ImageDetails> ia,
      Map<String, ImageDetails> ib,
      Diff diff) {
    if (a.isEmpty() || b.isEmpty()) {
      return; // no container on one side: the container layer says so
    }
    diff.on(
        service,
        ParityLayer.IMAGE,
        "image",
        joined(a, ContainerDetails::image),
        joined(b, ContainerDetails::image));
    diff.on(
        service,
        ParityLayer.IMAGE,
        "image.id",
        joined(a, ContainerDetails::imageId),
        joined(b, ContainerDetails::imageId));
    diff.on(service, ParityLayer.IMAGE, "image.digest", digests(a, ia), digests(b, ib));
  }

  private static String joined(
      List<ContainerDetails> cs, java.util.function.Function<ContainerDetails, String> f) {
    Set<String> values = new TreeSet<>();
    for (ContainerDetails c : cs) {
      String v = f.apply(c);
      values.add(v == null ? "" : v);
    }
    return String.join(", ", values);
  }

  private static String digests(List<ContainerDetails> cs, Map<String, ImageDetails> images) {
    Set<String> out = new TreeSet<>();
    for (ContainerDetails c : cs) {
      ImageDetails d = c.imageId() == null ? null : images.get(c.imageId());
      if (d == null) {
        continue;
      }
      for (String rd : d.repoDigests()) {
        int at = rd.indexOf('@');
        out.add(at < 0 ? rd : rd.substring(at + 1));
      }
    }
    return out.isEmpty() ? "(none)" : String.join(", ", out);
  }

  // ------------------------------------------------------------------------------ container

  private static void container(
      String service,
      List<ContainerDetails> la,
      List<ContainerDetails> lb,
      Normal na,
      Normal nb,
      Shown shown,
      Diff diff) {
    ParityLayer l = ParityLayer.CONTAINER;
    diff.on(service, l, "replicas", String.valueOf(la.size()), String.valueOf(lb.size()));
    ContainerDetails a = first(la);
    ContainerDetails b = first(lb);
    if (a == null || b == null) {
      return;
    }
    diff.on(service, l, "state", state(a), state(b));
    Set<String> labels = new TreeSet<>(a.labels().keySet());
    labels.addAll(b.labels().keySet());
    for (String k : labels) {
      if (k.startsWith("com.docker.compose.") || k.equals("dev.selvedge.deployment")) {
        continue; // the project's own bookkeeping: names, hashes and numbers of each node's own
      }
      String va = a.labels().get(k);
      String vb = b.labels().get(k);
      diff.on(service, l, "labels." + k, va, vb, shown.value(k, va), shown.value(k, vb));
    }
    words(service, "command", a.cmd(), b.cmd(), shown, diff);
    words(service, "entrypoint", a.entrypoint(), b.entrypoint(), shown, diff);
    Map<String, String> pa = ports(a);
    Map<String, String> pb = ports(b);
    for (String id : union(pa.keySet(), pb.keySet())) {
      diff.on(service, l, "ports[" + id + "]", pa.get(id), pb.get(id));
    }
    Map<String, String> ma = mounts(a, na);
    Map<String, String> mb = mounts(b, nb);
    for (String t : union(ma.keySet(), mb.keySet())) {
      diff.on(service, l, "volumes[" + t + "]", ma.get(t), mb.get(t));
    }
    // The engine's healthcheck is the contract after substitution: it may hold a secret's value.
    String ha = health(a.healthcheck());
    String hb = health(b.healthcheck());
    diff.on(service, l, "healthcheck", ha, hb, shown.scrub(ha), shown.scrub(hb));
    diff.on(service, l, "restart", a.restartPolicy(), b.restartPolicy());
    diff.on(service, l, "networks", networks(a, na), networks(b, nb));
    ContainerDetails.Settings sa = a.settings();
    ContainerDetails.Settings sb = b.settings();
    diff.on(service, l, "settings.hostname", hostname(a), hostname(b));
    diff.on(service, l, "settings.user", sa.user(), sb.user());
    diff.on(service, l, "settings.working_dir", sa.workingDir(), sb.workingDir());
    diff.on(service, l, "settings.privileged", "" + sa.privileged(), "" + sb.privileged());
    diff.on(service, l, "settings.read_only", "" + sa.readOnlyRootfs(), "" + sb.readOnlyRootfs());
    diff.on(service, l, "settings.tty", "" + sa.tty(), "" + sb.tty());
    diff.on(service, l, "settings.init", "" + sa.init(), "" + sb.init());
    diff.on(
        service, l, "settings.network_mode", na.text(sa.networkMode()), nb.text(sb.networkMode()));
    diff.on(service, l, "settings.stop_signal", sa.stopSignal(), sb.stopSignal());
    diff.on(service, l, "settings.cap_add", sorted(sa.capAdd()), sorted(sb.capAdd()));
    diff.on(service, l, "settings.cap_drop", sorted(sa.capDrop()), sorted(sb.capDrop()));
    diff.on(service, l, "settings.extra_hosts", sorted(sa.extraHosts()), sorted(sb.extraHosts()));
  }

  private static void words(
      String service, String key, List<String> a, List<String> b, Shown shown, Diff diff) {
    String va = a == null ? null : String.join(" ", a);
    String vb = b == null ? null : String.join(" ", b);
    diff.on(service, ParityLayer.CONTAINER, key, va, vb, shown.scrub(va), shown.scrub(vb));
  }

  private static String state(ContainerDetails c) {
    ContainerDetails.State s = c.state();
    if (s == null) {
      return "unknown";
    }
    String status = s.status() == null ? "unknown" : s.status();
    return s.health() == null || s.health().isEmpty() ? status : status + " (" + s.health() + ")";
  }

  /** Published ports by {@code port/protocol}: their host bindings. */
  private static Map<String, String> ports(ContainerDetails c) {
    Map<String, Set<String>> by = new LinkedHashMap<>();
    for (ContainerDetails.PortBinding p : c.ports()) {
      if (p.hostPort() == null) {
        continue; // exposed only
      }
      String ip =
          p.hostIp() == null || p.hostIp().isEmpty() || p.hostIp().equals("::")
              ? "0.0.0.0"
              : p.hostIp();
      String proto = p.protocol() == null ? "tcp" : p.protocol();
      by.computeIfAbsent(p.containerPort() + "/" + proto, k -> new TreeSet<>())
          .add(
              (ip.equals("0.0.0.0") ? "" : ip + ":")
                  + (p.hostPort().isEmpty() ? "(any)" : p.hostPort()));
    }
    Map<String, String> out = new LinkedHashMap<>();
    by.forEach((k, v) -> out.put(k, String.join(", ", v)));
    return out;
  }

  private static Map<String, String> mounts(ContainerDetails c, Normal n) {
    Map<String, String> out = new LinkedHashMap<>();
    for (ContainerDetails.Mount m : c.mounts()) {
      if ("volume".equals(m.type()) && m.source() != null && m.source().matches("[0-9a-f]{64}")) {
        out.put(m.target(), "volume (anonymous)" + (m.readWrite() ? "" : " ro"));
        continue;
      }
      out.put(
          m.target(),
          m.type()
              + " "
              + n.text(m.source() == null ? "" : m.source())
              + (m.readWrite() ? "" : " ro"));
    }
    return out;
  }

  private static String health(ContainerDetails.Health h) {
    if (h == null) {
      return "(none)";
    }
    return String.join(" ", h.test())
        + " interval="
        + h.interval()
        + " timeout="
        + h.timeout()
        + " retries="
        + h.retries()
        + " start_period="
        + h.startPeriod();
  }

  private static String networks(ContainerDetails c, Normal n) {
    Set<String> out = new TreeSet<>();
    for (String name : c.networks().keySet()) {
      out.add(n.text(name));
    }
    return String.join(", ", out);
  }

  /** The engine names a container after its id when the contract gives no hostname. */
  private static String hostname(ContainerDetails c) {
    String h = c.settings().hostname();
    if (c.id() != null && !h.isEmpty() && c.id().startsWith(h)) {
      return "(container id)";
    }
    return h;
  }

  private static String sorted(List<String> values) {
    return String.join(", ", new TreeSet<>(values));
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.addAll(b);
    return out;
  }

  // ------------------------------------------------------------------------------ readback

  private static void readback(
      String service, List<ReadbackResult> a, List<ReadbackResult> b, Shown shown, Diff diff) {
    if (a == null || b == null) {
      return; // not read on a side (readback off)
    }
    for (ReadbackResult.Endpoint e : ReadbackResult.Endpoint.values()) {
      Map<String, String> va = answer(service, e, a);
      Map<String, String> vb = answer(service, e, b);
      for (String k : union(va.keySet(), vb.keySet())) {
        String x = va.get(k);
        String y = vb.get(k);
        // A field under a secret-looking name (readback.version.db.password) is shown as its
        // fingerprint, whatever its value; the rest is scrubbed of the secrets known.
        String name = k.substring(k.lastIndexOf('.') + 1);
        diff.on(service, ParityLayer.READBACK, k, x, y, shown.value(name, x), shown.value(name, y));
      }
    }
  }

  /**
   * The answer of one readback URL as keys: {@code readback.version.status}, then each leaf of a
   * JSON body ({@code readback.version.build.commit}), or the body when it is not JSON (shown
   * scrubbed of the secrets known, as every readback value).
   */
  private static Map<String, String> answer(
      String service, ReadbackResult.Endpoint endpoint, List<ReadbackResult> results) {
    Map<String, String> out = new LinkedHashMap<>();
    String base = "readback." + endpoint.id();
    for (ReadbackResult r : results) {
      if (!r.service().equals(service) || r.endpoint() != endpoint) {
        continue;
      }
      if (r.result() instanceof ProbeResult.Answered ans) {
        out.put(base + ".status", String.valueOf(ans.status()));
        if (endpoint == ReadbackResult.Endpoint.HEALTH) {
          continue; // health's body changes by the second (uptimes, clocks); its status is kept
        }
        JsonNode body = null;
        try {
          body = ans.bodyRead() && !ans.body().isBlank() ? TreeJson.readFirst(ans.body()) : null;
        } catch (java.io.IOException | RuntimeException e) {
          body = null;
        }
        if (body != null && (body.isObject() || body.isArray())) {
          flatten(body, "", Normal.NONE, out, base);
        } else if (ans.bodyRead()) {
          out.put(base + ".body", ans.body().strip()); // compared as read; shown scrubbed
        }
      } else if (r.result() instanceof ProbeResult.Failed f) {
        out.put(base + ".status", "failed: " + f.kind().id());
      }
    }
    return out;
  }

  private static void flatten(
      JsonNode node, String path, Normal normal, Map<String, String> out, String base) {
    Map<String, String> leaves = new LinkedHashMap<>();
    flatten(node, path, normal, leaves);
    leaves.forEach((k, v) -> out.put(base + (k.startsWith("[") ? "" : ".") + k, v));
  }

  // ------------------------------------------------------------------------------ helpers

  private static Map<String, List<ContainerDetails>> byService(ParitySide side) {
    String project = side.project();
    Map<String, List<ContainerDetails>> out = new LinkedHashMap<>();
    for (ContainerDetails c : side.input().containers()) {
      if (!project.equals(c.labels().get("com.docker.compose.project"))
          || "true".equalsIgnoreCase(c.labels().getOrDefault("com.docker.compose.oneoff", ""))) {
        continue;
      }
      String s = c.labels().getOrDefault("com.docker.compose.service", "");
      out.computeIfAbsent(s, k -> new ArrayList<>()).add(c);
    }
    for (List<ContainerDetails> l : out.values()) {
      l.sort((x, y) -> String.valueOf(x.name()).compareTo(String.valueOf(y.name())));
    }
    return out;
  }

  private static ContainerDetails first(List<ContainerDetails> cs) {
    return cs.isEmpty() ? null : cs.get(0);
  }

  /**
   * Names and paths with what is each node's own written generically: the project's name as {@code
   * ${project}} (at the start of a name: {@code shop-a_default}), its directory as {@code .}.
   */
  private record Normal(String project, String dir) {
    static final Normal NONE = new Normal(null, null);

    Normal(ParitySide side) {
      this(side.project(), side.input().deployed().workingDir());
    }

    Normal(Project p) {
      this(p.name(), p.workingDir());
    }

    String text(String s) {
      if (s == null) {
        return null;
      }
      if (dir != null && dir.length() > 1 && (s.equals(dir) || s.startsWith(dir + "/"))) {
        return "." + s.substring(dir.length());
      }
      if (project != null && !project.isEmpty()) {
        if (s.equals(project)) {
          return "${project}";
        }
        if (s.startsWith(project + "_") || s.startsWith(project + "-")) {
          return "${project}" + s.substring(project.length());
        }
      }
      return s;
    }
  }

  /** What may be shown of a value: secrets and environment values as fingerprints. */
  private static final class Shown {
    private final Fingerprints fingerprints;
    private final Set<String> declared = new LinkedHashSet<>();
    private final SecretValues secrets;

    Shown(Fingerprints fingerprints, ParitySide a, ParitySide b) {
      this.fingerprints = fingerprints;
      List<Project> projects = projects(a.input(), b.input());
      SecretValues all = SecretValues.NONE;
      for (Project p : projects) {
        declared.addAll(p.secretKeys());
        for (Service s : p.services().values()) {
          declared.addAll(s.selvedge().secrets());
        }
        all = all.and(p.secretValues());
      }
      List<String> values = new ArrayList<>();
      for (Project p : projects) {
        for (Service s : p.services().values()) {
          secretValues(s.environment(), values);
          secretValues(s.labels(), values);
        }
      }
      for (DriftInput in : List.of(a.input(), b.input())) {
        if (in.hostEnv() != null) {
          secretValues(in.hostEnv(), values);
        }
        for (ContainerDetails c : in.containers()) {
          secretValues(parseEnv(c.env()), values);
          secretValues(c.labels(), values);
        }
      }
      this.secrets = all.and(SecretValues.of(values));
    }

    private static List<Project> projects(DriftInput a, DriftInput b) {
      List<Project> out = new ArrayList<>();
      for (DriftInput in : List.of(a, b)) {
        out.add(in.repo());
        if (in.host() != null && in.host() != in.repo()) {
          out.add(in.host());
        }
      }
      return out;
    }

    private void secretValues(Map<String, String> map, List<String> out) {
      map.forEach(
          (k, v) -> {
            if (v != null && !v.isEmpty() && Secrets.isSecretKey(k, declared)) {
              out.add(v);
            }
          });
    }

    /** An environment value: only its fingerprint. */
    String fingerprint(String value) {
      return value == null ? null : fingerprints.of(value);
    }

    /** A value of {@code key}: its fingerprint when the key is secret, else scrubbed. */
    String value(String key, String value) {
      if (value == null) {
        return null;
      }
      return Secrets.isSecretKey(key, declared) && !value.isEmpty()
          ? fingerprints.of(value)
          : scrub(value);
    }

    /** A rendered contract value: its fingerprint where the redacted rendering masks any of it. */
    String contract(String unredacted, String redacted) {
      if (unredacted == null) {
        return null;
      }
      return Objects.equals(unredacted, redacted) ? scrub(unredacted) : fingerprints.of(unredacted);
    }

    /** Text of any origin: every secret value seen on either side replaced by its fingerprint. */
    String scrub(String text) {
      if (text == null) {
        return null;
      }
      return secrets.replaceValues(
          Secrets.maskUrlPasswords(text, SecretValues.MASK), fingerprints::of);
    }
  }

  // ------------------------------------------------------------------------------ ignores

  /** The {@code parity.ignore} entries of both contracts and both nodes. */
  private static final class Ignores {
    private record Entry(String service, String pattern, String by) {}

    private final List<Entry> entries = new ArrayList<>();

    Ignores(ParitySide a, ParitySide b) {
      for (ParitySide side : List.of(a, b)) {
        Project p = side.input().repo();
        for (String k : p.parityIgnore()) {
          entries.add(new Entry(null, k, "contract"));
        }
        for (Service s : p.services().values()) {
          for (String k : s.selvedge().parityIgnore()) {
            entries.add(new Entry(s.name(), k, "contract service " + s.name()));
          }
        }
        for (String k : side.nodeIgnore()) {
          entries.add(new Entry(null, k, "node " + side.node()));
        }
      }
    }

    /** The declaration that makes {@code key} of {@code service} expected, or null. */
    String match(String service, String key) {
      for (Entry e : entries) {
        if (e.service() != null && !e.service().equals(service)) {
          continue;
        }
        if (matches(e.pattern(), key)) {
          return e.by();
        }
      }
      return null;
    }
  }

  /**
   * Whether an ignore entry covers {@code key}: a bare name ({@code HOSTNAME}) covers every key
   * ending in {@code .HOSTNAME} (an environment variable or label of that name); anything else is
   * the whole key, where {@code *} stands for any run of characters ({@code labels.tenant*}).
   */
  static boolean matches(String pattern, String key) {
    if (BARE.matcher(pattern).matches()) {
      return key.equals(pattern) || key.endsWith("." + pattern);
    }
    String[] parts = pattern.split("\\*", -1);
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        re.append(".*");
      }
      re.append(Pattern.quote(parts[i]));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL).matcher(key).matches();
  }
}
