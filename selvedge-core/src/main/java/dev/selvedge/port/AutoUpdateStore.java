package dev.selvedge.port;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What auto-update remembers (V17): the digests of each followed tag it last saw, and every rollout
 * it started for a new digest. An attempt is kept once per (stack, service, digest), so a halted
 * auto-update never starts the same digest again, on any replica.
 */
public interface AutoUpdateStore {

  /**
   * A rollout auto-update started for one service's new digest.
   *
   * @param id assigned by the store; 0 in a draft
   * @param digest {@code sha256:...}, the registry's manifest digest
   * @param rolloutId what the rollout service answered; "" while it is being started
   * @param outcome null until known ({@code finished}, {@code halted}, ...)
   */
  record Attempt(
      long id,
      String stack,
      String service,
      String digest,
      String rolloutId,
      Instant startedAt,
      String outcome) {}

  /**
   * A followed tag's digest as last seen.
   *
   * @param reference the image reference the contract names ({@code registry/app:1})
   */
  record Seen(String stack, String service, String reference, String digest, Instant at) {}

  /**
   * Keeps an attempt; empty when (stack, service, digest) was attempted already (here or by another
   * replica): the caller does not start it.
   */
  Optional<Attempt> add(Attempt draft);

  /**
   * Names the rollout a kept attempt started (an attempt is kept, as a claim, before it starts).
   */
  void rollout(long id, String rolloutId);

  /** Forgets a claim whose rollout was not started (refused): the next check tries again. */
  void release(long id);

  /** The attempt of a digest, if any. */
  Optional<Attempt> find(String stack, String service, String digest);

  /** Sets the outcome of every attempt of a rollout; how many there were. */
  int outcome(String rolloutId, String outcome);

  /** A stack's attempts, newest first. */
  List<Attempt> attempts(String stack, int limit);

  /** Records what a tag points to now (replacing what was seen before). */
  void see(Seen seen);

  /** A stack's last seen digests, by service. */
  Map<String, Seen> seen(String stack);
}
