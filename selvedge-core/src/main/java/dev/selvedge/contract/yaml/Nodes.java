package dev.selvedge.contract.yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Conversions of {@link Node} trees at the edges: to plain Java values for JSON and YAML output.
 */
public final class Nodes {
  private Nodes() {}

  /**
   * The tree as {@code LinkedHashMap}, {@code ArrayList}, and core-schema scalars (String, Long,
   * Double, Boolean, null). For output and for comparing documents in tests only.
   */
  public static Object toJava(Node node) {
    return switch (node) {
      case ScalarNode s -> s.resolved();
      case SeqNode s -> {
        List<Object> out = new ArrayList<>(s.items().size());
        for (Node item : s.items()) {
          out.add(toJava(item));
        }
        yield out;
      }
      case MapNode m -> {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : m.entries().entrySet()) {
          out.put(e.getKey(), toJava(e.getValue()));
        }
        yield out;
      }
    };
  }

  /** Reads {@code text} as YAML and converts it with {@link #toJava(Node)}. */
  public static Object parseToJava(String text) {
    return toJava(YamlReader.read("<inline>", text));
  }
}
