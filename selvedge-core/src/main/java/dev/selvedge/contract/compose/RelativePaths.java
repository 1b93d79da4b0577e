package dev.selvedge.contract.compose;

import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the relative host paths of a document absolute against its own directory. Needed before a
 * document from another directory ({@code include}, {@code extends: file:}) is merged into the
 * project, because the project resolves what is still relative against its own directory.
 */
final class RelativePaths {
  private RelativePaths() {}

  static MapNode absolutize(MapNode doc, Path dir) {
    MapNode out = doc;
    if (doc.get("services") instanceof MapNode services) {
      LinkedHashMap<String, Node> fixed = new LinkedHashMap<>();
      for (Map.Entry<String, Node> e : services.entries().entrySet()) {
        fixed.put(
            e.getKey(), e.getValue() instanceof MapNode svc ? service(svc, dir) : e.getValue());
      }
      out = out.with("services", new MapNode(fixed, services.mark(), services.tag()));
    }
    for (String section : List.of("secrets", "configs")) {
      if (out.get(section) instanceof MapNode defs) {
        LinkedHashMap<String, Node> fixed = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : defs.entries().entrySet()) {
          Node v = e.getValue();
          if (v instanceof MapNode d && d.get("file") instanceof ScalarNode f) {
            v = d.with("file", resolve(f, dir));
          }
          fixed.put(e.getKey(), v);
        }
        out = out.with(section, new MapNode(fixed, defs.mark(), defs.tag()));
      }
    }
    return out;
  }

  static MapNode service(MapNode svc, Path dir) {
    MapNode out = svc;
    Node build = svc.get("build");
    if (build instanceof ScalarNode s) {
      out = out.with("build", resolve(s, dir));
    } else if (build instanceof MapNode b) {
      Node ctx = b.get("context");
      out =
          out.with(
              "build",
              ctx instanceof ScalarNode s
                  ? b.with("context", resolveContext(s, dir))
                  : b.with("context", new ScalarNode(dir.toString(), false, b.mark(), b.tag())));
    }
    Node envFile = svc.get("env_file");
    if (envFile instanceof ScalarNode s) {
      out = out.with("env_file", resolve(s, dir));
    } else if (envFile instanceof SeqNode seq) {
      List<Node> items = new ArrayList<>();
      for (Node item : seq.items()) {
        if (item instanceof ScalarNode s) {
          items.add(resolve(s, dir));
        } else if (item instanceof MapNode m && m.get("path") instanceof ScalarNode s) {
          items.add(m.with("path", resolve(s, dir)));
        } else {
          items.add(item);
        }
      }
      out = out.with("env_file", new SeqNode(items, seq.mark(), seq.tag()));
    }
    if (svc.get("volumes") instanceof SeqNode vols) {
      List<Node> items = new ArrayList<>();
      for (Node item : vols.items()) {
        items.add(volume(item, dir));
      }
      out = out.with("volumes", new SeqNode(items, vols.mark(), vols.tag()));
    }
    if (svc.get("extends") instanceof MapNode ext && ext.get("file") instanceof ScalarNode f) {
      out = out.with("extends", ext.with("file", resolve(f, dir)));
    }
    return out;
  }

  private static Node volume(Node item, Path dir) {
    if (item instanceof ScalarNode s && s.value() != null) {
      String v = s.value();
      if (v.startsWith("./") || v.startsWith("../") || v.equals(".") || v.startsWith(".:")) {
        int colon = v.indexOf(':');
        String src = colon < 0 ? v : v.substring(0, colon);
        String rest = colon < 0 ? "" : v.substring(colon);
        return s.withValue(dir.resolve(src).normalize() + rest);
      }
      return item;
    }
    if (item instanceof MapNode m
        && m.get("type") instanceof ScalarNode t
        && "bind".equals(t.value())
        && m.get("source") instanceof ScalarNode src) {
      return m.with("source", resolve(src, dir));
    }
    return item;
  }

  private static ScalarNode resolve(ScalarNode s, Path dir) {
    String v = s.value();
    if (v == null || v.startsWith("~") || Path.of(v).isAbsolute()) {
      return s;
    }
    return s.withValue(dir.resolve(v).normalize().toString());
  }

  private static ScalarNode resolveContext(ScalarNode s, Path dir) {
    String v = s.value();
    if (v != null && (v.contains("://") || v.startsWith("git@"))) {
      return s;
    }
    return resolve(s, dir);
  }
}
