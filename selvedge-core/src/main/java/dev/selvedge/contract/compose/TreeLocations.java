package dev.selvedge.contract.compose;

import dev.selvedge.contract.model.Locations;
import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Mark;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.SeqNode;
import java.util.Map;

/**
 * {@link Locations} answered by walking a document tree. Keys may themselves contain dots ({@code
 * com.example.label}), so at each mapping every key that prefixes the rest of the path is tried.
 */
final class TreeLocations implements Locations {
  private final Node root;

  TreeLocations(Node root) {
    this.root = root;
  }

  @Override
  public Mark find(String path) {
    Node n = walk(root, path, 0);
    return n == null ? null : n.mark();
  }

  private static Node walk(Node node, String path, int at) {
    if (at == path.length()) {
      return node;
    }
    if (path.charAt(at) == '[') {
      int close = path.indexOf(']', at);
      if (close < 0 || !(node instanceof SeqNode s)) {
        return null;
      }
      int i;
      try {
        i = Integer.parseInt(path, at + 1, close, 10);
      } catch (NumberFormatException e) {
        return null;
      }
      return i >= 0 && i < s.items().size() ? walk(s.items().get(i), path, close + 1) : null;
    }
    int start = path.charAt(at) == '.' ? at + 1 : at;
    if (!(node instanceof MapNode m)) {
      return null;
    }
    for (Map.Entry<String, Node> e : m.entries().entrySet()) {
      String key = e.getKey();
      int end = start + key.length();
      if (path.startsWith(key, start)
          && (end == path.length() || path.charAt(end) == '.' || path.charAt(end) == '[')) {
        Node found = walk(e.getValue(), path, end);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }
}
