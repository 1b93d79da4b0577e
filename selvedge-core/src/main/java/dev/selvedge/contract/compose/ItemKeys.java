package dev.selvedge.contract.compose;

import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What makes two list items "the same entry" for the merge and for unicity. A key function returns
 * null when an item has no usable key; such items are never merged with others.
 */
final class ItemKeys {
  private ItemKeys() {}

  /** Whole-value identity: {@code cap_add}, {@code dns}, {@code extra_hosts}, ... */
  static final Function<Node, String> EXACT = Trees::canonical;

  /** {@code KEY=VALUE} and {@code KEY} entries (environment, labels, build args): the key. */
  static final Function<Node, String> VARIABLE =
      n -> {
        if (n instanceof ScalarNode s && !s.isNull()) {
          int eq = s.value().indexOf('=');
          return eq < 0 ? s.value() : s.value().substring(0, eq);
        }
        return Trees.canonical(n);
      };

  /** Service volumes: the path inside the container. */
  static final Function<Node, String> VOLUME =
      n -> {
        if (n instanceof MapNode m) {
          return field(m, "target");
        }
        String s = Trees.text(n);
        if (s == null) {
          return null;
        }
        List<String> parts = splitPaths(s);
        return parts.size() == 1 ? parts.get(0) : parts.get(1);
      };

  /** Devices: the path inside the container, which is the host path when only one is given. */
  static final Function<Node, String> DEVICE =
      n -> {
        if (n instanceof MapNode m) {
          String target = field(m, "target");
          return target != null ? target : field(m, "source");
        }
        String s = Trees.text(n);
        if (s == null) {
          return null;
        }
        List<String> parts = splitPaths(s);
        return parts.size() == 1 ? parts.get(0) : parts.get(1);
      };

  /** Secrets of a service: the mount target, {@code /run/secrets/<source>} by default. */
  static final Function<Node, String> SECRET = n -> mountTarget(n, "/run/secrets/");

  /** Configs of a service: the mount target, {@code /<source>} by default. */
  static final Function<Node, String> CONFIG = n -> mountTarget(n, "/");

  /**
   * Ports: short syntax by its full text; long syntax by host address, target, published port and
   * protocol (the Compose Specification's unique key).
   */
  static final Function<Node, String> PORT =
      n -> {
        if (n instanceof MapNode m) {
          String protocol = field(m, "protocol");
          return "long|"
              + nonNull(field(m, "host_ip"))
              + '|'
              + nonNull(field(m, "target"))
              + '|'
              + nonNull(field(m, "published"))
              + '|'
              + (protocol == null ? "tcp" : protocol);
        }
        String s = Trees.text(n);
        return s == null ? null : "short|" + s.strip();
      };

  /** {@code env_file}: the file path, whether written as a string or as {@code path:}. */
  static final Function<Node, String> ENV_FILE =
      n -> n instanceof MapNode m ? field(m, "path") : Trees.text(n);

  /** Links ({@code service}, {@code service:alias}): the linked service. */
  static final Function<Node, String> LINK =
      n -> {
        String s = Trees.text(n);
        if (s == null) {
          return null;
        }
        for (int i = 0; i < s.length(); i++) {
          char c = s.charAt(i);
          if (c == ':' || c == '=') {
            return s.substring(0, i);
          }
        }
        return s;
      };

  /** Network IPAM pools: the subnet. */
  static final Function<Node, String> SUBNET =
      n -> n instanceof MapNode m ? field(m, "subnet") : null;

  /** {@code blkio_config} device limits: the device path. */
  static final Function<Node, String> DEVICE_PATH =
      n -> n instanceof MapNode m ? field(m, "path") : null;

  private static String mountTarget(Node n, String defaultDir) {
    if (n instanceof MapNode m) {
      String target = field(m, "target");
      if (target != null) {
        return target.startsWith("/") ? target : defaultDir + target;
      }
      String source = field(m, "source");
      return source == null ? null : defaultDir + source;
    }
    String s = Trees.text(n);
    return s == null ? null : defaultDir + s;
  }

  private static String field(MapNode m, String key) {
    Node v = m.get(key);
    return v == null ? null : Trees.text(v);
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  /**
   * Splits {@code source:target:mode} on colons, keeping a Windows drive letter ({@code C:\data})
   * with its path.
   */
  static List<String> splitPaths(String spec) {
    List<String> raw = List.of(spec.split(":", -1));
    List<String> parts = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      String part = raw.get(i);
      // "c:/c" is the volume c at /c; only "C:\x" or "C:/x:/y" are drive paths.
      boolean drive =
          part.length() == 1
              && Character.isLetter(part.charAt(0))
              && i + 1 < raw.size()
              && (raw.get(i + 1).startsWith("\\")
                  || (raw.get(i + 1).startsWith("/")
                      && i + 2 < raw.size()
                      && raw.get(i + 2).startsWith("/")));
      if (drive) {
        parts.add(part + ":" + raw.get(++i));
      } else {
        parts.add(part);
      }
    }
    return parts;
  }
}
