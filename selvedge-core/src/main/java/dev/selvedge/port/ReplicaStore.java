package dev.selvedge.port;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The control-plane replicas sharing one store, so that each can show the cluster ({@code GET
 * /api/v1/cluster}): every {@code serve} registers at start, beats on a schedule and removes itself
 * on a clean stop. A replica whose heartbeat is old died or is paused; its row stays until {@link
 * #forget} drops it, so the cluster view can say so.
 */
public interface ReplicaStore {

  /**
   * One replica.
   *
   * @param id its name in the sweep claims (the poller's replica name)
   * @param host the machine's name, for people
   * @param pid the process id on that machine
   * @param version the Selvedge version it runs
   */
  record Replica(
      String id, String host, long pid, String version, Instant startedAt, Instant heartbeatAt) {
    public Replica {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(startedAt, "startedAt");
      Objects.requireNonNull(heartbeatAt, "heartbeatAt");
    }
  }

  /** Adds {@code replica}, or replaces the row of the same id. */
  void register(Replica replica);

  /**
   * Moves the replica's heartbeat to {@code at}.
   *
   * @return false when it has no row (removed or forgotten: register it again)
   */
  boolean heartbeat(String id, Instant at);

  /**
   * Moves the replica's heartbeat to the database's time now ({@code CURRENT_TIMESTAMP}): beats and
   * {@link #alive} are judged on one clock, never one replica's against another's.
   *
   * @return false when it has no row (removed or forgotten: register it again)
   */
  boolean beat(String id);

  /**
   * The replicas whose last heartbeat is within {@code within} of the database's time now, by id.
   */
  List<String> alive(java.time.Duration within);

  /** Removes the replica (a clean stop); nothing when it has no row. */
  void remove(String id);

  /** Removes the replicas whose last heartbeat is before {@code cutoff}; returns how many. */
  int forget(Instant cutoff);

  /** Every replica registered, by start time then id. */
  List<Replica> replicas();

  /**
   * Every replica registered, by start time then id, with the database's time now read with them:
   * what their heartbeats (written on the database's clock by {@link #beat}) are judged against,
   * rather than the reader's own clock.
   */
  Listing listing();

  /**
   * The replicas and the database's time when they were read.
   *
   * @param now the database's time now ({@code CURRENT_TIMESTAMP})
   */
  record Listing(Instant now, List<Replica> replicas) {
    public Listing {
      Objects.requireNonNull(now, "now");
      replicas = List.copyOf(replicas);
    }
  }

  /**
   * The sweep claims unexpired at {@code now} (sweeps under way), by replica then node. Claims
   * expire on the database's clock: give its time ({@link Listing#now}).
   */
  List<FleetStateStore.Claim> claims(Instant now);

  /** How many nodes' recorded state each replica wrote last, by replica id. */
  Map<String, Integer> sweptNodes();
}
