package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.ImageReference;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Rule;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The fixed descriptive part every rule has. */
abstract class BaseRule implements Rule {
  private final String id;
  private final Severity defaultSeverity;
  private final String description;
  private final String help;

  BaseRule(String id, Severity defaultSeverity, String description, String help) {
    this.id = id;
    this.defaultSeverity = defaultSeverity;
    this.description = description;
    this.help = help;
  }

  @Override
  public final String id() {
    return id;
  }

  @Override
  public final Severity defaultSeverity() {
    return defaultSeverity;
  }

  @Override
  public final String description() {
    return description;
  }

  @Override
  public final String help() {
    return help;
  }

  @Override
  public String toString() {
    return id;
  }

  static String svc(String service) {
    return "services." + service;
  }

  /**
   * The services whose image is not pinned to a valid sha256 digest, with the parsed reference, in
   * contract order. A list, not a map keyed by {@link Service}: hashing a whole service record is
   * costly and needless.
   */
  static List<Map.Entry<Service, ImageReference>> unpinnedImages(VerifyContext ctx) {
    List<Map.Entry<Service, ImageReference>> out = new ArrayList<>();
    for (Service s : ctx.project().services().values()) {
      if (s.image() == null || s.image().isBlank()) {
        continue;
      }
      ImageReference ref = ImageReference.parse(s.image());
      if (!ref.pinned()) {
        out.add(Map.entry(s, ref));
      }
    }
    return out;
  }
}
