package dev.selvedge.fleet.parity;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A parity report as JSON: what {@code selvedge parity --format json} prints and {@code GET
 * /api/v1/parity} answers (docs/parity.md). The values are the report's, fingerprints already.
 */
public final class ParityJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private ParityJson() {}

  public static ObjectNode write(ParityReport r) {
    ObjectNode o = F.objectNode();
    o.put("a", r.a());
    o.put("b", r.b());
    o.put("stack", r.stack());
    o.put("result", r.result().id());
    ObjectNode summary = o.putObject("summary");
    summary.put("comparisons", r.comparisons().size());
    summary.put("differences", r.unexpected() + r.expected());
    summary.put("unexpected", r.unexpected());
    summary.put("expected", r.expected());
    summary.put("unreadable", r.unreadable().size());
    ArrayNode comparisons = o.putArray("comparisons");
    for (ParityReport.Comparison c : r.comparisons()) {
      ObjectNode co = comparisons.addObject();
      co.put("stack", c.stack());
      side(co, "a", c.nodeA(), c.projectA());
      side(co, "b", c.nodeB(), c.projectB());
      co.put("unexpected", c.unexpected());
      ArrayNode ds = co.putArray("differences");
      for (ParityDifference d : c.differences()) {
        ObjectNode x = ds.addObject();
        x.put("service", d.service());
        x.put("layer", d.layer().id());
        x.put("key", d.key());
        x.put("a", d.a());
        x.put("b", d.b());
        x.put("expected", d.expected());
        x.put("ignored_by", d.ignoredBy());
      }
    }
    ArrayNode unreadable = o.putArray("unreadable");
    for (ParityReport.Unreadable u : r.unreadable()) {
      ObjectNode x = unreadable.addObject();
      x.put("node", u.node());
      x.put("stack", u.stack());
      x.put("reason", u.reason());
    }
    return o;
  }

  private static void side(ObjectNode o, String name, String node, String project) {
    if (node == null) {
      o.putNull(name);
      return;
    }
    ObjectNode s = o.putObject(name);
    s.put("node", node);
    s.put("project", project);
  }
}
