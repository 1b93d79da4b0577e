package dev.selvedge.contract.compose;

import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import dev.selvedge.contract.yaml.Tag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Small helpers over {@link Node} trees shared by the merge and unicity code. */
final class Trees {
  private Trees() {}

  static boolean isReset(Node n) {
    return n.tag() == Tag.RESET;
  }

  static boolean isNull(Node n) {
    return n instanceof ScalarNode s && s.isNull();
  }

  /** The text of a scalar, or null for YAML null and for collections. */
  static String text(Node n) {
    return n instanceof ScalarNode s ? s.value() : null;
  }

  /**
   * The tree without merge tags: entries and items tagged {@code !reset} are dropped and {@code
   * !override} tags cleared. Returns the same instance when there is nothing to change, so
   * untouched subtrees of a large document are not copied.
   */
  static Node clean(Node n) {
    // instanceof rather than a pattern switch: a type switch spins a class at run time on first
    // use, which a short CLI run pays for (the AOT cache cannot hold it).
    if (n instanceof ScalarNode s) {
      return s.tag() == Tag.NONE ? s : s.withTag(Tag.NONE);
    }
    if (n instanceof SeqNode s) {
      List<Node> items = null;
      for (int i = 0; i < s.items().size(); i++) {
        Node item = s.items().get(i);
        Node cleaned = isReset(item) ? null : clean(item);
        if (items == null && cleaned != item) {
          items = new ArrayList<>(s.items().subList(0, i));
        }
        if (items != null && cleaned != null) {
          items.add(cleaned);
        }
      }
      if (items == null) {
        return s.tag() == Tag.NONE ? s : s.withTag(Tag.NONE);
      }
      return new SeqNode(items, s.mark(), Tag.NONE);
    }
    MapNode m = (MapNode) n;
    LinkedHashMap<String, Node> entries = null;
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      Node value = e.getValue();
      Node cleaned = isReset(value) ? null : clean(value);
      if (entries == null && cleaned != value) {
        entries = new LinkedHashMap<>();
        for (Map.Entry<String, Node> before : m.entries().entrySet()) {
          if (before.getKey().equals(e.getKey())) {
            break;
          }
          entries.put(before.getKey(), before.getValue());
        }
      }
      if (entries != null && cleaned != null) {
        entries.put(e.getKey(), cleaned);
      }
    }
    if (entries == null) {
      return m.tag() == Tag.NONE ? m : m.withTag(Tag.NONE);
    }
    return new MapNode(entries, m.mark(), Tag.NONE);
  }

  /**
   * A string that is equal for structurally equal nodes, ignoring marks, quoting and the order of
   * mapping keys. Used to compare list items written as mappings.
   */
  static String canonical(Node n) {
    StringBuilder sb = new StringBuilder();
    canonical(n, sb);
    return sb.toString();
  }

  private static void canonical(Node n, StringBuilder sb) {
    // instanceof rather than a pattern switch: a type switch spins a class at run time on first
    // use, which a short CLI run pays for (the AOT cache cannot hold it).
    if (n instanceof ScalarNode s) {
      if (s.isNull()) {
        sb.append('~');
      } else {
        sb.append('"').append(s.value().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      }
    } else if (n instanceof SeqNode s) {
      sb.append('[');
      for (Node item : s.items()) {
        canonical(item, sb);
        sb.append(',');
      }
      sb.append(']');
    } else {
      sb.append('{');
      for (Map.Entry<String, Node> e : new TreeMap<>(((MapNode) n).entries()).entrySet()) {
        sb.append('"').append(e.getKey().replace("\"", "\\\"")).append("\":");
        canonical(e.getValue(), sb);
        sb.append(',');
      }
      sb.append('}');
    }
  }
}
