package dev.selvedge.contract.compose;

import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Resolves {@code extends} in one file: a service starts from another service (in the same file or
 * in {@code file:}) and the Compose merge rules apply its own keys on top.
 */
final class Extends {
  private final Function<Path, MapNode> readOther;
  private final Map<Path, MapNode> otherFiles = new HashMap<>();

  private Extends(Function<Path, MapNode> readOther) {
    this.readOther = readOther;
  }

  /**
   * @param doc the interpolated document of {@code file}
   * @param readOther reads another file, interpolated, with its relative paths made absolute
   */
  static MapNode resolve(MapNode doc, Path file, Function<Path, MapNode> readOther) {
    if (!(doc.get("services") instanceof MapNode services)) {
      return doc;
    }
    boolean any = false;
    for (Node s : services.entries().values()) {
      if (s instanceof MapNode m && m.has("extends")) {
        any = true;
        break;
      }
    }
    if (!any) {
      return doc;
    }
    Extends ext = new Extends(readOther);
    LinkedHashMap<String, Node> out = new LinkedHashMap<>();
    for (Map.Entry<String, Node> e : services.entries().entrySet()) {
      out.put(
          e.getKey(),
          e.getValue() instanceof MapNode
              ? ext.service(e.getKey(), services, file, new ArrayList<>())
              : e.getValue());
    }
    return doc.with("services", new MapNode(out, services.mark(), services.tag()));
  }

  private MapNode service(String name, MapNode services, Path file, List<String> stack) {
    String path = "services." + name;
    Node raw = services.get(name);
    if (raw == null) {
      throw Read.error(
          services, path, "extends refers to service '" + name + "', which " + file + " lacks");
    }
    MapNode svc = Read.map(raw, path);
    Node ext = svc.get("extends");
    if (ext == null) {
      return svc;
    }
    String key = file + "#" + name;
    if (stack.contains(key)) {
      stack.add(key);
      throw Read.error(ext, path + ".extends", "extends cycle: " + String.join(" -> ", stack));
    }
    stack.add(key);
    String baseName;
    Path baseFile = file;
    if (ext instanceof MapNode m) {
      if (m.get("service") == null) {
        throw Read.error(m, path + ".extends", "extends needs the name of a service");
      }
      baseName = Read.requiredStr(m.get("service"), path + ".extends.service");
      Node f = m.get("file");
      if (f != null) {
        baseFile =
            file.getParent().resolve(Read.requiredStr(f, path + ".extends.file")).normalize();
      }
      for (String k : m.entries().keySet()) {
        if (!k.equals("service") && !k.equals("file")) {
          throw Read.error(m.get(k), path + ".extends." + k, "unknown key '" + k + "' in extends");
        }
      }
    } else {
      baseName = Read.requiredStr(ext, path + ".extends");
    }
    MapNode baseServices = services;
    if (!baseFile.equals(file)) {
      MapNode other = otherFiles.computeIfAbsent(baseFile, readOther);
      baseServices = other.get("services") instanceof MapNode s ? s : MapNode.empty(other.mark());
    }
    MapNode base = service(baseName, baseServices, baseFile, stack);
    stack.remove(stack.size() - 1);
    return (MapNode) Merger.mergeService(base, svc.without("extends"));
  }
}
