package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.ImageReference;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code image-floating-tag}: an image with tag {@code latest} or no tag. A valid {@code @sha256:}
 * digest pins the image whatever its tag says (the engine ignores the tag then), so such images
 * pass this rule.
 */
final class ImageFloatingTag extends BaseRule {
  ImageFloatingTag() {
    super(
        "image-floating-tag",
        Severity.ERROR,
        "An image uses the tag 'latest' or no tag at all.",
        "A floating tag points to whatever was pushed last, so two hosts (or one host on two days)"
            + " run different code under the same contract, and a rollback has nothing to roll"
            + " back to. Pin a release tag such as nginx:1.27.3, ideally with its digest.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    List<Finding> out = new ArrayList<>();
    for (Map.Entry<Service, ImageReference> e : unpinnedImages(ctx)) {
      Service s = e.getKey();
      ImageReference ref = e.getValue();
      String message;
      if (ref.tag() == null) {
        message = "image '" + s.image() + "' has no tag, so the engine pulls 'latest'";
      } else if (ref.tag().equalsIgnoreCase("latest")) {
        message = "image '" + s.image() + "' uses the floating tag '" + ref.tag() + "'";
      } else {
        continue;
      }
      out.add(
          ctx.finding(
              this,
              s.name(),
              svc(s.name()) + ".image",
              message,
              "Pin a release tag, e.g. " + ref.written() + ":<version>, ideally with its digest."));
    }
    return out;
  }
}
