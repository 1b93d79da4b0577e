package dev.selvedge.drift;

import dev.selvedge.status.Health;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the comparisons of one drift run collect: findings, things not read, health signals and
 * blocked external dependencies per service. Every string passes through {@link Secrecy}'s scrub.
 */
final class Observations {
  /** One piece of evidence for a service's health. */
  record Signal(Health health, String reason) {}

  final Secrecy secrecy;
  final List<DriftFinding> findings = new ArrayList<>();
  final List<Unread> unread = new ArrayList<>();
  final Map<String, List<Signal>> health = new LinkedHashMap<>();
  final Map<String, List<String>> external = new LinkedHashMap<>();

  Observations(Secrecy secrecy) {
    this.secrecy = secrecy;
  }

  void finding(
      String service,
      DriftLayer layer,
      String key,
      DriftClass kind,
      String expected,
      String actual,
      String message) {
    findings.add(
        new DriftFinding(
            service,
            layer,
            secrecy.scrub(service, key, key),
            kind,
            secrecy.scrub(service, key, expected),
            secrecy.scrub(service, key, actual),
            secrecy.scrub(service, key, message)));
  }

  void unread(String service, DriftLayer layer, String key, String reason) {
    unread.add(new Unread(service, layer, key, secrecy.scrub(service, key, reason)));
  }

  void health(String service, Health h, String reason) {
    health
        .computeIfAbsent(service, k -> new ArrayList<>())
        .add(new Signal(h, secrecy.scrub(reason)));
  }

  void external(String service, String reason) {
    external.computeIfAbsent(service, k -> new ArrayList<>()).add(secrecy.scrub(reason));
  }
}
