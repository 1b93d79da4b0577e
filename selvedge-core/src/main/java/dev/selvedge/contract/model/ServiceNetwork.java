package dev.selvedge.contract.model;

import java.util.List;

/** A service's attachment to a network; every field is optional. */
public record ServiceNetwork(
    List<String> aliases, String ipv4Address, String ipv6Address, Integer priority) {
  public static final ServiceNetwork DEFAULT = new ServiceNetwork(List.of(), null, null, null);

  public ServiceNetwork {
    aliases = aliases == null ? List.of() : List.copyOf(aliases);
  }

  public boolean isDefault() {
    return aliases.isEmpty() && ipv4Address == null && ipv6Address == null && priority == null;
  }
}
