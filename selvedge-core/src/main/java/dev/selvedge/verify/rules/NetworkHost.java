package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;

/** {@code network-host}: a service on the host's network stack ({@code network_mode: host}). */
final class NetworkHost extends BaseRule {
  NetworkHost() {
    super(
        "network-host",
        Severity.ERROR,
        "A service uses the host network (network_mode: host).",
        "With host networking every port the process opens is open on the host, ports: is"
            + " ignored, and the container can reach every local-only service. Use a bridge network"
            + " and publish the ports it needs, bound to 127.0.0.1 where possible.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    List<Finding> out = new ArrayList<>();
    for (Service s : ctx.project().services().values()) {
      if ("host".equals(s.networkMode())) {
        out.add(
            ctx.finding(
                this,
                s.name(),
                svc(s.name()) + ".network_mode",
                "service '" + s.name() + "' uses the host network",
                "Remove network_mode: host and publish the needed ports instead."));
      }
    }
    return out;
  }
}
