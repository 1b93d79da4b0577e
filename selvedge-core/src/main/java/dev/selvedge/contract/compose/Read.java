package dev.selvedge.contract.compose;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed reads from the YAML tree. Every failure is a {@link ContractException} naming the file,
 * line and key path and the type that was expected, so a wrong type never slips into the model.
 */
final class Read {
  private Read() {}

  static String path(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  static String index(String parent, int i) {
    return parent + "[" + i + "]";
  }

  static ContractException error(Node node, String path, String message) {
    return new ContractException(node.mark(), path, message);
  }

  static MapNode map(Node node, String path) {
    if (node instanceof MapNode m) {
      return m;
    }
    if (node instanceof ScalarNode s && s.isNull()) {
      return MapNode.empty(node.mark());
    }
    throw error(node, path, "must be a mapping, found " + node.kind());
  }

  static SeqNode seq(Node node, String path) {
    if (node instanceof SeqNode s) {
      return s;
    }
    if (node instanceof ScalarNode s && s.isNull()) {
      return new SeqNode(List.of(), node.mark(), node.tag());
    }
    throw error(node, path, "must be a list, found " + node.kind());
  }

  /** A scalar as text; null for YAML null. Mappings and lists are refused. */
  static String str(Node node, String path) {
    if (node instanceof ScalarNode s) {
      return s.value();
    }
    throw error(node, path, "must be a string, found " + node.kind());
  }

  static String requiredStr(Node node, String path) {
    String s = str(node, path);
    if (s == null || s.isEmpty()) {
      throw error(node, path, "must not be empty");
    }
    return s;
  }

  static boolean bool(Node node, String path) {
    Boolean b = optBool(node, path);
    return b != null && b;
  }

  static Boolean optBool(Node node, String path) {
    String s = str(node, path);
    if (s == null) {
      return null;
    }
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> Boolean.TRUE;
      case "false", "no", "off" -> Boolean.FALSE;
      default -> throw error(node, path, "must be true or false, found '" + s + "'");
    };
  }

  static Integer optInt(Node node, String path) {
    String s = str(node, path);
    if (s == null) {
      return null;
    }
    try {
      return Integer.valueOf(s.trim());
    } catch (NumberFormatException e) {
      throw error(node, path, "must be a whole number, found '" + s + "'");
    }
  }

  static Long optLong(Node node, String path) {
    String s = str(node, path);
    if (s == null) {
      return null;
    }
    try {
      return Long.valueOf(s.trim());
    } catch (NumberFormatException e) {
      throw error(node, path, "must be a whole number, found '" + s + "'");
    }
  }

  static Duration duration(Node node, String path) {
    String s = str(node, path);
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return GoDuration.parse(s);
    } catch (IllegalArgumentException e) {
      throw error(node, path, "must be a duration such as 30s, 1m30s or 2h, found '" + s + "'");
    }
  }

  static Long byteSize(Node node, String path) {
    String s = str(node, path);
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return ByteSize.parse(s);
    } catch (IllegalArgumentException e) {
      throw error(node, path, "must be a size such as 512m or 1g, found '" + s + "'");
    }
  }

  /** A list of strings, or a single string taken as a one-item list. */
  static List<String> strings(Node node, String path) {
    if (node instanceof ScalarNode s) {
      return s.isNull() ? List.of() : List.of(s.value());
    }
    SeqNode seq = seq(node, path);
    List<String> out = new ArrayList<>(seq.items().size());
    for (int i = 0; i < seq.items().size(); i++) {
      String v = str(seq.items().get(i), index(path, i));
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }

  /**
   * Compose's plain mapping (labels, annotations, sysctls, driver and logging options): written as
   * a mapping or as a list of {@code KEY=VALUE}, where a bare {@code KEY} and a null value both
   * mean the empty string, as docker compose renders them. Unlike {@link #dict}, nothing here is
   * looked up in the environment.
   */
  static LinkedHashMap<String, String> mapping(Node node, String path) {
    LinkedHashMap<String, String> out = dict(node, path);
    out.replaceAll((key, value) -> value == null ? "" : value);
    return out;
  }

  /**
   * A mapping of strings, written either as a mapping or as a list of {@code KEY=VALUE} (a bare
   * {@code KEY} has no value: null, for the caller to look up where Compose runs). Used for
   * environment and build args; other mappings are {@link #mapping}.
   */
  static LinkedHashMap<String, String> dict(Node node, String path) {
    LinkedHashMap<String, String> out = new LinkedHashMap<>();
    if (node instanceof MapNode m) {
      for (Map.Entry<String, Node> e : m.entries().entrySet()) {
        out.put(e.getKey(), str(e.getValue(), path(path, e.getKey())));
      }
      return out;
    }
    SeqNode seq = seq(node, path);
    for (int i = 0; i < seq.items().size(); i++) {
      String item = str(seq.items().get(i), index(path, i));
      if (item == null) {
        continue;
      }
      int eq = item.indexOf('=');
      if (eq == 0) {
        throw error(seq.items().get(i), index(path, i), "entry '" + item + "' has no key");
      }
      if (eq < 0) {
        out.put(item, null);
      } else {
        out.put(item.substring(0, eq), item.substring(eq + 1));
      }
    }
    return out;
  }
}
