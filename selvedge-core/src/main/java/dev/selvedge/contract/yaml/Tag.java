package dev.selvedge.contract.yaml;

/** The Compose-specific YAML tags that change how a node merges. */
public enum Tag {
  NONE,
  /** {@code !reset}: drop the value inherited from earlier files. */
  RESET,
  /** {@code !override}: replace the inherited value instead of merging into it. */
  OVERRIDE
}
