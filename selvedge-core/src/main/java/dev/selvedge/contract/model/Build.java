package dev.selvedge.contract.model;

import java.util.List;
import java.util.Map;

/**
 * A {@code build:} section. Valid Compose that Selvedge renders, but never executes: applying a
 * service that only has a build is refused (push the image to a registry).
 */
public record Build(
    String context,
    String dockerfile,
    String dockerfileInline,
    Map<String, String> args,
    String target,
    List<String> tags,
    Map<String, String> labels,
    Map<String, String> additionalContexts,
    List<String> platforms,
    List<String> cacheFrom,
    String network,
    boolean noCache,
    boolean pull) {
  public Build {
    args = Maps.copy(args);
    labels = Maps.copy(labels);
    additionalContexts = Maps.copy(additionalContexts);
    tags = tags == null ? List.of() : List.copyOf(tags);
    platforms = platforms == null ? List.of() : List.copyOf(platforms);
    cacheFrom = cacheFrom == null ? List.of() : List.copyOf(cacheFrom);
  }

  /** Never the build args: they may carry tokens. */
  @Override
  public String toString() {
    return "Build[" + context + "]";
  }
}
