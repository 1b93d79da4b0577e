package dev.selvedge.fleet.rollout;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A rollout to start.
 *
 * @param tag only the nodes with this tag (null: any)
 * @param environment only the nodes of this environment (null: any); not with {@code tag}
 * @param waves as {@link Waves#parse} reads them
 * @param images service → image reference that replaces the contract's
 * @param parallel at most this many nodes of a wave at once
 * @param force apply despite verify errors
 * @param actor who asks ({@code user@machine}, {@code key:NAME})
 */
public record RolloutRequest(
    String stack,
    String tag,
    String environment,
    String waves,
    Map<String, String> images,
    Duration gateTimeout,
    int parallel,
    boolean force,
    String actor) {
  public RolloutRequest {
    Objects.requireNonNull(stack, "stack");
    images = Map.copyOf(images == null ? Map.of() : images);
    Objects.requireNonNull(gateTimeout, "gateTimeout");
    Objects.requireNonNull(actor, "actor");
  }
}
