package dev.selvedge.port;

import java.util.List;
import java.util.Map;

/** A container as listed: enough to decide which to inspect. */
public record ContainerSummary(
    String id,
    List<String> names,
    String image,
    String imageId,
    String state,
    Map<String, String> labels) {
  public ContainerSummary {
    names = List.copyOf(names);
    labels = Map.copyOf(labels);
  }
}
