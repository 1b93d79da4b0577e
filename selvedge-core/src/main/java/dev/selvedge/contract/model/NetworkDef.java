package dev.selvedge.contract.model;

import java.util.Map;

/** A top-level network. {@code name} is the engine-side name ({@code <project>_<key>}). */
public record NetworkDef(
    String name,
    String driver,
    Map<String, String> driverOpts,
    boolean external,
    boolean internal,
    boolean attachable,
    boolean enableIpv6,
    Ipam ipam,
    Map<String, String> labels) {
  public NetworkDef {
    driverOpts = Maps.copy(driverOpts);
    labels = Maps.copy(labels);
  }
}
