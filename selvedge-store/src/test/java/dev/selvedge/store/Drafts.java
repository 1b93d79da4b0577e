package dev.selvedge.store;

import dev.selvedge.port.Deployment;
import dev.selvedge.port.Deployment.Kind;
import dev.selvedge.port.Deployment.Outcome;
import dev.selvedge.port.Deployment.ServiceImage;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Test-data builder for deployments. */
final class Drafts {
  private Drafts() {}

  static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456Z");

  /** A running apply with a little of everything. */
  static Deployment running(String host, String project) {
    return of(host, project, Outcome.RUNNING);
  }

  static Deployment of(String host, String project, Outcome outcome) {
    return new Deployment(
        0,
        host,
        project,
        Kind.APPLY,
        "3f2c1a9",
        "ana@build-1",
        T0,
        outcome == Outcome.RUNNING ? null : T0.plusSeconds(42),
        outcome,
        false,
        "{\"services\":{\"web\":{\"image\":\"nginx:1.27\"}}}",
        List.of(new ServiceImage("web", "nginx:1.27", "sha256:aa", "nginx@sha256:bb")),
        Map.of("web", Map.of("TOKEN", "hmac:1f2e")),
        null,
        "");
  }
}
