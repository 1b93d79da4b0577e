package dev.selvedge.contract.model;

import java.util.Map;

/** A top-level named volume. {@code name} is the engine-side name ({@code <project>_<key>}). */
public record VolumeDef(
    String name,
    String driver,
    Map<String, String> driverOpts,
    boolean external,
    Map<String, String> labels) {
  public VolumeDef {
    driverOpts = Maps.copy(driverOpts);
    labels = Maps.copy(labels);
  }
}
