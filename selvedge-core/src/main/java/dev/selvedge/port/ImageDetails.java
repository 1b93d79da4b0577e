package dev.selvedge.port;

import java.util.List;

/** An image the engine holds: its id and the registry digests it is known by. */
public record ImageDetails(String id, List<String> repoTags, List<String> repoDigests) {
  public ImageDetails {
    repoTags = List.copyOf(repoTags);
    repoDigests = List.copyOf(repoDigests);
  }
}
