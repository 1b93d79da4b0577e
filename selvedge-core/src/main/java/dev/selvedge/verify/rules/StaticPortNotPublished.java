package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code static-port-not-published}: a container port listed in {@code x-selvedge.static-ports}
 * that no {@code ports} entry publishes on one fixed host port.
 */
final class StaticPortNotPublished extends BaseRule {
  StaticPortNotPublished() {
    super(
        "static-port-not-published",
        Severity.WARNING,
        "A port the service declares static (x-selvedge.static-ports) is not published on a fixed"
            + " host port.",
        "The service promises that this container port is reachable on a known host port (for a"
            + " proxy, a peer or a readback URL), but the ports section does not deliver it. Add a"
            + " ports entry with a fixed host port for it, or remove it from static-ports.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    List<Finding> out = new ArrayList<>();
    for (Service s : ctx.project().services().values()) {
      List<Integer> required = s.selvedge().staticPorts();
      for (int k = 0; k < required.size(); k++) {
        int port = required.get(k);
        boolean listed = false;
        boolean fixed = false;
        for (PortConfig p : s.ports()) {
          if (p.target() != port) {
            continue;
          }
          listed = true;
          int[] range = HostPorts.range(p.published());
          if (range != null && range[0] == range[1]) {
            fixed = true;
          }
        }
        if (fixed) {
          continue;
        }
        String message =
            listed
                ? "static port "
                    + port
                    + " of '"
                    + s.name()
                    + "' is published without a fixed host port"
                : "static port " + port + " of '" + s.name() + "' is not published";
        out.add(
            ctx.finding(
                this,
                s.name(),
                svc(s.name()) + ".x-selvedge.static-ports[" + k + "]",
                message,
                "Add a ports entry such as \"127.0.0.1:" + port + ":" + port + "\"."));
      }
    }
    return out;
  }
}
