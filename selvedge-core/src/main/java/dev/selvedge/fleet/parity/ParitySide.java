package dev.selvedge.fleet.parity;

import dev.selvedge.drift.DriftInput;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One node's copy of a stack as read for a parity check: the layers {@code selvedge drift} reads
 * ({@link DriftInput}: the contract, the host's files and {@code .env}, the containers, their
 * images, the readback answers) plus the fingerprints of the files the stack reads and mounts on
 * the node. Holds secret values as read: never print it; {@link ParityCheck} shows only
 * fingerprints of them.
 *
 * @param node the fleet node's id
 * @param stack the fleet stack's name
 * @param input the layers as read
 * @param files each file the stack reads or mounts on the node, by its path (relative to the deploy
 *     directory when inside it) → a keyed fingerprint of its content, or what is there instead
 *     ({@code missing}, {@code directory}, {@code not a regular file}, {@code unreadable: why})
 * @param nodeIgnore the node's {@code parity.ignore} in the fleet file
 */
public record ParitySide(
    String node,
    String stack,
    DriftInput input,
    Map<String, String> files,
    List<String> nodeIgnore) {
  public ParitySide {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(stack, "stack");
    Objects.requireNonNull(input, "input");
    files =
        files == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(files));
    nodeIgnore = nodeIgnore == null ? List.of() : List.copyOf(nodeIgnore);
  }

  /** The Compose project name on the node. */
  public String project() {
    return input.deployed().name();
  }

  /** Never the layers: they hold secrets. */
  @Override
  public String toString() {
    return "ParitySide[" + node + ", " + stack + "]";
  }
}
