package dev.selvedge.drift;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.evidence.EvidenceFinding;
import java.util.Objects;

/**
 * One disagreement between two layers.
 *
 * @param service the contract service, the orphan container's service label for {@link
 *     DriftClass#EXTRA} containers, or null for project-wide keys ({@code .env}, networks)
 * @param layer which layers disagree
 * @param key what disagrees, relative to the service: {@code image}, {@code
 *     environment.DB_PASSWORD}, {@code ports[8080/tcp]}, {@code volumes[/data]}, {@code
 *     readback.expect.status}, ...
 * @param kind the class
 * @param expected what the upper layer says, null when it has nothing; values of secret keys are
 *     fingerprints ({@code hmac-sha256:...})
 * @param actual what the lower layer has, null when it has nothing; secrets as above
 * @param message one sentence for people, naming the container where there is one
 */
public record DriftFinding(
    String service,
    DriftLayer layer,
    String key,
    DriftClass kind,
    String expected,
    String actual,
    String message)
    implements EvidenceFinding {

  public DriftFinding {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(kind, "kind");
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("a drift finding needs a key");
    }
    if (message == null || message.isBlank()) {
      throw new IllegalArgumentException("a drift finding of '" + key + "' needs a message");
    }
  }

  /** The class id, so the envelope's policy can list a severity per class. */
  @Override
  public String rule() {
    return kind.id();
  }

  @Override
  public Severity severity() {
    return kind.severity();
  }

  /** Drift findings are never waived. */
  @Override
  public String waiverReason() {
    return null;
  }

  @Override
  public void writeJson(ObjectNode node) {
    node.put("service", service);
    node.put("layer", layer.id());
    node.put("key", key);
    node.put("class", kind.id());
    node.put("severity", severity().id());
    node.put("expected", expected);
    node.put("actual", actual);
    node.put("message", message);
  }
}
