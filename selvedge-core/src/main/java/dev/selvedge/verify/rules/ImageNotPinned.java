package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.ImageReference;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code image-not-pinned}: an image without a valid {@code @sha256:} digest. */
final class ImageNotPinned extends BaseRule {
  ImageNotPinned() {
    super(
        "image-not-pinned",
        Severity.WARNING,
        "An image is not pinned to a content digest (@sha256:...).",
        "Tags are mutable: a re-pushed tag silently changes what runs. A digest names exactly one"
            + " image, which makes deployments reproducible and rollbacks exact. Append the digest"
            + " the registry reports: image: app:1.4.2@sha256:<64 hex digits>.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    List<Finding> out = new ArrayList<>();
    for (Map.Entry<Service, ImageReference> e : unpinnedImages(ctx)) {
      Service s = e.getKey();
      ImageReference ref = e.getValue();
      String message =
          ref.hasDigest()
              ? "image '" + s.image() + "' has a digest that is not sha256:<64 lowercase hex>"
              : "image '" + s.image() + "' is not pinned to a digest";
      out.add(
          ctx.finding(
              this,
              s.name(),
              svc(s.name()) + ".image",
              message,
              "Append the digest: "
                  + ref.written()
                  + (ref.tag() == null ? "" : ":" + ref.tag())
                  + "@sha256:<digest> (docker buildx imagetools inspect shows it)."));
    }
    return out;
  }
}
