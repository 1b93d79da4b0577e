package dev.selvedge.contract.compose;

import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import dev.selvedge.contract.yaml.Tag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BinaryOperator;
import java.util.function.Function;

/** Merging and de-duplicating sequences, in time linear in their length. */
final class Lists {
  private Lists() {}

  /**
   * Appends the override's items to the base's, skipping scalars the result already holds. An
   * override item tagged {@code !reset} removes equal items instead.
   */
  static SeqNode appendDistinct(SeqNode base, SeqNode override) {
    return keyed(base, override, Lists::scalarIdentity, (b, o) -> b);
  }

  private static String scalarIdentity(Node n) {
    return n instanceof ScalarNode ? Trees.canonical(n) : null;
  }

  /**
   * Merges two lists whose items have a unique key: an override item whose key is already present
   * is combined with that entry in place, others are appended. Items without a key are appended.
   */
  static SeqNode keyed(
      SeqNode base, SeqNode override, Function<Node, String> keyOf, BinaryOperator<Node> combine) {
    List<Node> out = new ArrayList<>(base.items().size() + override.items().size());
    List<String> keys = new ArrayList<>(out.size());
    Map<String, Integer> index = new HashMap<>();
    for (Node item : base.items()) {
      if (Trees.isReset(item)) {
        continue;
      }
      String key = keyOf.apply(item);
      if (key != null) {
        index.putIfAbsent(key, out.size());
      }
      out.add(Trees.clean(item));
      keys.add(key);
    }
    Set<String> reset = new HashSet<>();
    for (Node item : override.items()) {
      String key = keyOf.apply(item);
      if (Trees.isReset(item)) {
        if (key != null) {
          reset.add(key);
          index.remove(key);
        }
        continue;
      }
      Integer at = key == null ? null : index.get(key);
      if (at != null) {
        out.set(at, combine.apply(out.get(at), item));
      } else {
        if (key != null) {
          index.put(key, out.size());
        }
        out.add(Trees.clean(item));
        keys.add(key);
      }
    }
    if (!reset.isEmpty()) {
      List<Node> kept = new ArrayList<>(out.size());
      for (int i = 0; i < out.size(); i++) {
        String key = keys.get(i);
        boolean dropped =
            key != null && reset.contains(key) && !Integer.valueOf(i).equals(index.get(key));
        if (!dropped) {
          kept.add(out.get(i));
        }
      }
      out = kept;
    }
    return new SeqNode(out, base.mark(), Tag.NONE);
  }

  /**
   * Merges two {@code KEY=VALUE} lists, either of which may be written as a mapping: entries are
   * matched by {@code keyOf}, an override entry replaces the base's in place, new ones are
   * appended. The result is always the sequence form.
   */
  static SeqNode keyValues(Node base, Node override, Function<Node, String> keyOf) {
    LinkedHashMap<String, Node> merged = new LinkedHashMap<>();
    for (Node entry : asEntries(base)) {
      if (!Trees.isReset(entry)) {
        merged.put(keyOf.apply(entry), Trees.clean(entry));
      }
    }
    for (Node entry : asEntries(override)) {
      String key = keyOf.apply(entry);
      if (Trees.isReset(entry)) {
        merged.remove(key);
      } else {
        merged.put(key, Trees.clean(entry));
      }
    }
    return new SeqNode(new ArrayList<>(merged.values()), base.mark(), Tag.NONE);
  }

  /**
   * The entries of a {@code KEY=VALUE} list. A mapping becomes {@code KEY=VALUE} strings ({@code
   * KEY} alone for a null value, one entry per item for a list value) in key order, so the result
   * does not depend on how a file happened to order its keys. A {@code !reset} on a mapping value
   * is carried to its entries.
   */
  static List<Node> asEntries(Node node) {
    // instanceof rather than a pattern switch: a type switch spins a class at run time on first
    // use, which a short CLI run pays for (the AOT cache cannot hold it).
    if (node instanceof SeqNode s) {
      return s.items();
    }
    if (node instanceof ScalarNode s) {
      return s.isNull() ? List.of() : List.of(s);
    }
    MapNode m = (MapNode) node;
    List<Node> out = new ArrayList<>(m.entries().size());
    for (Map.Entry<String, Node> e : new TreeMap<>(m.entries()).entrySet()) {
      String key = e.getKey();
      Node value = e.getValue();
      if (value instanceof SeqNode values) {
        for (Node v : values.items()) {
          out.add(entry(key, v, value.tag()));
        }
      } else {
        out.add(entry(key, value, value.tag()));
      }
    }
    return out;
  }

  private static Node entry(String key, Node value, Tag tag) {
    String text =
        value instanceof ScalarNode s
            ? (s.isNull() ? key : key + "=" + s.value())
            : key + "=" + Trees.canonical(value);
    return new ScalarNode(text, false, value.mark(), tag == Tag.RESET ? Tag.RESET : Tag.NONE);
  }

  /**
   * Removes items with the same key: the entry stays where it first appeared and takes the last
   * value given for it (so a later {@code FOO=2} wins over an earlier {@code FOO=1}). Items without
   * a key are kept. Returns {@code seq} itself when nothing is removed.
   */
  static SeqNode unique(SeqNode seq, Function<Node, String> keyOf) {
    LinkedHashMap<Object, Node> byKey = new LinkedHashMap<>();
    boolean duplicates = false;
    for (Node item : seq.items()) {
      String key = keyOf.apply(item);
      Object slot = key != null ? key : new Object();
      duplicates |= byKey.put(slot, item) != null;
    }
    if (!duplicates) {
      return seq;
    }
    return new SeqNode(new ArrayList<>(byKey.values()), seq.mark(), seq.tag());
  }
}
