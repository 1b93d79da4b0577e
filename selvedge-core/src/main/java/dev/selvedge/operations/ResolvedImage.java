package dev.selvedge.operations;

import dev.selvedge.contract.model.ImageReference;

/**
 * The image a service is pinned to for one apply.
 *
 * @param reference as the contract writes it
 * @param imageId the engine's image id ({@code sha256:...})
 * @param repoDigest the registry digest ({@code sha256:...}) when the image came from one, else
 *     null (an image only known locally, such as one made by {@code docker import})
 */
public record ResolvedImage(String reference, String imageId, String repoDigest) {
  public ResolvedImage {
    if (reference == null || imageId == null) {
      throw new IllegalArgumentException("a resolved image needs a reference and an id");
    }
  }

  /**
   * What the container is created from: {@code repository:tag@digest} when the registry digest is
   * known (Docker uses the digest; the tag keeps the reference readable), else the image id.
   */
  public String createFrom() {
    if (repoDigest == null) {
      return imageId;
    }
    ImageReference ref = ImageReference.parse(reference);
    String base =
        reference.contains("@") ? reference.substring(0, reference.indexOf('@')) : reference;
    return ref.digest() != null && ref.digest().equals(repoDigest)
        ? reference
        : base + "@" + repoDigest;
  }

  /**
   * The registry digest as Docker's {@code RepoDigests} write it, {@code repository@sha256:...}
   * (the repository as the contract wrote it); null for an image that came from no registry. Plans
   * and deployment snapshots both show this form.
   */
  public String repoDigestReference() {
    return repoDigest == null ? null : ImageReference.parse(reference).written() + "@" + repoDigest;
  }

  /** The pin in one word: the registry digest when known, else the image id. */
  public String pin() {
    return repoDigest != null ? repoDigest : imageId;
  }
}
