package dev.selvedge.contract.compose;

import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import dev.selvedge.contract.yaml.Tag;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Function;

/**
 * Merges Compose documents the way the Compose Specification combines several files: mappings merge
 * key by key, sequences append, scalars are replaced, with the specification's exceptions (commands
 * replace; ports, volumes, secrets and configs merge by their unique key; environment, labels and
 * the like merge by variable name whether written as a mapping or as {@code KEY=VALUE} strings; and
 * so on). An override value tagged {@code !reset} removes what it names, one tagged {@code
 * !override} replaces instead of merging; the result carries neither tag.
 *
 * <p>Every node of the result is a node of one of the inputs, or is made from one and keeps its
 * {@link dev.selvedge.contract.yaml.Mark}: a replaced value points at the override file, an
 * untouched one at the file it came from. Keys this class does not know merge generically, since
 * validation happens later.
 */
public final class Merger {
  private Merger() {}

  /** How to merge the value of one key present on both sides. */
  @FunctionalInterface
  private interface EntryRule {
    Node merge(String key, Node base, Node override);
  }

  /** Merges a whole Compose document {@code override} onto {@code base}. */
  public static Node merge(Node base, Node override) {
    if (base instanceof MapNode b && override instanceof MapNode o && o.tag() != Tag.OVERRIDE) {
      return mergeMap(b, o, Merger::topLevelEntry);
    }
    return generic(base, override);
  }

  /**
   * Merges one service definition onto another with the same rules as {@link #merge}; for {@code
   * extends}, where the extending service is the override.
   */
  public static Node mergeService(Node base, Node override) {
    if (base instanceof MapNode b && override instanceof MapNode o && o.tag() != Tag.OVERRIDE) {
      return mergeMap(b, o, Merger::serviceEntry);
    }
    return generic(base, override);
  }

  /**
   * Removes duplicate entries from the services' lists: the entry stays where it first appeared and
   * takes the last value given (environment and labels by variable name, volumes, secrets and
   * configs by target, ports by address, target, published port and protocol, capabilities and DNS
   * settings by value, ...). Lists written as mappings are already unique and left alone.
   */
  public static Node enforceUnicity(Node doc) {
    if (!(doc instanceof MapNode root) || !(root.get("services") instanceof MapNode services)) {
      return doc;
    }
    MapNode unique = mapValues(services, (name, svc) -> uniqueService(svc));
    return unique == services ? root : root.with("services", unique);
  }

  // ---- merging ----

  private static MapNode mergeMap(MapNode base, MapNode override, EntryRule rule) {
    Map<String, Node> merged = new HashMap<>();
    for (Map.Entry<String, Node> e : override.entries().entrySet()) {
      Node b = base.get(e.getKey());
      Node o = e.getValue();
      if (b != null && !Trees.isReset(b) && !Trees.isReset(o)) {
        merged.put(
            e.getKey(), o.tag() == Tag.OVERRIDE ? Trees.clean(o) : rule.merge(e.getKey(), b, o));
      }
    }
    LinkedHashMap<String, Node> out = new LinkedHashMap<>();
    for (Map.Entry<String, Node> e : base.entries().entrySet()) {
      String key = e.getKey();
      Node o = override.get(key);
      if (Trees.isReset(e.getValue()) || (o != null && Trees.isReset(o))) {
        continue;
      }
      Node m = merged.get(key);
      out.put(key, m != null ? m : Trees.clean(e.getValue()));
    }
    for (Map.Entry<String, Node> e : override.entries().entrySet()) {
      if (!out.containsKey(e.getKey()) && !Trees.isReset(e.getValue())) {
        out.put(e.getKey(), Trees.clean(e.getValue()));
      }
    }
    return new MapNode(out, base.mark(), Tag.NONE);
  }

  /** The rules every key falls back to: maps merge, lists append, scalars are replaced. */
  private static Node generic(Node base, Node override) {
    if (override.tag() == Tag.OVERRIDE) {
      return Trees.clean(override);
    }
    if (base instanceof MapNode b && override instanceof MapNode o) {
      return mergeMap(b, o, (k, x, y) -> generic(x, y));
    }
    if (base instanceof SeqNode b && override instanceof SeqNode o) {
      return Lists.appendDistinct(b, o);
    }
    if (Trees.isNull(override) && !(base instanceof ScalarNode)) {
      // "net:" with nothing after it declares the entry; it does not erase its settings.
      return Trees.clean(base);
    }
    return Trees.clean(override);
  }

  private static Node topLevelEntry(String key, Node base, Node override) {
    return switch (key) {
      case "services" -> eachEntry(base, override, Merger::mergeService);
      case "networks" -> eachEntry(base, override, Merger::mergeNetwork);
      case "volumes", "secrets", "configs" -> eachEntry(base, override, Merger::mergeResource);
      default -> generic(base, override);
    };
  }

  private static Node eachEntry(Node base, Node override, BinaryOperator<Node> merge) {
    return withRule(base, override, (k, b, o) -> merge.apply(b, o));
  }

  private static Node withRule(Node base, Node override, EntryRule rule) {
    if (base instanceof MapNode b && override instanceof MapNode o) {
      return mergeMap(b, o, rule);
    }
    return generic(base, override);
  }

  private static Node mergeNetwork(Node base, Node override) {
    return withRule(
        base,
        override,
        (k, b, o) ->
            switch (k) {
              case "labels" -> keyValues(b, o, ItemKeys.VARIABLE);
              case "ipam" ->
                  withRule(
                      b,
                      o,
                      (k2, b2, o2) ->
                          k2.equals("config") ? keyed(b2, o2, ItemKeys.SUBNET) : generic(b2, o2));
              default -> generic(b, o);
            });
  }

  private static Node mergeResource(Node base, Node override) {
    return withRule(
        base,
        override,
        (k, b, o) -> k.equals("labels") ? keyValues(b, o, ItemKeys.VARIABLE) : generic(b, o));
  }

  private static Node serviceEntry(String key, Node base, Node override) {
    return switch (key) {
      case "command", "entrypoint" -> Trees.clean(override);
      case "environment", "labels", "annotations", "sysctls" ->
          keyValues(base, override, ItemKeys.VARIABLE);
      case "extra_hosts" -> keyValues(base, override, ItemKeys.EXACT);
      case "build" -> mergeBuild(base, override);
      case "deploy" ->
          withRule(
              base,
              override,
              (k, b, o) -> k.equals("labels") ? keyValues(b, o, ItemKeys.VARIABLE) : generic(b, o));
      case "healthcheck" ->
          withRule(base, override, (k, b, o) -> k.equals("test") ? Trees.clean(o) : generic(b, o));
      case "logging" -> mergeLogging(base, override);
      case "ulimits" -> withRule(base, override, (k, b, o) -> Trees.clean(o));
      case "networks", "models" -> named(base, override, false);
      case "depends_on" -> named(base, override, true);
      case "volumes" -> keyed(base, override, ItemKeys.VOLUME);
      case "secrets" -> keyed(base, override, ItemKeys.SECRET);
      case "configs" -> keyed(base, override, ItemKeys.CONFIG);
      case "ports" -> keyed(base, override, ItemKeys.PORT);
      case "devices" -> keyed(base, override, ItemKeys.DEVICE);
      case "links" -> keyed(base, override, ItemKeys.LINK);
      case "env_file" -> keyed(asList(base), asList(override), ItemKeys.ENV_FILE);
      case "dns", "dns_opt", "dns_search", "tmpfs" -> generic(asList(base), asList(override));
      case "blkio_config" ->
          withRule(
              base,
              override,
              (k, b, o) ->
                  k.startsWith("device_") || k.equals("weight_device")
                      ? keyed(b, o, ItemKeys.DEVICE_PATH)
                      : generic(b, o));
      default -> generic(base, override);
    };
  }

  private static Node mergeBuild(Node base, Node override) {
    // "build: ./dir" is short for "build: {context: ./dir}"; only expand it to meet a mapping.
    Node b = base;
    Node o = override;
    if (b instanceof MapNode && o instanceof ScalarNode s && !s.isNull()) {
      o = new MapNode(Map.of("context", s), s.mark(), Tag.NONE);
    } else if (o instanceof MapNode && b instanceof ScalarNode s && !s.isNull()) {
      b = new MapNode(Map.of("context", s), s.mark(), Tag.NONE);
    }
    return withRule(
        b,
        o,
        (k, x, y) ->
            switch (k) {
              case "args", "labels", "additional_contexts" -> keyValues(x, y, ItemKeys.VARIABLE);
              case "extra_hosts" -> keyValues(x, y, ItemKeys.EXACT);
              default -> generic(x, y);
            });
  }

  /** A changed logging driver makes the base's driver options meaningless, so they are dropped. */
  private static Node mergeLogging(Node base, Node override) {
    if (base instanceof MapNode b && override instanceof MapNode o) {
      String before = b.has("driver") ? Trees.text(b.get("driver")) : null;
      String after = o.has("driver") ? Trees.text(o.get("driver")) : null;
      if (before != null && after != null && !before.equals(after)) {
        return Trees.clean(override);
      }
    }
    return generic(base, override);
  }

  private static Node keyValues(Node base, Node override, Function<Node, String> keyOf) {
    if (isList(base) && isList(override)) {
      return Lists.keyValues(base, override, keyOf);
    }
    return generic(base, override);
  }

  private static boolean isList(Node n) {
    return n instanceof MapNode || n instanceof SeqNode;
  }

  private static Node keyed(Node base, Node override, Function<Node, String> keyOf) {
    if (base instanceof SeqNode b && override instanceof SeqNode o) {
      return Lists.keyed(b, o, keyOf, Merger::combine);
    }
    return generic(base, override);
  }

  /** Two list entries with the same unique key: mappings merge, anything else is replaced. */
  private static Node combine(Node base, Node override) {
    if (override.tag() != Tag.OVERRIDE && base instanceof MapNode && override instanceof MapNode) {
      return generic(base, override);
    }
    return Trees.clean(override);
  }

  /** A single string where a list is allowed ({@code dns: 8.8.8.8}) as a one-item list. */
  private static Node asList(Node n) {
    if (n instanceof ScalarNode s && !s.isNull()) {
      return new SeqNode(List.of(s.withTag(Tag.NONE)), s.mark(), Tag.NONE);
    }
    return n;
  }

  /**
   * {@code networks}, {@code models} and {@code depends_on} list names or map names to settings;
   * when both sides are given they merge as mappings. A name listed in the override does not erase
   * the settings the base gives it; with {@code startedByDefault}, a name listed only in short form
   * gets the long form's default condition.
   */
  private static Node named(Node base, Node override, boolean startedByDefault) {
    Node b = asNamed(base);
    Node o = asNamed(override);
    if (!(b instanceof MapNode bm) || !(o instanceof MapNode om)) {
      return generic(base, override);
    }
    MapNode merged = mergeMap(bm, om, (k, x, y) -> generic(x, y));
    if (!startedByDefault) {
      return merged;
    }
    return mapValues(
        merged,
        (name, v) ->
            Trees.isNull(v)
                ? new MapNode(
                    Map.of(
                        "condition", new ScalarNode("service_started", true, v.mark(), Tag.NONE)),
                    v.mark(),
                    Tag.NONE)
                : v);
  }

  private static Node asNamed(Node n) {
    if (!(n instanceof SeqNode s)) {
      return n;
    }
    LinkedHashMap<String, Node> names = new LinkedHashMap<>();
    for (Node item : s.items()) {
      if (!(item instanceof ScalarNode name) || name.isNull()) {
        return n;
      }
      names.put(name.value(), new ScalarNode(null, true, name.mark(), name.tag()));
    }
    return new MapNode(names, s.mark(), s.tag());
  }

  // ---- unicity ----

  private static Node uniqueService(Node service) {
    if (!(service instanceof MapNode svc)) {
      return service;
    }
    return mapValues(
        svc,
        (key, v) ->
            switch (key) {
              case "environment", "labels", "annotations", "sysctls" ->
                  unique(v, ItemKeys.VARIABLE);
              case "extra_hosts",
                  "dns",
                  "dns_opt",
                  "dns_search",
                  "tmpfs",
                  "cap_add",
                  "cap_drop",
                  "expose",
                  "profiles",
                  "external_links",
                  "security_opt",
                  "group_add",
                  "volumes_from",
                  "device_cgroup_rules" ->
                  unique(v, ItemKeys.EXACT);
              case "volumes" -> unique(v, ItemKeys.VOLUME);
              case "secrets" -> unique(v, ItemKeys.SECRET);
              case "configs" -> unique(v, ItemKeys.CONFIG);
              case "ports" -> unique(v, ItemKeys.PORT);
              case "devices" -> unique(v, ItemKeys.DEVICE);
              case "env_file" -> unique(v, ItemKeys.ENV_FILE);
              case "links" -> unique(v, ItemKeys.LINK);
              case "build" ->
                  v instanceof MapNode build
                      ? mapValues(
                          build,
                          (k, x) ->
                              switch (k) {
                                case "args", "labels", "additional_contexts" ->
                                    unique(x, ItemKeys.VARIABLE);
                                case "extra_hosts", "tags", "platforms", "cache_from", "cache_to" ->
                                    unique(x, ItemKeys.EXACT);
                                default -> x;
                              })
                      : v;
              case "deploy" ->
                  v instanceof MapNode deploy
                      ? mapValues(
                          deploy, (k, x) -> k.equals("labels") ? unique(x, ItemKeys.VARIABLE) : x)
                      : v;
              default -> v;
            });
  }

  private static Node unique(Node n, Function<Node, String> keyOf) {
    return n instanceof SeqNode s ? Lists.unique(s, keyOf) : n;
  }

  /** {@code map} with each value passed through {@code f}; {@code map} itself if none changed. */
  private static MapNode mapValues(MapNode map, BiFunction<String, Node, Node> f) {
    LinkedHashMap<String, Node> out = null;
    for (Map.Entry<String, Node> e : map.entries().entrySet()) {
      Node v = f.apply(e.getKey(), e.getValue());
      if (v != e.getValue() && out == null) {
        out = new LinkedHashMap<>(map.entries());
      }
      if (out != null) {
        out.put(e.getKey(), v);
      }
    }
    return out == null ? map : new MapNode(out, map.mark(), map.tag());
  }
}
