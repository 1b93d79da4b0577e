package dev.selvedge.fleet;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.GoDuration;
import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Mark;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import dev.selvedge.contract.yaml.Tag;
import dev.selvedge.contract.yaml.YamlReader;
import dev.selvedge.fleet.FleetFileException.Problem;
import dev.selvedge.fleet.rollout.Waves;
import dev.selvedge.fleet.update.CronSchedule;
import dev.selvedge.fleet.update.UpdateWindow;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates a fleet file ({@code fleet.yaml}), the control plane's registry of nodes.
 * Validation is all-or-nothing and reports every problem it can find at once, each with the file's
 * line (or the environment variable that set the value) and the key: a server must not start, or
 * swap its registry, on a half-understood file. Format and overrides: {@code docs/fleet.md}.
 *
 * <pre>{@code
 * Fleet fleet = FleetFile.load(Path.of("fleet.yaml"), System.getenv());
 * }</pre>
 */
public final class FleetFile {
  /** Every variable starting with this overrides a value of a node: {@code SELVEDGE_NODE_<ID>_}. */
  public static final String OVERRIDE_PREFIX = "SELVEDGE_NODE_";

  /** A DNS label in lower case: node ids appear in URLs and, upper-cased, in variable names. */
  static final Pattern NODE_ID = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

  /** Compose's project name rule; stack names follow it too (a project defaults to its stack). */
  static final Pattern PROJECT = Pattern.compile("[a-z0-9][a-z0-9_-]*");

  /** More problems than this are summed up in one last line. */
  static final int MAX_PROBLEMS = 200;

  private static final String ENGINE_FORMS = "unix://, tcp://host:port, ssh://user@host[:port]";
  private static final Set<String> TOP_KEYS =
      Set.of("poll", "nodes", "cors", "retention", "audit", "notifications");
  private static final List<String> NOTIFICATION_KEYS =
      List.of("url", "format", "events", "tags", "environments", "remind", "headers");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
  private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}");
  private static final Set<String> RESERVED_HEADERS =
      Set.of("host", "content-length", "content-type", "connection", "expect", "upgrade");
  private static final List<String> AUDIT_KEYS = List.of("schedule", "projects");
  private static final java.util.regex.Pattern DAILY =
      java.util.regex.Pattern.compile("daily(?:\\s+([0-2]?\\d):([0-5]\\d))?");
  private static final List<String> RETENTION_KEYS = List.of("audit", "events");
  private static final Pattern DAYS = Pattern.compile("([0-9]{1,6})d");

  /** The audit log is evidence: kept at least a day. */
  static final Duration MIN_AUDIT_RETENTION = Duration.ofDays(1);

  private static final List<String> POLL_KEYS =
      List.of("interval", "timeout", "concurrency", "flap_sweeps", "backoff_cap");
  private static final List<String> NODE_KEYS =
      List.of("engine", "tls", "ssh", "environment", "tags", "stacks", "parity");
  private static final List<String> PARITY_KEYS = List.of("ignore");
  private static final List<String> TLS_KEYS = List.of("ca", "cert", "key");
  private static final List<String> SSH_KEYS = List.of("identity", "known_hosts");
  private static final List<String> STACK_KEYS =
      List.of("contract", "project", "deploy_dir", "auto_update");
  private static final List<String> STACK_OVERRIDE_KEYS =
      List.of("contract", "project", "deploy_dir");
  private static final List<String> AUTO_UPDATE_KEYS =
      List.of("schedule", "services", "window", "waves", "gate_timeout");
  private static final List<String> CORS_KEYS = List.of("origins");
  private static final Duration MIN_BACKOFF_CAP = Duration.ofMinutes(10);
  private static final Pattern PASSWORD =
      Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:]*):.*@");

  /** Override keys of a node, after {@code SELVEDGE_NODE_<ID>_}, and where each one writes. */
  private static final Map<String, List<String>> NODE_OVERRIDES =
      orderedMap(
          "ENGINE", List.of("engine"),
          "ENVIRONMENT", List.of("environment"),
          "TAGS", List.of("tags"),
          "TLS_CA", List.of("tls", "ca"),
          "TLS_CERT", List.of("tls", "cert"),
          "TLS_KEY", List.of("tls", "key"),
          "SSH_IDENTITY", List.of("ssh", "identity"),
          "SSH_KNOWN_HOSTS", List.of("ssh", "known_hosts"));

  private static final String STACKS_OVERRIDE = "STACKS_";

  private FleetFile() {}

  /**
   * Reads {@code file} and applies the {@code SELVEDGE_NODE_*} overrides found in {@code
   * environment}. Relative paths, in the file or in overrides, are resolved against the file's
   * directory.
   *
   * @throws FleetFileException naming every problem: unreadable file, malformed YAML, unknown or
   *     duplicate key, bad value, missing referenced file, override naming no node
   */
  public static Fleet load(Path file, Map<String, String> environment) {
    return load(file, read(file), environment);
  }

  /** The file's bytes, or a {@link FleetFileException} saying why they cannot be read. */
  static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw whole(file, "no such file; give the fleet file with --fleet FILE");
    } catch (IOException e) {
      throw whole(file, "cannot read it: " + e.getMessage());
    }
  }

  /** {@link #load(Path, Map)} of content already read (the watcher hashes what it loads). */
  static Fleet load(Path file, byte[] bytes, Map<String, String> environment) {
    if (bytes.length > YamlReader.MAX_BYTES) {
      throw whole(
          file,
          "larger than " + (YamlReader.MAX_BYTES / 1024 / 1024) + " MiB; refusing to read it");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw whole(file, "not UTF-8 text");
    }
    String label = file.toString();
    Node root;
    try {
      root = YamlReader.read(label, text);
    } catch (ContractException e) {
      Mark m = e.mark();
      String location = m.line() > 0 ? label + ":" + m.line() : label;
      throw new FleetFileException(
          file, List.of(new Problem(location, Math.max(0, m.line()), e.path(), e.detail())));
    }
    return new Reader(file, label, environment).read(root);
  }

  /**
   * The override variable's spelling of a node id or stack name: upper case, every character other
   * than a letter or digit as {@code _}.
   */
  public static String overrideName(String idOrName) {
    StringBuilder sb = new StringBuilder(idOrName.length());
    for (char c : idOrName.toUpperCase(Locale.ROOT).toCharArray()) {
      sb.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
    }
    return sb.toString();
  }

  static FleetFileException whole(Path file, String detail) {
    return new FleetFileException(file, List.of(new Problem(file.toString(), 0, "", detail)));
  }

  private static Map<String, List<String>> orderedMap(Object... kv) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      @SuppressWarnings("unchecked")
      List<String> v = (List<String>) kv[i + 1];
      m.put((String) kv[i], v);
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  /** One validation pass over the tree, collecting problems. */
  private static final class Reader {
    private final Path file;
    private final String label;
    private final Path dir;
    private final Map<String, String> environment;
    private final List<Problem> problems = new ArrayList<>();

    Reader(Path file, String label, Map<String, String> environment) {
      this.file = file;
      this.label = label;
      Path parent = file.toAbsolutePath().normalize().getParent();
      this.dir = parent == null ? Path.of("").toAbsolutePath() : parent;
      this.environment = environment;
    }

    Fleet read(Node root) {
      if (!(root instanceof MapNode top)) {
        problem(
            root.mark(), "", "a fleet file is a mapping (poll, nodes, cors), not " + root.kind());
        throw failed();
      }
      top = applyOverrides(top);
      for (Map.Entry<String, Node> e : top.entries().entrySet()) {
        if (!TOP_KEYS.contains(e.getKey()) && !e.getKey().startsWith("x-")) {
          unknown(
              e.getValue(),
              e.getKey(),
              e.getKey(),
              List.of("poll", "nodes", "cors", "retention", "audit", "notifications"));
        }
      }
      Fleet.Poll poll = readPoll(top.get("poll"));
      Map<String, Fleet.Node> nodes = readNodes(top);
      List<String> origins = readCors(top.get("cors"));
      Fleet.Retention retention = readRetention(top.get("retention"));
      Fleet.Audit audit = readAudit(top.get("audit"));
      List<Notification> notifications = readNotifications(top.get("notifications"));
      if (!problems.isEmpty()) {
        throw failed();
      }
      return new Fleet(
          file.toAbsolutePath().normalize(), poll, nodes, origins, retention, audit, notifications);
    }

    // ---- overrides ------------------------------------------------------------------------

    /** A target of one override variable: the path below the node, or why there is none. */
    private record Target(List<String> path, boolean list, String miss) {}

    private MapNode applyOverrides(MapNode top) {
      List<String> names =
          environment.keySet().stream()
              .filter(k -> k.startsWith(OVERRIDE_PREFIX))
              .sorted()
              .toList();
      if (names.isEmpty()) {
        return top;
      }
      MapNode nodes = top.get("nodes") instanceof MapNode m ? m : MapNode.empty(Mark.NONE);
      for (String name : names) {
        Mark at = new Mark(name, 0, 0);
        List<String> ids = new ArrayList<>();
        List<Target> hits = new ArrayList<>();
        String miss = null;
        for (Map.Entry<String, Node> e : nodes.entries().entrySet()) {
          String prefix = OVERRIDE_PREFIX + overrideName(e.getKey()) + "_";
          if (!name.startsWith(prefix)) {
            continue;
          }
          Target t = target(e.getKey(), e.getValue(), name.substring(prefix.length()));
          if (t.miss() == null) {
            ids.add(e.getKey());
            hits.add(t);
          } else if (miss == null) {
            miss = t.miss();
          }
        }
        if (hits.size() > 1) {
          problem(
              at,
              "",
              "names a value of more than one node ("
                  + String.join(", ", ids)
                  + "); rename a node so their variables differ");
        } else if (hits.size() == 1) {
          Target t = hits.get(0);
          List<String> path = new ArrayList<>(List.of("nodes", ids.get(0)));
          path.addAll(t.path());
          top = set(top, path, 0, value(environment.get(name), t.list(), at), at);
        } else if (miss != null) {
          problem(at, "", miss);
        } else {
          problem(
              at,
              "",
              "names no node of the fleet file"
                  + (nodes.entries().isEmpty()
                      ? ""
                      : " (nodes: " + String.join(", ", nodes.entries().keySet()) + ")")
                  + "; an override changes a node's value, it cannot add a node");
        }
      }
      return top;
    }

    private Target target(String id, Node node, String key) {
      List<String> path = NODE_OVERRIDES.get(key);
      if (path != null) {
        return new Target(path, key.equals("TAGS"), null);
      }
      if (key.startsWith(STACKS_OVERRIDE)) {
        String rest = key.substring(STACKS_OVERRIDE.length());
        Map<String, Node> stacks =
            node instanceof MapNode m && m.get("stacks") instanceof MapNode s
                ? s.entries()
                : Map.of();
        for (String stack : stacks.keySet()) {
          String prefix = overrideName(stack) + "_";
          if (rest.startsWith(prefix)) {
            String field = rest.substring(prefix.length()).toLowerCase(Locale.ROOT);
            if (STACK_OVERRIDE_KEYS.contains(field)) {
              return new Target(List.of("stacks", stack, field), false, null);
            }
          }
        }
        return new Target(
            null,
            false,
            "names no stack key of node "
                + id
                + (stacks.isEmpty() ? "" : " (stacks: " + String.join(", ", stacks.keySet()) + ")")
                + "; a stack is overridden as STACKS_<STACK>_CONTRACT, _PROJECT or _DEPLOY_DIR"
                + " and cannot be added by an override");
      }
      return new Target(
          null,
          false,
          "is not a key of node "
              + id
              + "; the keys are "
              + String.join(", ", NODE_OVERRIDES.keySet())
              + " and STACKS_<STACK>_CONTRACT, _PROJECT, _DEPLOY_DIR");
    }

    /** An override's value as a node; empty is "not given" (a list: no items). */
    private static Node value(String text, boolean list, Mark at) {
      if (list) {
        List<Node> items = new ArrayList<>();
        for (String part : text.split(",", -1)) {
          if (!part.isBlank()) {
            items.add(new ScalarNode(part.strip(), false, at, Tag.NONE));
          }
        }
        return new SeqNode(items, at, Tag.NONE);
      }
      return text.isEmpty() ? ScalarNode.nullAt(at) : new ScalarNode(text, false, at, Tag.NONE);
    }

    /** {@code m} with the value at {@code path} replaced, mappings created on the way. */
    private static MapNode set(MapNode m, List<String> path, int i, Node value, Mark at) {
      String key = path.get(i);
      if (i == path.size() - 1) {
        return m.with(key, value);
      }
      Node child = m.get(key);
      MapNode inner;
      if (child instanceof MapNode c) {
        inner = c;
      } else if (child == null || (child instanceof ScalarNode s && s.isNull())) {
        inner = MapNode.empty(at);
      } else {
        return m; // of the wrong kind: reported when the file is read
      }
      return m.with(key, set(inner, path, i + 1, value, at));
    }

    // ---- poll ------------------------------------------------------------------------------

    private Fleet.Poll readPoll(Node n) {
      Fleet.Poll d = Fleet.Poll.DEFAULT;
      MapNode m = mapping(n, "poll");
      if (m == null) {
        return d;
      }
      known(m, "poll", POLL_KEYS);
      Duration interval = duration(m.get("interval"), "poll.interval", d.interval());
      Duration timeout = duration(m.get("timeout"), "poll.timeout", d.timeout());
      int concurrency =
          integer(m.get("concurrency"), "poll.concurrency", d.concurrency(), 1, 100_000);
      int flap = integer(m.get("flap_sweeps"), "poll.flap_sweeps", d.flapSweeps(), 1, 100);
      Duration defaultCap = interval.compareTo(MIN_BACKOFF_CAP) > 0 ? interval : MIN_BACKOFF_CAP;
      Duration cap = duration(m.get("backoff_cap"), "poll.backoff_cap", defaultCap);
      if (cap.compareTo(interval) < 0 && given(m.get("backoff_cap"))) {
        problem(
            m.get("backoff_cap").mark(),
            "poll.backoff_cap",
            "is shorter than poll.interval ("
                + GoDuration.format(interval)
                + "); the cap is the longest wait between sweeps of a failing node");
      }
      return new Fleet.Poll(interval, timeout, concurrency, flap, cap);
    }

    private Duration duration(Node n, String key, Duration dflt) {
      String s = text(n, key);
      if (s == null) {
        return dflt;
      }
      Duration d;
      try {
        d = GoDuration.parse(s.strip());
      } catch (IllegalArgumentException e) {
        problem(n.mark(), key, "'" + s + "' is not a duration (500ms, 10s, 5m, 1h)");
        return dflt;
      }
      if (d.isNegative() || d.isZero()) {
        problem(n.mark(), key, "'" + s + "' must be longer than zero");
        return dflt;
      }
      return d;
    }

    private int integer(Node n, String key, int dflt, int min, int max) {
      String s = text(n, key);
      if (s == null) {
        return dflt;
      }
      long v;
      try {
        v = s.strip().matches("[0-9]{1,12}") ? Long.parseLong(s.strip()) : -1;
      } catch (NumberFormatException e) {
        v = -1;
      }
      if (v < 0) {
        problem(n.mark(), key, "'" + s + "' is not a whole number");
        return dflt;
      }
      if (v < min || v > max) {
        problem(n.mark(), key, v + " is out of range (" + min + " to " + max + ")");
        return dflt;
      }
      return (int) v;
    }

    // ---- nodes -----------------------------------------------------------------------------

    private Map<String, Fleet.Node> readNodes(MapNode top) {
      Map<String, Fleet.Node> out = new LinkedHashMap<>();
      if (!top.has("nodes")) {
        problem(
            top.mark().line() > 0 ? top.mark() : Mark.of(label),
            "nodes",
            "is missing; list the nodes to watch (an empty fleet is written nodes: {})");
        return out;
      }
      MapNode nodes = mapping(top.get("nodes"), "nodes");
      if (nodes == null) {
        return out; // nodes: (null) is an empty fleet
      }
      for (Map.Entry<String, Node> e : nodes.entries().entrySet()) {
        String id = e.getKey();
        String path = "nodes." + id;
        if (!NODE_ID.matcher(id).matches()) {
          problem(
              e.getValue().mark(),
              path,
              "'"
                  + id
                  + "' is not a node id: lower-case letters, digits and '-', starting and ending"
                  + " with a letter or digit, at most 63 characters");
        }
        Fleet.Node node = readNode(id, e.getValue(), path);
        if (node != null) {
          out.put(id, node);
        }
      }
      return out;
    }

    private Fleet.Node readNode(String id, Node n, String path) {
      if (!(n instanceof MapNode m)) {
        if (n instanceof ScalarNode s && s.isNull()) {
          problem(n.mark(), path + ".engine", "is missing; every node needs an engine");
        } else {
          problem(n.mark(), path, "must be a mapping (engine, tls, ssh, ...), not " + n.kind());
        }
        return null;
      }
      known(m, path, NODE_KEYS);
      String engine = text(m.get("engine"), path + ".engine");
      String scheme = null;
      if (engine == null) {
        if (m.get("engine") == null || m.get("engine") instanceof ScalarNode) {
          problem(
              m.get("engine") == null ? m.mark() : m.get("engine").mark(),
              path + ".engine",
              "is missing; every node needs an engine (" + ENGINE_FORMS + ")");
        }
      } else {
        scheme = engineScheme(m.get("engine"), path + ".engine", engine);
      }
      Fleet.Tls tls = readTls(m.get("tls"), path + ".tls", scheme);
      Fleet.Ssh ssh = readSsh(m.get("ssh"), path + ".ssh", scheme);
      String environment = text(m.get("environment"), path + ".environment");
      if (environment != null && environment.isBlank()) {
        problem(m.get("environment").mark(), path + ".environment", "is blank; leave it out");
        environment = null;
      }
      List<String> tags = readTags(m.get("tags"), path + ".tags");
      Map<String, Fleet.Stack> stacks = readStacks(m.get("stacks"), id, path + ".stacks");
      List<String> parity = readParity(m.get("parity"), path + ".parity");
      if (engine == null || scheme == null) {
        return null;
      }
      return new Fleet.Node(id, engine, tls, ssh, environment, tags, stacks, parity);
    }

    /** {@code parity: {ignore: [KEY, ...]}}: the keys meant to differ on this node. */
    private List<String> readParity(Node n, String path) {
      MapNode m = mapping(n, path);
      if (m == null) {
        return List.of();
      }
      known(m, path, PARITY_KEYS);
      Node ignore = m.get("ignore");
      if (!given(ignore)) {
        return List.of();
      }
      String key = path + ".ignore";
      if (!(ignore instanceof SeqNode seq)) {
        problem(
            ignore.mark(),
            key,
            "must be a list of keys ([HOSTNAME, labels.tenant]), not " + ignore.kind());
        return List.of();
      }
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < seq.items().size(); i++) {
        Node item = seq.items().get(i);
        String k = text(item, key + "[" + i + "]");
        if (k == null || k.isBlank()) {
          problem(item.mark(), key + "[" + i + "]", "is empty; name a key");
        } else {
          keys.add(k);
        }
      }
      return List.copyOf(keys);
    }

    /** The engine URL's scheme, or null after reporting why it is not an engine URL. */
    private String engineScheme(Node n, String key, String url) {
      String bad = "'" + PASSWORD.matcher(url).replaceFirst("$1:***@") + "' is not an engine URL";
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        problem(n.mark(), key, bad + " (" + ENGINE_FORMS + ")");
        return null;
      }
      String scheme = uri.getScheme();
      if (scheme == null || !url.startsWith(scheme + "://")) {
        problem(n.mark(), key, bad + " (" + ENGINE_FORMS + ")");
        return null;
      }
      String why = null;
      switch (scheme) {
        case "unix" -> {
          if (uri.getRawAuthority() != null
              || uri.getPath() == null
              || !uri.getPath().startsWith("/")
              || uri.getPath().length() < 2) {
            why = "a unix:// engine is an absolute socket path: unix:///var/run/docker.sock";
          }
        }
        case "tcp" -> {
          if (uri.getHost() == null || uri.getPort() <= 0) {
            why = "a tcp:// engine needs a host and a port: tcp://host:2376";
          } else if (uri.getRawUserInfo() != null) {
            why = "a tcp:// engine has no user: tcp://host:2376";
          }
        }
        case "ssh" -> {
          if (uri.getRawUserInfo() != null && uri.getRawUserInfo().contains(":")) {
            why = "a password does not belong in the URL; give the key file as ssh.identity";
          } else if (uri.getHost() == null
              || uri.getRawUserInfo() == null
              || uri.getRawUserInfo().isEmpty()) {
            why = "an ssh:// engine needs a user and a host: ssh://user@host[:port]";
          }
        }
        default -> {
          problem(n.mark(), key, bad + " (" + ENGINE_FORMS + ")");
          return null;
        }
      }
      if (why == null && (uri.getRawQuery() != null || uri.getRawFragment() != null)) {
        why = "an engine URL has no query or fragment";
      }
      if (why == null && !scheme.equals("unix") && !uri.getRawPath().isEmpty()) {
        why = "a " + scheme + ":// engine URL has no path";
      }
      if (why != null) {
        problem(n.mark(), key, bad + ": " + why);
        return null;
      }
      return scheme;
    }

    private Fleet.Tls readTls(Node n, String path, String scheme) {
      MapNode m = mapping(n, path);
      if (m == null) {
        return null;
      }
      if (scheme != null && !scheme.equals("tcp")) {
        problem(m.mark(), path, "is only for tcp:// engines; this node's engine is " + scheme);
      }
      known(m, path, TLS_KEYS);
      Path ca = requiredFile(m, "ca", path);
      Path cert = requiredFile(m, "cert", path);
      Path key = requiredFile(m, "key", path);
      return ca == null || cert == null || key == null ? null : new Fleet.Tls(ca, cert, key);
    }

    private Path requiredFile(MapNode m, String key, String path) {
      if (!given(m.get(key))) {
        problem(
            m.get(key) == null ? m.mark() : m.get(key).mark(),
            path + "." + key,
            "is missing; tls needs ca, cert and key");
        return null;
      }
      return file(m.get(key), path + "." + key);
    }

    private Fleet.Ssh readSsh(Node n, String path, String scheme) {
      MapNode m = mapping(n, path);
      if (m == null) {
        return null;
      }
      if (scheme != null && !scheme.equals("ssh")) {
        problem(m.mark(), path, "is only for ssh:// engines; this node's engine is " + scheme);
      }
      known(m, path, SSH_KEYS);
      Path identity = given(m.get("identity")) ? file(m.get("identity"), path + ".identity") : null;
      Path knownHosts =
          given(m.get("known_hosts")) ? file(m.get("known_hosts"), path + ".known_hosts") : null;
      return new Fleet.Ssh(identity, knownHosts);
    }

    private List<String> readTags(Node n, String path) {
      if (!given(n)) {
        return List.of();
      }
      if (!(n instanceof SeqNode seq)) {
        problem(n.mark(), path, "must be a list ([eu, tenant-a]), not " + n.kind());
        return List.of();
      }
      Set<String> tags = new LinkedHashSet<>();
      for (int i = 0; i < seq.items().size(); i++) {
        Node item = seq.items().get(i);
        String key = path + "[" + i + "]";
        String tag = text(item, key);
        if (tag == null) {
          if (item instanceof ScalarNode) {
            problem(item.mark(), key, "is empty");
          }
        } else if (tag.isEmpty() || tag.contains(",") || !tag.strip().equals(tag)) {
          problem(item.mark(), key, "'" + tag + "' is not a tag: no commas, no surrounding spaces");
        } else if (!tags.add(tag)) {
          problem(item.mark(), key, "'" + tag + "' is listed twice");
        }
      }
      return List.copyOf(tags);
    }

    private Map<String, Fleet.Stack> readStacks(Node n, String nodeId, String path) {
      Map<String, Fleet.Stack> out = new LinkedHashMap<>();
      MapNode m = mapping(n, path);
      if (m == null) {
        return out;
      }
      Map<String, String> projects = new HashMap<>();
      Map<String, String> variables = new HashMap<>();
      for (Map.Entry<String, Node> e : m.entries().entrySet()) {
        String name = e.getKey();
        String sp = path + "." + name;
        Node value = e.getValue();
        if (!PROJECT.matcher(name).matches()) {
          problem(
              value.mark(),
              sp,
              "'"
                  + name
                  + "' is not a stack name: lower-case letters, digits, '_' and '-', starting with"
                  + " a letter or digit (as a Compose project name)");
        }
        String variable =
            OVERRIDE_PREFIX + overrideName(nodeId) + "_STACKS_" + overrideName(name) + "_";
        String other = variables.putIfAbsent(variable, name);
        if (other != null) {
          problem(
              value.mark(),
              sp,
              "has the same override variables as stack "
                  + other
                  + " ("
                  + variable
                  + "...); rename one of them");
        }
        if (!(value instanceof MapNode sm)) {
          problem(
              value.mark(),
              sp + ".contract",
              value instanceof ScalarNode s && s.isNull()
                  ? "is missing; a stack needs a contract (a directory or Compose file)"
                  : "a stack is a mapping (contract, project, deploy_dir), not " + value.kind());
          continue;
        }
        known(sm, sp, STACK_KEYS);
        Path contract = null;
        if (!given(sm.get("contract"))) {
          problem(
              sm.get("contract") == null ? sm.mark() : sm.get("contract").mark(),
              sp + ".contract",
              "is missing; a stack needs a contract (a directory or Compose file)");
        } else {
          contract = contract(sm.get("contract"), sp + ".contract");
        }
        String project = name;
        if (given(sm.get("project"))) {
          String p = text(sm.get("project"), sp + ".project");
          if (p != null && !PROJECT.matcher(p).matches()) {
            problem(
                sm.get("project").mark(),
                sp + ".project",
                "'"
                    + p
                    + "' is not a Compose project name: lower-case letters, digits, '_' and '-',"
                    + " starting with a letter or digit");
          }
          project = p == null ? name : p;
        }
        String before = projects.putIfAbsent(project, name);
        if (before != null) {
          problem(
              (given(sm.get("project")) ? sm.get("project") : sm).mark(),
              sp + ".project",
              "project '"
                  + project
                  + "' is already stack "
                  + before
                  + "'s on this node; two stacks would fight over the same containers");
        }
        String deployDir = null;
        if (given(sm.get("deploy_dir"))) {
          deployDir = text(sm.get("deploy_dir"), sp + ".deploy_dir");
          if (deployDir != null && (!deployDir.startsWith("/") || deployDir.indexOf('\0') >= 0)) {
            problem(
                sm.get("deploy_dir").mark(),
                sp + ".deploy_dir",
                "'" + deployDir + "' is not an absolute path on the node (/srv/" + name + ")");
            deployDir = null;
          }
        }
        Fleet.AutoUpdate autoUpdate = readAutoUpdate(sm.get("auto_update"), sp + ".auto_update");
        if (autoUpdate != null) {
          AutoUpdateSeen before2 =
              autoUpdates.putIfAbsent(name, new AutoUpdateSeen(nodeId, autoUpdate));
          if (before2 != null && !before2.autoUpdate().equals(autoUpdate)) {
            problem(
                sm.get("auto_update").mark(),
                sp + ".auto_update",
                "differs from node "
                    + before2.node()
                    + "'s auto_update of stack "
                    + name
                    + "; a stack is rolled out across its nodes with one auto_update: write the"
                    + " same one on every node (or on one of them)");
          }
        }
        if (contract != null) {
          out.put(name, new Fleet.Stack(name, contract, project, deployDir, autoUpdate));
        }
      }
      return out;
    }

    /** The contract path: a Compose file, or a directory holding one of Compose's file names. */
    private Path contract(Node n, String key) {
      String s = text(n, key);
      if (s == null) {
        return null;
      }
      Path p = resolve(n, key, s);
      if (p == null) {
        return null;
      }
      switch (contractKinds.computeIfAbsent(p, Reader::contractKind)) {
        case COMPOSE_DIRECTORY, READABLE_FILE -> {
          return p;
        }
        case DIRECTORY_WITHOUT_COMPOSE ->
            problem(
                n.mark(),
                key,
                "'"
                    + s
                    + "' has no Compose file ("
                    + String.join(", ", ComposeLoader.DEFAULT_FILES)
                    + ") in "
                    + p);
        case MISSING -> problem(n.mark(), key, "'" + s + "' does not exist (looked for " + p + ")");
        default ->
            problem(n.mark(), key, "'" + s + "' is not a readable file or directory (" + p + ")");
      }
      return null;
    }

    /**
     * What is at a path a fleet file names. Thousands of nodes name the same few contracts and
     * certificates: each distinct path is looked at once per read of the file.
     */
    private enum PathKind {
      COMPOSE_DIRECTORY,
      DIRECTORY_WITHOUT_COMPOSE,
      MISSING,
      READABLE_FILE,
      UNREADABLE_FILE,
      NOT_A_FILE
    }

    private final Map<Path, PathKind> contractKinds = new HashMap<>();
    private final Map<Path, PathKind> fileKinds = new HashMap<>();

    private static PathKind contractKind(Path p) {
      if (Files.isDirectory(p)) {
        for (String name : ComposeLoader.DEFAULT_FILES) {
          if (Files.isRegularFile(p.resolve(name))) {
            return PathKind.COMPOSE_DIRECTORY;
          }
        }
        return PathKind.DIRECTORY_WITHOUT_COMPOSE;
      }
      if (!Files.exists(p)) {
        return PathKind.MISSING;
      }
      return Files.isRegularFile(p) && Files.isReadable(p)
          ? PathKind.READABLE_FILE
          : PathKind.NOT_A_FILE;
    }

    private static PathKind fileKind(Path p) {
      if (!Files.exists(p)) {
        return PathKind.MISSING;
      }
      if (!Files.isRegularFile(p)) {
        return PathKind.NOT_A_FILE;
      }
      return Files.isReadable(p) ? PathKind.READABLE_FILE : PathKind.UNREADABLE_FILE;
    }

    /** A file the control plane reads (certificates, keys): it must exist and be readable. */
    private Path file(Node n, String key) {
      String s = text(n, key);
      if (s == null) {
        return null;
      }
      Path p = resolve(n, key, s);
      if (p == null) {
        return null;
      }
      switch (fileKinds.computeIfAbsent(p, Reader::fileKind)) {
        case READABLE_FILE -> {
          return p;
        }
        case MISSING -> problem(n.mark(), key, "'" + s + "' does not exist (looked for " + p + ")");
        case NOT_A_FILE -> problem(n.mark(), key, "'" + s + "' is not a file (" + p + ")");
        default -> problem(n.mark(), key, "'" + s + "' cannot be read by this user (" + p + ")");
      }
      return null;
    }

    private Path resolve(Node n, String key, String s) {
      if (s.isBlank()) {
        problem(n.mark(), key, "is empty");
        return null;
      }
      try {
        return dir.resolve(s).toAbsolutePath().normalize();
      } catch (java.nio.file.InvalidPathException e) {
        problem(n.mark(), key, "'" + s + "' is not a path (" + e.getReason() + ")");
        return null;
      }
    }

    // ---- auto_update -----------------------------------------------------------------------

    private record AutoUpdateSeen(String node, Fleet.AutoUpdate autoUpdate) {}

    private final Map<String, AutoUpdateSeen> autoUpdates = new HashMap<>();

    private Fleet.AutoUpdate readAutoUpdate(Node n, String key) {
      MapNode m = mapping(n, key);
      if (m == null) {
        return null;
      }
      known(m, key, AUTO_UPDATE_KEYS);
      boolean ok = true;
      CronSchedule schedule = null;
      Node sn = m.get("schedule");
      String s = text(sn, key + ".schedule");
      if (s == null) {
        problem(
            (sn == null ? m : sn).mark(),
            key + ".schedule",
            "is missing; write when the registry is asked, as 5 cron fields in UTC (\"0 3 * * *\")");
        ok = false;
      } else {
        try {
          schedule = CronSchedule.parse(s);
        } catch (IllegalArgumentException e) {
          problem(sn.mark(), key + ".schedule", e.getMessage());
          ok = false;
        }
      }
      List<String> services = new ArrayList<>();
      Node sv = m.get("services");
      if (!(sv instanceof SeqNode seq) || seq.items().isEmpty()) {
        problem(
            (given(sv) ? sv : m).mark(),
            key + ".services",
            given(sv) && !(sv instanceof SeqNode)
                ? "must be a list of the contract's services ([api]), not " + sv.kind()
                : "is missing; list the services whose image tags are followed ([api])");
        ok = false;
      } else {
        for (int i = 0; i < seq.items().size(); i++) {
          Node item = seq.items().get(i);
          String name = text(item, key + ".services[" + i + "]");
          if (name == null || name.isBlank()) {
            problem(item.mark(), key + ".services[" + i + "]", "is empty; name a service");
            ok = false;
          } else if (services.contains(name.strip())) {
            problem(item.mark(), key + ".services[" + i + "]", "'" + name + "' is listed twice");
            ok = false;
          } else {
            services.add(name.strip());
          }
        }
      }
      UpdateWindow window = null;
      Node wn = m.get("window");
      String w = text(wn, key + ".window");
      if (w != null) {
        try {
          window = UpdateWindow.parse(w);
        } catch (IllegalArgumentException e) {
          problem(wn.mark(), key + ".window", e.getMessage());
          ok = false;
        }
      }
      List<String> waves = Fleet.AutoUpdate.DEFAULT_WAVES;
      Node vn = m.get("waves");
      if (given(vn)) {
        if (!(vn instanceof SeqNode vs)) {
          problem(vn.mark(), key + ".waves", "must be a list ([1, 25%, 100%]), not " + vn.kind());
          ok = false;
        } else {
          List<String> items = new ArrayList<>();
          for (int i = 0; i < vs.items().size(); i++) {
            String t = text(vs.items().get(i), key + ".waves[" + i + "]");
            items.add(t == null ? "" : t);
          }
          try {
            // the rollout's own rules: it is what runs them
            waves = Waves.parse(items).entries();
          } catch (SelvedgeException e) {
            problem(vn.mark(), key + ".waves", e.getMessage());
            ok = false;
          }
        }
      }
      Duration gate =
          duration(
              m.get("gate_timeout"), key + ".gate_timeout", Fleet.AutoUpdate.DEFAULT_GATE_TIMEOUT);
      return ok ? new Fleet.AutoUpdate(schedule, services, window, waves, gate) : null;
    }

    // ---- audit -----------------------------------------------------------------------------

    private Fleet.Audit readAudit(Node n) {
      MapNode m = mapping(n, "audit");
      if (m == null) {
        return Fleet.Audit.DEFAULT;
      }
      known(m, "audit", AUDIT_KEYS);
      AuditSchedule schedule = AuditSchedule.DEFAULT;
      Node sn = m.get("schedule");
      String s = text(sn, "audit.schedule");
      if (s != null && !s.isBlank()) {
        schedule = schedule(sn, s.strip().toLowerCase(Locale.ROOT));
      }
      List<String> projects = List.of("*");
      Node pn = m.get("projects");
      if (given(pn)) {
        if (!(pn instanceof SeqNode seq)) {
          problem(
              pn.mark(),
              "audit.projects",
              "must be a list of Compose project names or globs ([tenant-*]), not " + pn.kind());
        } else {
          List<String> globs = new ArrayList<>();
          for (int i = 0; i < seq.items().size(); i++) {
            Node item = seq.items().get(i);
            String g = text(item, "audit.projects[" + i + "]");
            if (g == null || g.isBlank()) {
              problem(item.mark(), "audit.projects[" + i + "]", "is empty; name a project or glob");
            } else {
              globs.add(g.strip());
            }
          }
          if (!globs.isEmpty()) {
            projects = globs;
          }
        }
      }
      return new Fleet.Audit(schedule, projects);
    }

    /** {@code off}, {@code daily}, {@code daily HH:MM} (UTC), {@code every DURATION}. */
    private AuditSchedule schedule(Node n, String s) {
      if (s.equals("off")) {
        return null;
      }
      java.util.regex.Matcher daily = DAILY.matcher(s);
      if (daily.matches()) {
        if (daily.group(1) == null) {
          return AuditSchedule.DEFAULT;
        }
        int h = Integer.parseInt(daily.group(1));
        if (h < 24) {
          return new AuditSchedule(
              java.time.LocalTime.of(h, Integer.parseInt(daily.group(2))), null);
        }
      } else if (s.startsWith("every ")) {
        try {
          Duration d = GoDuration.parse(s.substring("every ".length()).strip());
          if (d.compareTo(AuditSchedule.MIN_EVERY) >= 0) {
            return new AuditSchedule(null, d);
          }
        } catch (IllegalArgumentException e) {
          // reported below
        }
      }
      problem(
          n.mark(),
          "audit.schedule",
          "'"
              + s
              + "' is not a schedule (daily, daily HH:MM in UTC, every DURATION of 1m or more,"
              + " off)");
      return AuditSchedule.DEFAULT;
    }

    // ---- notifications ---------------------------------------------------------------------

    private List<Notification> readNotifications(Node n) {
      if (!given(n)) {
        return List.of();
      }
      if (!(n instanceof SeqNode seq)) {
        problem(
            n.mark(), "notifications", "must be a list of webhooks (- url: ...), not " + n.kind());
        return List.of();
      }
      List<Notification> out = new ArrayList<>();
      for (int i = 0; i < seq.items().size(); i++) {
        Notification w = readNotification(seq.items().get(i), "notifications[" + i + "]");
        if (w != null) {
          out.add(w);
        }
      }
      return out;
    }

    private Notification readNotification(Node n, String path) {
      MapNode m = mapping(n, path);
      if (m == null) {
        if (!given(n)) {
          problem(n.mark(), path, "is empty; give at least its url");
        }
        return null;
      }
      known(m, path, NOTIFICATION_KEYS);
      int before = problems.size();
      URI url = webhookUrl(m, path);
      Notification.Format format = Notification.Format.JSON;
      String f = text(m.get("format"), path + ".format");
      if (f != null) {
        switch (f.strip()) {
          case "json" -> format = Notification.Format.JSON;
          case "slack" -> format = Notification.Format.SLACK;
          default ->
              problem(m.get("format").mark(), path + ".format", "'" + f + "' is not json or slack");
        }
      }
      List<String> events = Notification.NOTABLE_EVENTS;
      Node en = m.get("events");
      if (given(en)) {
        List<String> named = names(en, path + ".events", "[stack.status.changed, drift.detected]");
        for (int i = 0; i < named.size(); i++) {
          if (!Notification.KNOWN_EVENTS.contains(named.get(i))) {
            Node item = en instanceof SeqNode s ? s.items().get(i) : en;
            problem(
                item.mark(),
                path + ".events[" + i + "]",
                "'"
                    + named.get(i)
                    + "' is not an event type a webhook can get (known: "
                    + String.join(", ", Notification.KNOWN_EVENTS)
                    + ")");
          }
        }
        if (!named.isEmpty()) {
          events = named;
        }
      }
      List<String> tags = readTags(m.get("tags"), path + ".tags");
      List<String> envs =
          given(m.get("environments"))
              ? names(m.get("environments"), path + ".environments", "[prod, staging]")
              : List.of();
      Duration remind = null;
      Node rn = m.get("remind");
      String r = text(rn, path + ".remind");
      if (r != null && !r.strip().equals("off")) {
        remind = duration(rn, path + ".remind", null);
        if (remind != null && remind.compareTo(Notification.MIN_REMIND) < 0) {
          problem(
              rn.mark(),
              path + ".remind",
              "'" + r + "' is shorter than 1m; a reminder repeats a message, it is not a stream");
          remind = null;
        }
      }
      Map<String, String> headers = headers(m.get("headers"), path + ".headers");
      if (problems.size() > before || url == null) {
        return null;
      }
      return new Notification(url, format, events, tags, envs, remind, headers);
    }

    private URI webhookUrl(MapNode m, String path) {
      Node un = m.get("url");
      String s = text(un, path + ".url");
      if (un != null && !(un instanceof ScalarNode)) {
        return null; // reported by text()
      }
      if (s == null || s.isBlank()) {
        problem(
            un == null ? m.mark() : un.mark(),
            path + ".url",
            "is required: the webhook's http:// or https:// URL");
        return null;
      }
      URI uri;
      try {
        uri = new URI(s.strip());
      } catch (URISyntaxException e) {
        uri = null;
      }
      // Never the URL itself in a message: a Slack hook's path is its secret.
      if (uri == null
          || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null
          || uri.getRawFragment() != null) {
        problem(
            un.mark(),
            path + ".url",
            "is not an http:// or https:// URL with a host (and no #fragment)");
        return null;
      }
      if (uri.getRawUserInfo() != null) {
        problem(
            un.mark(),
            path + ".url",
            "carries a user and password; put credentials in headers (from an environment"
                + " variable) instead");
        return null;
      }
      return uri;
    }

    /** A list of names (each a single value, no duplicates). */
    private List<String> names(Node n, String path, String example) {
      if (!(n instanceof SeqNode seq)) {
        problem(n.mark(), path, "must be a list (" + example + "), not " + n.kind());
        return List.of();
      }
      Set<String> out = new LinkedHashSet<>();
      for (int i = 0; i < seq.items().size(); i++) {
        Node item = seq.items().get(i);
        String key = path + "[" + i + "]";
        String v = text(item, key);
        if (v == null || v.isBlank()) {
          if (item instanceof ScalarNode) {
            problem(item.mark(), key, "is empty");
          }
        } else if (!out.add(v.strip())) {
          problem(item.mark(), key, "'" + v + "' is listed twice");
        }
      }
      return List.copyOf(out);
    }

    /**
     * Header values with {@code ${VAR}} replaced from the environment. Values are secrets: no
     * message shows one, only the header's name and the variable's.
     */
    private Map<String, String> headers(Node n, String path) {
      MapNode m = mapping(n, path);
      if (m == null) {
        return Map.of();
      }
      Map<String, String> out = new LinkedHashMap<>();
      for (Map.Entry<String, Node> e : m.entries().entrySet()) {
        String name = e.getKey();
        String key = path + "." + name;
        if (!HEADER_NAME.matcher(name).matches()) {
          problem(e.getValue().mark(), key, "'" + name + "' is not a header name");
          continue;
        }
        if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
          problem(e.getValue().mark(), key, "is set by Selvedge itself; leave it out");
          continue;
        }
        String v = text(e.getValue(), key);
        if (v == null) {
          problem(e.getValue().mark(), key, "is empty");
          continue;
        }
        java.util.regex.Matcher ref = ENV_REF.matcher(v);
        StringBuilder value = new StringBuilder();
        boolean ok = true;
        while (ref.find()) {
          String var = ref.group(1);
          String set = environment.get(var);
          if (set == null || set.isEmpty()) {
            problem(
                e.getValue().mark(),
                key,
                "uses ${" + var + "}, which is not set in serve's environment");
            ok = false;
            set = "";
          }
          ref.appendReplacement(value, java.util.regex.Matcher.quoteReplacement(set));
        }
        ref.appendTail(value);
        if (ok && (value.indexOf("\r") >= 0 || value.indexOf("\n") >= 0)) {
          problem(e.getValue().mark(), key, "has a line break in its value");
          ok = false;
        }
        if (ok) {
          out.put(name, value.toString());
        }
      }
      return out;
    }

    // ---- retention -------------------------------------------------------------------------

    private Fleet.Retention readRetention(Node n) {
      Fleet.Retention d = Fleet.Retention.DEFAULT;
      MapNode m = mapping(n, "retention");
      if (m == null) {
        return d;
      }
      known(m, "retention", RETENTION_KEYS);
      Duration audit = d.audit();
      Node a = m.get("audit");
      String text = text(a, "retention.audit");
      if (text != null && text.strip().equals("forever")) {
        audit = null;
      } else {
        audit = retention(a, "retention.audit", d.audit());
        if (given(a) && audit.compareTo(MIN_AUDIT_RETENTION) < 0) {
          problem(
              a.mark(),
              "retention.audit",
              "'"
                  + text
                  + "' is shorter than a day; the audit log is kept at least 1d (or forever)");
          audit = d.audit();
        }
      }
      Duration events = retention(m.get("events"), "retention.events", d.events());
      return new Fleet.Retention(audit, events);
    }

    /**
     * {@code 400d} (days), or a duration as {@code poll} takes them ({@code 720h}, {@code 90m}).
     */
    private Duration retention(Node n, String key, Duration dflt) {
      String s = text(n, key);
      if (s == null) {
        return dflt;
      }
      java.util.regex.Matcher days = DAYS.matcher(s.strip());
      if (days.matches()) {
        Duration d = Duration.ofDays(Long.parseLong(days.group(1)));
        if (d.isZero()) {
          problem(n.mark(), key, "'" + s + "' must be longer than zero");
          return dflt;
        }
        return d;
      }
      try {
        GoDuration.parse(s.strip());
      } catch (IllegalArgumentException e) {
        problem(n.mark(), key, "'" + s + "' is not a duration (400d, 720h, 90m)");
        return dflt;
      }
      return duration(n, key, dflt);
    }

    // ---- cors ------------------------------------------------------------------------------

    private List<String> readCors(Node n) {
      MapNode m = mapping(n, "cors");
      if (m == null) {
        return List.of();
      }
      known(m, "cors", CORS_KEYS);
      Node o = m.get("origins");
      if (!given(o)) {
        return List.of();
      }
      if (!(o instanceof SeqNode seq)) {
        problem(o.mark(), "cors.origins", "must be a list of origins, not " + o.kind());
        return List.of();
      }
      Set<String> origins = new LinkedHashSet<>();
      for (int i = 0; i < seq.items().size(); i++) {
        Node item = seq.items().get(i);
        String key = "cors.origins[" + i + "]";
        String s = text(item, key);
        if (s == null) {
          continue;
        }
        String why = originProblem(s);
        if (why != null) {
          problem(item.mark(), key, "'" + s + "' is not an origin: " + why);
        } else {
          origins.add(s);
        }
      }
      return List.copyOf(origins);
    }

    private static String originProblem(String s) {
      if (s.equals("*")) {
        return "name each origin allowed to call the API (https://ops.example.com); '*' is refused";
      }
      URI uri;
      try {
        uri = new URI(s);
      } catch (URISyntaxException e) {
        uri = null;
      }
      if (uri == null
          || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null
          || uri.getRawUserInfo() != null
          || !uri.getRawPath().isEmpty()
          || uri.getRawQuery() != null
          || uri.getRawFragment() != null) {
        return "write scheme://host[:port] with no path, as a browser sends it"
            + " (https://ops.example.com)";
      }
      if (!s.equals(s.toLowerCase(Locale.ROOT))) {
        return "write it in lower case, as a browser sends it";
      }
      return null;
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static boolean given(Node n) {
      return n != null && !(n instanceof ScalarNode s && s.isNull());
    }

    /** A mapping, or null when absent or null (reported when of another kind). */
    private MapNode mapping(Node n, String key) {
      if (!given(n)) {
        return null;
      }
      if (n instanceof MapNode m) {
        return m;
      }
      problem(n.mark(), key, "must be a mapping, not " + n.kind());
      return null;
    }

    /** A scalar's text, or null when absent or null (reported when a mapping or list). */
    private String text(Node n, String key) {
      if (n == null) {
        return null;
      }
      if (n instanceof ScalarNode s) {
        return s.value();
      }
      problem(n.mark(), key, "must be a single value, not " + n.kind());
      return null;
    }

    private void known(MapNode m, String path, List<String> keys) {
      for (Map.Entry<String, Node> e : m.entries().entrySet()) {
        if (!keys.contains(e.getKey())) {
          unknown(e.getValue(), path + "." + e.getKey(), e.getKey(), keys);
        }
      }
    }

    private void unknown(Node value, String path, String key, List<String> keys) {
      problem(
          value.mark(), path, "unknown key '" + key + "' (known: " + String.join(", ", keys) + ")");
    }

    private void problem(Mark mark, String key, String detail) {
      String location;
      int line = 0;
      if (mark.line() > 0) {
        line = mark.line();
        location = label + ":" + line;
      } else {
        location = mark.file().isEmpty() ? label : mark.file();
      }
      problems.add(new Problem(location, line, key, detail));
    }

    private FleetFileException failed() {
      List<Problem> sorted = new ArrayList<>(problems);
      // The file's lines in order; then what has no line (the file as a whole, overrides).
      sorted.sort(Comparator.comparingInt(p -> p.line() > 0 ? p.line() : Integer.MAX_VALUE));
      if (sorted.size() > MAX_PROBLEMS) {
        int more = sorted.size() - MAX_PROBLEMS;
        sorted = new ArrayList<>(sorted.subList(0, MAX_PROBLEMS));
        sorted.add(new Problem(label, 0, "", "and " + more + " more problems"));
      }
      return new FleetFileException(file, sorted);
    }
  }
}
