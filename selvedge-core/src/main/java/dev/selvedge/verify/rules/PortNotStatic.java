package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code port-not-static}: a published port whose host port the engine chooses — no host port, 0,
 * or a host port range.
 */
final class PortNotStatic extends BaseRule {
  PortNotStatic() {
    super(
        "port-not-static",
        Severity.WARNING,
        "A published port has no fixed host port (none, 0, or a range).",
        "When the engine picks the host port it changes on every re-create, so proxies, firewalls"
            + " and readback URLs break. Write a fixed host port (\"127.0.0.1:8080:80\"), or use"
            + " expose: when only other containers need the port.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    List<Finding> out = new ArrayList<>();
    for (Service s : ctx.project().services().values()) {
      for (int i = 0; i < s.ports().size(); i++) {
        PortConfig p = s.ports().get(i);
        int[] range = HostPorts.range(p.published());
        String port = p.target() + "/" + p.protocol();
        String message;
        if (range == null) {
          message = "port " + port + " of '" + s.name() + "' is published on a random host port";
        } else if (range[0] != range[1]) {
          message =
              "port "
                  + port
                  + " of '"
                  + s.name()
                  + "' is published on the host port range "
                  + p.published().strip()
                  + ", so the engine picks one";
        } else {
          continue;
        }
        out.add(
            ctx.finding(
                this,
                s.name(),
                svc(s.name()) + ".ports[" + i + "]",
                message,
                "Publish a fixed host port, e.g. \"127.0.0.1:"
                    + p.target()
                    + ":"
                    + p.target()
                    + "\"."));
      }
    }
    return out;
  }
}
