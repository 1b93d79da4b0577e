package dev.selvedge.contract.model;

import java.util.List;

/**
 * Selvedge's own settings for one service, read from its {@code x-selvedge} extension.
 *
 * <pre>
 * x-selvedge:
 *   self-critical: true           # restart/stop need explicit confirmation
 *   static-ports: [8080]          # container ports that must be published on a fixed host port
 *   secrets: [API_TOKEN]          # environment keys whose values are secret
 *   readback:
 *     health: http://127.0.0.1:8080/healthz
 *     version: http://127.0.0.1:8080/version
 *     expect: {status: ok, version: "1.4.2"}
 *     timeout: 5s
 *     owner: platform-team        # an external dependency owned by someone else
 *   parity: {ignore: [HOSTNAME]}  # keys meant to differ between nodes (docs/parity.md)
 * </pre>
 */
public record SelvedgeService(
    boolean selfCritical,
    List<Integer> staticPorts,
    List<String> secrets,
    Readback readback,
    List<String> parityIgnore) {
  public static final SelvedgeService NONE = new SelvedgeService(false, List.of(), List.of(), null);

  public SelvedgeService {
    staticPorts = staticPorts == null ? List.of() : List.copyOf(staticPorts);
    secrets = secrets == null ? List.of() : List.copyOf(secrets);
    parityIgnore = parityIgnore == null ? List.of() : List.copyOf(parityIgnore);
  }

  /** Settings that declare no {@code parity}. */
  public SelvedgeService(
      boolean selfCritical, List<Integer> staticPorts, List<String> secrets, Readback readback) {
    this(selfCritical, staticPorts, secrets, readback, List.of());
  }
}
