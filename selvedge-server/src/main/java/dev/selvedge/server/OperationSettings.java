package dev.selvedge.server;

import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.fleet.EngineOpener;
import dev.selvedge.port.HttpProbe;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What the operations run through the API need besides the store and the fleet: how a node's engine
 * is opened (as the poller opens it), the environment a stack's contract is loaded with (as the
 * poller loads it), and the timings the CLI takes from its options.
 *
 * @param engines opens a fleet node's engine ({@code FleetEngines.opener})
 * @param environment the server's environment: wins over a stack's {@code .env}
 * @param fingerprints the key of the environment fingerprints deployments record
 * @param probe the health gate's readback probe
 * @param engineTimeout bounds each engine call of an operation
 * @param gateTimeout how long each service may take to become healthy (the CLI's default: 120s)
 * @param leaseTtl how long an operation's lease lives without renewal (the CLI's: 60s)
 * @param sweepEvery a node is swept on request at most once in this long (else 429)
 * @param replica this server's name in the replica registry: recorded with every operation it runs
 */
public record OperationSettings(
    EngineOpener engines,
    Map<String, String> environment,
    Fingerprints fingerprints,
    HttpProbe probe,
    Duration engineTimeout,
    Duration gateTimeout,
    Duration leaseTtl,
    Duration sweepEvery,
    String replica) {
  public OperationSettings {
    Objects.requireNonNull(replica, "replica");
    Objects.requireNonNull(engines, "engines");
    environment = Map.copyOf(environment);
    Objects.requireNonNull(fingerprints, "fingerprints");
    Objects.requireNonNull(probe, "probe");
    Objects.requireNonNull(engineTimeout, "engineTimeout");
    Objects.requireNonNull(gateTimeout, "gateTimeout");
    Objects.requireNonNull(leaseTtl, "leaseTtl");
    Objects.requireNonNull(sweepEvery, "sweepEvery");
  }

  /** The CLI's timings: 30s per engine call, 120s per gate, a 60s lease; a sweep per 10s. */
  public static OperationSettings defaults(
      EngineOpener engines,
      Map<String, String> environment,
      Fingerprints fingerprints,
      HttpProbe probe) {
    return new OperationSettings(
        engines,
        environment,
        fingerprints,
        probe,
        Duration.ofSeconds(30),
        Duration.ofSeconds(120),
        Duration.ofSeconds(60),
        Duration.ofSeconds(10),
        "replica-" + java.util.UUID.randomUUID());
  }

  /** These settings for the replica named {@code name} (the poller's, in {@code serve}). */
  public OperationSettings withReplica(String name) {
    return new OperationSettings(
        engines,
        environment,
        fingerprints,
        probe,
        engineTimeout,
        gateTimeout,
        leaseTtl,
        sweepEvery,
        name);
  }
}
