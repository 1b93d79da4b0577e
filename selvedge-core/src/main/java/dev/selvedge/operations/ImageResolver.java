package dev.selvedge.operations;

import dev.selvedge.contract.model.ImageReference;
import dev.selvedge.contract.model.Service;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.ImageDetails;
import java.util.Locale;
import java.util.Optional;

/**
 * Pins each service's image following its {@code pull_policy}: {@code missing} (the default, also
 * {@code if_not_present} and the periodic policies) pulls only when the engine lacks the image,
 * {@code always} pulls every time, {@code never} requires it on the engine; {@code build} is
 * refused (Selvedge does not build).
 */
public final class ImageResolver {
  private final DockerEngine engine;
  private final Progress progress;

  /** One inspect per distinct reference: services often share an image. */
  private final java.util.Map<String, Optional<ImageDetails>> local = new java.util.HashMap<>();

  private final java.util.Map<String, ImageDetails> pulled = new java.util.HashMap<>();

  public ImageResolver(DockerEngine engine, Progress progress) {
    this.engine = engine;
    this.progress = progress;
  }

  /** The service's image, pulled when its policy says so. */
  public ResolvedImage resolve(Service s) {
    String ref = s.image();
    String policy = policy(s);
    if (policy.equals("always")) {
      // Once per apply: services sharing the image share the pull.
      return pulled.containsKey(ref) ? of(ref, pulled.get(ref)) : pull(s, ref);
    }
    Optional<ImageDetails> here = inspect(ref);
    if (here.isPresent()) {
      return of(ref, here.get());
    }
    if (policy.equals("never")) {
      throw new OperationException(
          "service '"
              + s.name()
              + "' has pull_policy: never and image "
              + ref
              + " is not on "
              + engine.endpoint()
              + "; load it there first or change the policy");
    }
    return pull(s, ref);
  }

  /**
   * What the image would be pinned to without pulling anything: the engine's copy when the policy
   * would use it; empty when apply would pull first.
   */
  public Optional<ResolvedImage> peek(Service s) {
    String ref = s.image();
    String policy = policy(s);
    Optional<ImageDetails> here = inspect(ref);
    if (here.isEmpty()) {
      return Optional.empty();
    }
    ResolvedImage mine = of(ref, here.get());
    if (policy.equals("always")) {
      Optional<String> remote = engine.registryDigest(ref);
      if (remote.isEmpty() || !remote.get().equals(mine.repoDigest())) {
        return Optional.empty();
      }
    }
    return Optional.of(mine);
  }

  /** An image by the pin a deployment recorded: on the engine, else pulled by digest. */
  public ResolvedImage pinned(String service, String reference, String imageId, String digest) {
    Optional<ImageDetails> local = engine.inspectImage(imageId);
    if (local.isPresent()) {
      return new ResolvedImage(reference, local.get().id(), digest);
    }
    if (digest == null) {
      throw new OperationException(
          "service '"
              + service
              + "': image "
              + Planner.shortId(imageId)
              + " ("
              + reference
              + ") is no longer on "
              + engine.endpoint()
              + " and came from no registry, so it cannot be restored");
    }
    String name =
        reference.contains("@") ? reference.substring(0, reference.indexOf('@')) : reference;
    ImageReference parsed = ImageReference.parse(name);
    progress.step(service, "pulling " + parsed.written() + "@" + digest);
    ImageDetails pulled = engine.pullImage(parsed.written() + "@" + digest, progress);
    return new ResolvedImage(reference, pulled.id(), digest);
  }

  private ResolvedImage pull(Service s, String ref) {
    progress.step(s.name(), "pulling " + ref);
    ImageDetails image = engine.pullImage(ref, progress);
    local.put(ref, Optional.of(image));
    pulled.put(ref, image);
    return of(ref, image);
  }

  private Optional<ImageDetails> inspect(String ref) {
    return local.computeIfAbsent(ref, engine::inspectImage);
  }

  private static String policy(Service s) {
    String p = s.options().pullPolicy();
    p = p == null ? "missing" : p.toLowerCase(Locale.ROOT);
    if (p.equals("build")) {
      throw new OperationException(
          "service '"
              + s.name()
              + "' has pull_policy: build; Selvedge does not build images. Push the image to a"
              + " registry and use pull_policy: missing or always");
    }
    return p;
  }

  /** Pins {@code details}: its registry digest for the reference's repository when it has one. */
  static ResolvedImage of(String reference, ImageDetails details) {
    ImageReference ref = ImageReference.parse(reference);
    String digest = null;
    for (String rd : details.repoDigests()) {
      int at = rd.indexOf('@');
      if (at > 0 && ImageReference.parse(rd.substring(0, at)).name().equals(ref.name())) {
        digest = ImageReference.digestOf(rd);
        break;
      }
    }
    return new ResolvedImage(reference, details.id(), digest);
  }
}
