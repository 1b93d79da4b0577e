package dev.selvedge.drift;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.evidence.EvidenceJson;
import dev.selvedge.evidence.Tool;
import dev.selvedge.status.ServiceStatus;
import dev.selvedge.status.StackStatus;
import java.time.Clock;
import java.util.List;

/**
 * A drift report as evidence JSON: the {@code selvedge.evidence/v1} envelope of kind {@code drift}
 * plus {@code unread} and {@code status} (docs/evidence-schema.md). Serves both {@code selvedge
 * drift} and {@code selvedge status}.
 */
public final class DriftJson {
  private DriftJson() {}

  /** The report as pretty-printed JSON, ending in a newline. */
  public static String write(DriftReport report, Tool tool, Clock clock) {
    return dev.selvedge.json.TreeJson.pretty(toTree(report, tool, clock)) + "\n";
  }

  public static ObjectNode toTree(DriftReport report, Tool tool, Clock clock) {
    ObjectNode root = EvidenceJson.toTree(report.toEvidence(tool, clock));
    ArrayNode unread = root.putArray("unread");
    for (Unread u : report.unread()) {
      ObjectNode n = unread.addObject();
      n.put("service", u.service());
      n.put("layer", u.layer().id());
      n.put("key", u.key());
      n.put("reason", u.reason());
    }
    root.set("status", status(report.status()));
    return root;
  }

  /** The status block: the stack's axes and pill, then every service's. */
  public static ObjectNode status(StackStatus stack) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("pill", stack.pill().id());
    o.put("sync", stack.sync().id());
    o.put("health", stack.health().id());
    strings(o.putArray("reasons"), stack.pillReasons());
    strings(o.putArray("project_reasons"), stack.projectReasons());
    ArrayNode services = o.putArray("services");
    for (ServiceStatus s : stack.services()) {
      ObjectNode n = services.addObject();
      n.put("service", s.service());
      n.put("pill", s.pill().id());
      n.put("sync", s.sync().id());
      n.put("health", s.health().id());
      strings(n.putArray("reasons"), s.pillReasons());
      strings(n.putArray("sync_reasons"), s.syncReasons());
      strings(n.putArray("health_reasons"), s.healthReasons());
      strings(n.putArray("external"), s.external());
    }
    return o;
  }

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }
}
