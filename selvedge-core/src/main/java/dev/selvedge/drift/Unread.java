package dev.selvedge.drift;

import java.util.Objects;

/**
 * Something a drift check could not read or reach, so it cannot say whether that part is in sync:
 * an application readback of ours that did not answer, an image digest that could not be looked up.
 * It makes the service's sync {@code unknown} (unless drift was found) and the run exit 2 when
 * there is no drift.
 *
 * @param service the service, or null
 * @param key what was not read ({@code readback.health}, {@code image.digest})
 * @param reason why, for people; never a secret value
 */
public record Unread(String service, DriftLayer layer, String key, String reason) {
  public Unread {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(reason, "reason");
  }
}
