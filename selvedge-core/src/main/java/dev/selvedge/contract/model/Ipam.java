package dev.selvedge.contract.model;

import java.util.List;
import java.util.Map;

/** IP address management of a network: a driver and address pools. */
public record Ipam(String driver, List<Pool> config, Map<String, String> options) {
  public Ipam {
    config = config == null ? List.of() : List.copyOf(config);
    options = Maps.copy(options);
  }

  /** One address pool. */
  public record Pool(
      String subnet, String ipRange, String gateway, Map<String, String> auxAddresses) {
    public Pool {
      auxAddresses = Maps.copy(auxAddresses);
    }
  }
}
