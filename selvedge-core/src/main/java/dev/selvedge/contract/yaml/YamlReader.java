package dev.selvedge.contract.yaml;

import dev.selvedge.contract.ContractException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Reads one YAML document into a {@link Node} tree, refusing hostile input quickly: files over
 * {@link #MAX_BYTES}, alias bombs, and nesting deeper than {@link #MAX_DEPTH}. Supports the YAML
 * merge key {@code <<} (Compose files use it with anchors) and the Compose tags {@code !reset} and
 * {@code !override}.
 */
public final class YamlReader {
  /** Larger Compose files than this are refused; real ones are a few hundred kilobytes at most. */
  public static final int MAX_BYTES = 8 * 1024 * 1024;

  public static final int MAX_DEPTH = 64;

  /** Nodes after alias expansion; stops "billion laughs" documents. */
  public static final int MAX_NODES = 2_000_000;

  private static final String RESET = "!reset";
  private static final String OVERRIDE = "!override";

  private YamlReader() {}

  /**
   * Parses {@code text} read from {@code file}. An empty document is an empty mapping.
   *
   * @throws ContractException naming the file and line when the YAML is malformed or too large
   */
  public static Node read(String file, String text) {
    if (text.length() > MAX_BYTES) {
      throw new ContractException(
          Mark.of(file),
          "",
          "file is larger than " + (MAX_BYTES / 1024 / 1024) + " MiB; refusing to read it");
    }
    precheckDepth(file, text);
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel(file)
            .setAllowDuplicateKeys(false)
            .setMaxAliasesForCollections(200)
            .setAllowRecursiveKeys(false)
            .setCodePointLimit(MAX_BYTES)
            // Every scalar is resolved later, by CoreSchema, only where a type matters; the
            // engine's regex-based tag resolution per scalar was a third of the parse time.
            .setSchema(new org.snakeyaml.engine.v2.schema.FailsafeSchema())
            .build();
    org.snakeyaml.engine.v2.nodes.Node root;
    try {
      Composer composer =
          new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text)));
      Optional<org.snakeyaml.engine.v2.nodes.Node> single = composer.getSingleNode();
      if (single.isEmpty()) {
        return MapNode.empty(Mark.of(file));
      }
      root = single.get();
    } catch (MarkedYamlEngineException e) {
      int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
      int col = e.getProblemMark().map(m -> m.getColumn() + 1).orElse(0);
      throw new ContractException(
          new Mark(file, line, col), "", "invalid YAML: " + firstLine(e.getProblem()), e);
    } catch (YamlEngineException e) {
      throw new ContractException(Mark.of(file), "", "invalid YAML: " + firstLine(e.getMessage()));
    } catch (StackOverflowError e) {
      throw new ContractException(
          Mark.of(file), "", "YAML nesting is too deep to read; refusing to read it");
    }
    try {
      return new Converter(file).convert(root, 0);
    } catch (DuplicateKey e) {
      String path = e.dotted();
      throw new ContractException(
          e.mark,
          path,
          "duplicate key '" + e.key + "' (first at line " + e.firstLine + "); keep one of them");
    } catch (StackOverflowError e) {
      throw new ContractException(
          Mark.of(file), "", "YAML nesting is too deep to read; refusing to read it");
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable document";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * The composer recurses per nesting level, so a document of 100 000 opening brackets would
   * overflow the stack before any limit inside the parser applies. Flow collections are the only
   * cheap way to nest that deep, so counting them is enough to refuse early.
   */
  private static void precheckDepth(String file, String text) {
    int depth = 0;
    int line = 1;
    boolean inSingle = false;
    boolean inDouble = false;
    boolean inComment = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
        inComment = false;
        continue;
      }
      if (inComment) {
        continue;
      }
      if (inSingle) {
        inSingle = c != '\'';
        continue;
      }
      if (inDouble) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inDouble = false;
        }
        continue;
      }
      switch (c) {
        case '#' -> inComment = i == 0 || Character.isWhitespace(text.charAt(i - 1));
        case '\'' -> inSingle = depth > 0;
        case '"' -> inDouble = depth > 0;
        case '[', '{' -> {
          if (++depth > MAX_DEPTH) {
            throw new ContractException(
                new Mark(file, line, 0),
                "",
                "YAML nesting deeper than " + MAX_DEPTH + " levels; refusing to read it");
          }
        }
        case ']', '}' -> depth = Math.max(0, depth - 1);
        default -> {}
      }
    }
  }

  /**
   * A key given twice, unwinding to {@link #read}: each enclosing mapping and list adds its step to
   * the path on the way out, so the happy path builds no path strings at all.
   */
  private static final class DuplicateKey extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Mark mark;
    private final String key;
    private final int firstLine;
    // Keys (String) and list indexes (Integer), outermost first.
    private final java.util.ArrayDeque<Object> path = new java.util.ArrayDeque<>();

    DuplicateKey(Mark mark, String key, int firstLine) {
      super(null, null, false, false);
      this.mark = mark;
      this.key = key;
      this.firstLine = firstLine;
      path.addFirst(key);
    }

    DuplicateKey under(Object step) {
      path.addFirst(step);
      return this;
    }

    /** {@code services.api.ports[0]}: keys joined by dots, list indexes in brackets. */
    String dotted() {
      StringBuilder sb = new StringBuilder();
      for (Object step : path) {
        if (step instanceof Integer i) {
          sb.append('[').append(i).append(']');
        } else {
          sb.append(sb.isEmpty() ? "" : ".").append(step);
        }
      }
      return sb.toString();
    }
  }

  private static final class Converter {
    private final String file;
    private final Map<org.snakeyaml.engine.v2.nodes.Node, Node> done = new IdentityHashMap<>();
    private int count;

    Converter(String file) {
      this.file = file;
    }

    Node convert(org.snakeyaml.engine.v2.nodes.Node n, int depth) {
      Mark mark = mark(n);
      if (depth > MAX_DEPTH) {
        throw new ContractException(
            mark, "", "YAML nesting deeper than " + MAX_DEPTH + " levels; refusing to read it");
      }
      // Only anchored nodes can be reached twice (through an alias).
      boolean anchored = n.getAnchor().isPresent();
      Node cached = anchored ? done.get(n) : null;
      if (cached != null) {
        count += size(cached);
        checkCount(mark);
        return cached;
      }
      if (++count > MAX_NODES) {
        checkCount(mark);
      }
      Tag tag = tagOf(n);
      Node out;
      if (n instanceof ScalarNode s) {
        String v = s.getValue();
        boolean plain = s.isPlain();
        if (plain && CoreSchema.isNull(v)) {
          out = new dev.selvedge.contract.yaml.ScalarNode(null, true, mark, tag);
        } else {
          out = new dev.selvedge.contract.yaml.ScalarNode(v, plain, mark, tag);
        }
      } else if (n instanceof SequenceNode s) {
        List<Node> items = new ArrayList<>(s.getValue().size());
        for (org.snakeyaml.engine.v2.nodes.Node item : s.getValue()) {
          try {
            items.add(convert(item, depth + 1));
          } catch (DuplicateKey d) {
            throw d.under(items.size());
          }
        }
        out = new SeqNode(items, mark, tag);
      } else if (n instanceof MappingNode m) {
        out = new MapNode(mapping(m, depth), mark, tag);
      } else {
        throw new ContractException(mark, "", "unsupported YAML node");
      }
      if (anchored) {
        done.put(n, out);
      }
      return out;
    }

    private LinkedHashMap<String, Node> mapping(MappingNode m, int depth) {
      LinkedHashMap<String, Node> entries = new LinkedHashMap<>();
      LinkedHashMap<String, Node> merged = new LinkedHashMap<>();
      for (NodeTuple t : m.getValue()) {
        org.snakeyaml.engine.v2.nodes.Node k = t.getKeyNode();
        if (!(k instanceof ScalarNode ks)) {
          throw new ContractException(mark(k), "", "mapping keys must be scalars");
        }
        String key = ks.getValue();
        if (ks.isPlain() && key.equals("<<")) {
          // Merge key: explicit keys win over merged ones, earlier merged maps over later ones.
          Node src = convert(t.getValueNode(), depth + 1);
          List<Node> sources = src instanceof SeqNode seq ? seq.items() : List.of(src);
          for (Node s : sources) {
            if (!(s instanceof MapNode sm)) {
              throw new ContractException(s.mark(), "<<", "merge key needs a mapping or a list");
            }
            for (Map.Entry<String, Node> e : sm.entries().entrySet()) {
              merged.putIfAbsent(e.getKey(), e.getValue());
            }
          }
          continue;
        }
        if (entries.containsKey(key)) {
          throw new DuplicateKey(mark(k), key, firstLine(m, key));
        }
        try {
          entries.put(key, convert(t.getValueNode(), depth + 1));
        } catch (DuplicateKey d) {
          throw d.under(key);
        }
      }
      if (merged.isEmpty()) {
        return entries;
      }
      LinkedHashMap<String, Node> result = new LinkedHashMap<>(merged);
      result.putAll(entries);
      return result;
    }

    /** The line of the first {@code key} in {@code m}; looked up only once a duplicate is found. */
    private static int firstLine(MappingNode m, String key) {
      for (NodeTuple t : m.getValue()) {
        if (t.getKeyNode() instanceof ScalarNode ks && ks.getValue().equals(key)) {
          return ks.getStartMark().map(p -> p.getLine() + 1).orElse(0);
        }
      }
      return 0;
    }

    private void checkCount(Mark mark) {
      if (count > MAX_NODES) {
        throw new ContractException(
            mark,
            "",
            "YAML document expands to more than "
                + MAX_NODES
                + " nodes through aliases; refusing to read it");
      }
    }

    // instanceof rather than a pattern switch: a type switch spins a class at run time on first
    // use, which every short CLI run would pay for (the AOT cache cannot hold it).
    private static int size(Node n) {
      if (n instanceof SeqNode s) {
        return 1 + s.items().stream().mapToInt(Converter::size).sum();
      }
      if (n instanceof MapNode m) {
        return 1 + m.entries().values().stream().mapToInt(Converter::size).sum();
      }
      return 1;
    }

    private Mark mark(org.snakeyaml.engine.v2.nodes.Node n) {
      return n.getStartMark()
          .map(m -> new Mark(file, m.getLine() + 1, m.getColumn() + 1))
          .orElse(Mark.of(file));
    }

    private Tag tagOf(org.snakeyaml.engine.v2.nodes.Node n) {
      String t = n.getTag().getValue();
      if (t.equals(RESET)) {
        return Tag.RESET;
      }
      if (t.equals(OVERRIDE)) {
        return Tag.OVERRIDE;
      }
      return Tag.NONE;
    }
  }
}
