package dev.selvedge.contract.yaml;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A mapping with string keys, in document order. The map is unmodifiable. */
public record MapNode(Map<String, Node> entries, Mark mark, Tag tag) implements Node {
  public MapNode {
    entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
  }

  public static MapNode empty(Mark mark) {
    return new MapNode(Map.of(), mark, Tag.NONE);
  }

  public Node get(String key) {
    return entries.get(key);
  }

  public boolean has(String key) {
    return entries.containsKey(key);
  }

  /** A copy with {@code key} set (appended when new, replaced in place otherwise). */
  public MapNode with(String key, Node value) {
    LinkedHashMap<String, Node> copy = new LinkedHashMap<>(entries);
    copy.put(key, value);
    return new MapNode(copy, mark, tag);
  }

  /** A copy without {@code key}. */
  public MapNode without(String key) {
    LinkedHashMap<String, Node> copy = new LinkedHashMap<>(entries);
    copy.remove(key);
    return new MapNode(copy, mark, tag);
  }

  @Override
  public MapNode withTag(Tag newTag) {
    return new MapNode(entries, mark, newTag);
  }

  @Override
  public String kind() {
    return "a mapping";
  }
}
