package dev.selvedge.fleet.audit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.evidence.Tool;
import java.io.PrintWriter;

/**
 * A cross-tenant audit as evidence JSON ({@code selvedge.evidence/v1}, kind {@code tenant-audit};
 * docs/evidence-schema.md): what {@code selvedge fleet audit --format json} prints, what the server
 * keeps and {@code GET /api/v1/audit/tenants} answers. Fingerprints only, never a value.
 */
public final class AuditJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** The evidence kind. */
  public static final String KIND = "tenant-audit";

  private AuditJson() {}

  public static ObjectNode write(AuditReport r, Tool tool) {
    ObjectNode o = F.objectNode();
    o.put("schema", "selvedge.evidence/v1");
    o.put("kind", KIND);
    ObjectNode t = o.putObject("tool");
    t.put("name", tool.name());
    t.put("version", tool.version());
    o.put("generated_at", r.generatedAt().toString());
    o.putNull("project");
    ArrayNode inputs = o.putArray("inputs");
    if (r.fleetFile() != null) {
      ObjectNode in = inputs.addObject();
      in.put("path", r.fleetFile());
      in.put("role", "fleet");
    }
    ObjectNode policy = o.putObject("policy");
    policy.put("fail_on", "error");
    ObjectNode rules = policy.putObject("rules");
    for (AuditFinding.Kind k : AuditFinding.Kind.values()) {
      rules.put(k.id(), "error");
    }
    ArrayNode projects = policy.putArray("projects");
    r.projects().forEach(projects::add);
    ObjectNode summary = o.putObject("summary");
    summary.put("passed", r.exitCode() == 0);
    summary.put("result", r.result());
    summary.put("errors", r.findings().size());
    summary.put("warnings", 0);
    summary.put("notes", 0);
    summary.put("waived", 0);
    summary.put("nodes", r.nodes().size());
    ArrayNode nodes = o.putArray("nodes");
    r.nodes().forEach(nodes::add);
    ArrayNode findings = o.putArray("findings");
    for (AuditFinding f : r.findings()) {
      ObjectNode x = findings.addObject();
      x.put("node", f.node());
      x.put("stack", f.stack());
      x.put("service", f.service());
      x.put("class", f.kind().id());
      x.put("severity", "error");
      x.put("key", f.key());
      x.put("project", f.project());
      x.put("fingerprint", f.fingerprint());
      ArrayNode others = x.putArray("others");
      f.others().forEach(others::add);
      x.put("message", f.message());
    }
    o.putArray("waivers");
    ArrayNode unread = o.putArray("unread");
    for (AuditReport.Unreadable u : r.unreadable()) {
      ObjectNode x = unread.addObject();
      x.put("node", u.node());
      x.put("stack", u.stack());
      x.put("reason", u.reason());
    }
    return o;
  }

  /** Grouped by node: {@code !} a finding, {@code ?} what could not be read. */
  public static void text(
      PrintWriter out, AuditReport r, java.util.function.UnaryOperator<String> safe) {
    out.println("cross-tenant audit of " + dev.selvedge.Words.count(r.nodes().size(), "node"));
    for (String node : r.nodes()) {
      out.println();
      out.println("node " + safe.apply(node));
      boolean any = false;
      for (AuditReport.Unreadable u : r.unreadable()) {
        if (u.node().equals(node)) {
          out.println(
              "  ? " + (u.stack() == null ? "" : u.stack() + ": ") + safe.apply(u.reason()));
          any = true;
        }
      }
      for (AuditFinding f : r.findings()) {
        if (f.node().equals(node)) {
          out.println("  ! " + f.kind().id() + ": " + safe.apply(f.message()));
          any = true;
        }
      }
      if (!any) {
        out.println("  clean");
      }
    }
    out.println();
    out.println(
        r.result()
            + ": "
            + r.findings().size()
            + " findings, "
            + r.unreadable().size()
            + " unreadable");
    out.flush();
  }
}
