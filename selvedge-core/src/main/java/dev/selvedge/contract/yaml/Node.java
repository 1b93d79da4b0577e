package dev.selvedge.contract.yaml;

/**
 * A YAML document as read from a Compose file, before it is typed: the only untyped form the
 * contract has, and it never leaves the loader. Every node remembers where it came from so errors
 * and findings can point at a file and line.
 */
public sealed interface Node permits MapNode, SeqNode, ScalarNode {
  Mark mark();

  Tag tag();

  /** This node with another tag (tags are consumed by the merge). */
  Node withTag(Tag tag);

  /** A short name of the node kind for error messages: "a mapping", "a sequence", "a string". */
  String kind();
}
