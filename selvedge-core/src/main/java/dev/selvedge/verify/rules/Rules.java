package dev.selvedge.verify.rules;

import dev.selvedge.verify.Rule;
import java.util.List;
import java.util.Optional;

/** Every policy rule Selvedge knows, in the order reports list them. */
public final class Rules {
  private static final List<Rule> ALL =
      List.of(
          new ImageFloatingTag(),
          new ImageNotPinned(),
          new HealthcheckMissing(),
          new HealthcheckIntervalTooShort(),
          new LoggingUnbounded(),
          new PortConflict(),
          new PortNotStatic(),
          new StaticPortNotPublished(),
          new EnvUndeclared(),
          new SecretCommitted(),
          new WeakSecret(),
          new DockerSocketMount(),
          new Privileged(),
          new NetworkHost(),
          new RestartPolicyMissing());

  private Rules() {}

  public static List<Rule> all() {
    return ALL;
  }

  public static Optional<Rule> byId(String id) {
    return ALL.stream().filter(r -> r.id().equals(id)).findFirst();
  }
}
