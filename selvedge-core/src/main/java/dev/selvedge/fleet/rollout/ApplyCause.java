package dev.selvedge.fleet.rollout;

import dev.selvedge.operations.ApplyResult;
import dev.selvedge.operations.ApplyResult.ServiceResult;
import dev.selvedge.operations.ApplyResult.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * Why an apply on a node did not end healthy, said from its per-service outcomes: a rollout's halt
 * reason and its failed node's detail ({@code api failed its health gate (its healthcheck reports
 * unhealthy); rolled back}) must say which service failed and why, which the apply's summary (a
 * tally such as {@code rolled-back; rolled-back: api}) does not. The outcomes' details were
 * scrubbed of secret values by the apply.
 */
final class ApplyCause {
  private ApplyCause() {}

  /** What the apply's per-service details say after the cause (what was put back, and how). */
  private static final List<String> AFTERMATH =
      List.of(
          "; stopped it again",
          "; there was no previous container",
          "; put back ",
          "; restored ",
          "; restoring the previous container",
          "; nothing was created",
          "; removed the new container",
          "; check it with selvedge status");

  /** The cause of {@code result}'s failure; its summary when no service says one. */
  static String of(ApplyResult result) {
    List<String> said = new ArrayList<>();
    List<String> applied = new ArrayList<>();
    for (ServiceResult s : result.services()) {
      switch (s.status()) {
        case ROLLED_BACK, FAILED -> said.add(service(s));
        case APPLIED -> applied.add(s.service());
        case UNCHANGED, NOT_REACHED -> {}
      }
    }
    if (said.isEmpty()) {
      return result.summary();
    }
    StringBuilder b = new StringBuilder(String.join("; ", said));
    if (result.outcome() == dev.selvedge.port.Deployment.Outcome.ROLLED_BACK) {
      b.append("; rolled back");
    }
    if (!applied.isEmpty()) {
      b.append("; the stack is partly applied: ")
          .append(String.join(", ", applied))
          .append(applied.size() == 1 ? " runs" : " run")
          .append(" the new version");
    }
    return b.toString();
  }

  /** One failed service: its name, what failed and why; for one not put back, what is left. */
  static String service(ServiceResult s) {
    String d = s.detail() == null ? "" : s.detail();
    String atEnd = "not healthy at the end of the apply: ";
    int end = d.indexOf(atEnd);
    if (end >= 0) {
      return s.service()
          + " was not healthy at the end of the apply ("
          + d.substring(end + atEnd.length())
          + ")";
    }
    String[][] kinds = {
      {"gate failed: ", "failed its health gate"},
      {"could not create the new container: ", "could not be created"},
      {"could not create: ", "could not be created"},
      {"could not start it: ", "could not be started"},
      {"could not start: ", "could not be started"},
      {"could not gate it: ", "could not be gated"},
      {"the engine became unreachable: ", "could not be applied: the engine became unreachable"},
      {"stopped by an error: ", "could not be applied"},
      {"up to date but not healthy: ", "is not healthy"},
      {"unchanged but not healthy, and dependents wait for it: ", "is not healthy"},
    };
    for (String[] k : kinds) {
      if (d.startsWith(k[0])) {
        String rest = d.substring(k[0].length());
        int cut = aftermath(rest);
        String why = rest.substring(0, cut);
        String left = rest.substring(cut);
        String phrase = s.service() + " " + k[1] + " (" + why + ")";
        // Put back: "rolled back" says it. Not put back: what is left is the point.
        if (s.status() == Status.FAILED && left.startsWith("; ")) {
          phrase += left;
        }
        return phrase;
      }
    }
    return s.service() + " " + s.status().id() + " (" + d + ")";
  }

  private static int aftermath(String text) {
    int cut = text.length();
    for (String marker : AFTERMATH) {
      int at = text.indexOf(marker);
      if (at >= 0 && at < cut) {
        cut = at;
      }
    }
    return cut;
  }
}
