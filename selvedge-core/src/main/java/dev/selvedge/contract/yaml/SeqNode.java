package dev.selvedge.contract.yaml;

import java.util.List;

/** A sequence, in document order. The list is unmodifiable. */
public record SeqNode(List<Node> items, Mark mark, Tag tag) implements Node {
  public SeqNode {
    items = List.copyOf(items);
  }

  @Override
  public SeqNode withTag(Tag newTag) {
    return new SeqNode(items, mark, newTag);
  }

  @Override
  public String kind() {
    return "a sequence";
  }
}
