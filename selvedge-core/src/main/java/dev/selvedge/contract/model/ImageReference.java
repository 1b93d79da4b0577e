package dev.selvedge.contract.model;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An image reference split into a normalized repository name, a tag and a digest, so that {@code
 * nginx}, {@code nginx:latest} and {@code docker.io/library/nginx:latest} compare equal.
 *
 * @param name the repository with its registry ({@code docker.io/library/nginx})
 * @param written the repository as written in the contract ({@code nginx}), for messages
 * @param tag the tag, null when the reference has none
 * @param digest {@code sha256:...}, null when the reference has none
 * @param id true when the reference is an image id ({@code sha256:<64 hex>}), not a name
 */
public record ImageReference(String name, String written, String tag, String digest, boolean id) {
  private static final String DEFAULT_REGISTRY = "docker.io";
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

  public static ImageReference parse(String reference) {
    String ref = reference.strip();
    if (ref.matches("(sha256:)?[0-9a-f]{64}")) {
      return new ImageReference(
          null, null, null, ref.startsWith("sha256:") ? ref : "sha256:" + ref, true);
    }
    String digest = null;
    int at = ref.indexOf('@');
    if (at >= 0) {
      digest = ref.substring(at + 1);
      ref = ref.substring(0, at);
    }
    String tag = null;
    int colon = ref.lastIndexOf(':');
    if (colon > ref.lastIndexOf('/')) {
      tag = ref.substring(colon + 1);
      ref = ref.substring(0, colon);
      if (tag.isEmpty()) {
        tag = null;
      }
    }
    String written = ref;
    String name = ref.toLowerCase(Locale.ROOT);
    int slash = name.indexOf('/');
    String first = slash < 0 ? "" : name.substring(0, slash);
    boolean hasRegistry =
        slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
    if (!hasRegistry) {
      name = DEFAULT_REGISTRY + "/" + (slash < 0 ? "library/" : "") + name;
    } else if (first.equals("index.docker.io") || first.equals("registry-1.docker.io")) {
      name = DEFAULT_REGISTRY + name.substring(slash);
    }
    return new ImageReference(name, written, tag, digest, false);
  }

  /**
   * Whether both name the same repository and tag. A missing tag means {@code latest}, except in a
   * reference pinned by digest, where it matches any tag.
   */
  public boolean sameRepositoryAndTag(ImageReference other) {
    if (id || other.id || !name.equals(other.name)) {
      return false;
    }
    String a = tag != null ? tag : digest == null ? "latest" : null;
    String b = other.tag != null ? other.tag : other.digest == null ? "latest" : null;
    return a == null || b == null || a.equals(b);
  }

  /** The digest of a {@code repo@sha256:...} entry of an image's RepoDigests, or null. */
  public static String digestOf(String repoDigest) {
    int at = repoDigest.indexOf('@');
    return at < 0 ? null : repoDigest.substring(at + 1);
  }

  public boolean hasDigest() {
    return digest != null;
  }

  /** Pinned: a well-formed {@code sha256} digest names exactly one image. */
  public boolean pinned() {
    return digest != null && SHA256.matcher(digest).matches();
  }
}
