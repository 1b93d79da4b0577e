package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.Severity;
import dev.selvedge.contract.yaml.Mark;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code port-conflict}: two {@code ports} entries — of two services or of one — publish the same
 * host address, port and protocol. Ranges overlap port by port; an unset {@code host_ip} binds
 * every interface and collides with any address. Each clashing entry is reported once, against the
 * first earlier entry it collides with.
 */
final class PortConflict extends BaseRule {
  PortConflict() {
    super(
        "port-conflict",
        Severity.ERROR,
        "Two port entries publish the same host address, port and protocol.",
        "Only one container can bind a host port: the second one fails to start, often only on the"
            + " host where both run. Give each entry its own host port, or bind them to different"
            + " host_ip addresses.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    List<HostPorts.Published> all = HostPorts.published(ctx.project().services().values());
    List<Finding> out = new ArrayList<>();
    for (int j = 0; j < all.size(); j++) {
      HostPorts.Published later = all.get(j);
      for (int i = 0; i < j; i++) {
        HostPorts.Published earlier = all.get(i);
        if (!later.overlaps(earlier)) {
          continue;
        }
        Mark where = ctx.project().locate(earlier.path());
        String at =
            where.line() > 0 ? " at " + ctx.relative(where.file()) + ":" + where.line() : "";
        String owner =
            earlier.service().equals(later.service())
                ? "another entry of '" + later.service() + "'"
                : "service '" + earlier.service() + "'";
        out.add(
            ctx.finding(
                this,
                later.service(),
                later.path(),
                "host port "
                    + later.describe()
                    + " is also published by "
                    + owner
                    + " ("
                    + earlier.path()
                    + at
                    + ")",
                "Use a different host port, or bind each to its own host_ip."));
        break;
      }
    }
    return out;
  }
}
