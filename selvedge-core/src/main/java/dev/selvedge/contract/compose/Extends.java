package dev.selvedge.contract.compose;

import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves {@code extends} in one file: a service starts from another service (in the same file or
 * in {@code file:}) and the Compose merge rules apply its own keys on top.
 */
final class Extends {
  /** Reads the file an {@code extends.file} names. */
  interface OtherFile {
    /**
     * @param file the file, resolved against the extending file's directory
     * @param reference the {@code extends.file} value, for errors that point back at it
     * @param path the key path of {@code reference}
     * @return its document, interpolated, with its relative paths made absolute
     */
    MapNode read(Path file, Node reference, String path);
  }

  private final OtherFile readOther;
  private final Map<Path, MapNode> otherFiles = new HashMap<>();

  private Extends(OtherFile readOther) {
    this.readOther = readOther;
  }

  /**
   * @param doc the interpolated document of {@code file}
   * @param readOther reads another file
   */
  static MapNode resolve(MapNode doc, Path file, OtherFile readOther) {
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
    Node fileNode = null;
    if (ext instanceof MapNode m) {
      if (m.get("service") == null) {
        throw Read.error(m, path + ".extends", "extends needs the name of a service");
      }
      baseName = Read.requiredStr(m.get("service"), path + ".extends.service");
      fileNode = m.get("file");
      if (fileNode != null) {
        baseFile =
            file.getParent()
                .resolve(Read.requiredStr(fileNode, path + ".extends.file"))
                .normalize();
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
      MapNode other = otherFiles.get(baseFile);
      if (other == null) {
        other = readOther.read(baseFile, fileNode, path + ".extends.file");
        otherFiles.put(baseFile, other);
      }
      baseServices = other.get("services") instanceof MapNode s ? s : MapNode.empty(other.mark());
    }
    MapNode base = service(baseName, baseServices, baseFile, stack);
    stack.remove(stack.size() - 1);
    return (MapNode) Merger.mergeService(base, svc.without("extends"));
  }
}
