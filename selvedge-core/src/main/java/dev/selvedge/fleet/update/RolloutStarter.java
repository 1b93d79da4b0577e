package dev.selvedge.fleet.update;

import dev.selvedge.SelvedgeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Starts a rollout of a stack across its nodes in waves, pinned to new images: how auto-update
 * hands a new digest to the rollout service. Kept this small so auto-update knows nothing of how
 * rollouts run.
 */
public interface RolloutStarter {

  /**
   * Starts it and returns at once.
   *
   * @param imagesByService service → {@code repository@sha256:...}
   * @param waves as {@link dev.selvedge.fleet.rollout.Waves#parse(List)} checked them
   * @param reason why, for the rollout's record ({@code auto-update: api sha256:...})
   * @return the rollout's id
   * @throws Refused when it was not started
   */
  String start(
      String stack,
      Map<String, String> imagesByService,
      List<String> waves,
      Duration gateTimeout,
      String reason);

  /**
   * A rollout was not started.
   *
   * <p>{@code busy}: a rollout of the stack is running; auto-update tries again at its next check.
   */
  final class Refused extends SelvedgeException {
    private static final long serialVersionUID = 1L;
    private final boolean busy;

    public Refused(String message, boolean busy) {
      super(message);
      this.busy = busy;
    }

    public boolean busy() {
      return busy;
    }
  }

  /** A starter that starts nothing: a server whose rollout service is not wired (yet). */
  static RolloutStarter unavailable(String why) {
    return (stack, images, waves, gate, reason) -> {
      throw new Refused(why, false);
    };
  }
}
