package dev.selvedge.operations.render;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.json.TreeJson;
import dev.selvedge.operations.ApplyResult;
import dev.selvedge.operations.Plan;
import dev.selvedge.operations.ResolvedImage;
import dev.selvedge.port.AuditLog;
import dev.selvedge.port.Deployment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Plans, apply results and deployment history as text for people and JSON for tools (the CLI's
 * {@code --format json}, the server's answers). Nothing here holds a secret value: plans and
 * results carry reasons written without values, snapshots are redacted.
 */
public final class OperationsRender {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private OperationsRender() {}

  // ---- plan ----

  public static String planText(Plan plan) {
    StringBuilder out = new StringBuilder();
    out.append("plan for project '")
        .append(plan.project())
        .append("' on ")
        .append(plan.host())
        .append('\n');
    int width = 8;
    for (Plan.Step s : plan.services()) {
      width = Math.max(width, s.service().length() + 2);
    }
    for (Plan.Resource n : plan.networks()) {
      out.append("  network ")
          .append(n.engineName())
          .append(": ")
          .append(presence(n.presence()))
          .append('\n');
    }
    for (Plan.Resource v : plan.volumes()) {
      out.append("  volume ")
          .append(v.engineName())
          .append(": ")
          .append(presence(v.presence()))
          .append('\n');
    }
    for (Plan.Step s : plan.services()) {
      out.append("  ").append(pad(s.service(), width)).append(s.action().id()).append('\n');
      for (String r : s.reasons()) {
        out.append("  ").append(pad("", width)).append("- ").append(r).append('\n');
      }
      if (!s.leftovers().isEmpty()) {
        out.append("  ")
            .append(pad("", width))
            .append("- remove ")
            .append(s.leftovers().size())
            .append(" other container(s) of the service\n");
      }
    }
    for (Plan.Orphan o : plan.orphans()) {
      out.append("  orphan ")
          .append(o.name())
          .append(" (service '")
          .append(o.service())
          .append("' is not in the contract): remove\n");
    }
    long changes = plan.services().stream().filter(Plan.Step::changes).count();
    out.append(
        plan.changes()
            ? changes + " service(s) to change, " + plan.orphans().size() + " orphan(s) to remove\n"
            : "nothing to do: the engine runs what the contract says\n");
    return out.toString();
  }

  public static ObjectNode planJson(Plan plan) {
    ObjectNode root = F.objectNode();
    root.put("project", plan.project());
    root.put("host", plan.host());
    root.put("changes", plan.changes());
    ArrayNode services = root.putArray("services");
    for (Plan.Step s : plan.services()) {
      ObjectNode n = services.addObject();
      n.put("service", s.service());
      n.put("action", s.action().id());
      strings(n.putArray("reasons"), s.reasons());
      n.put("container", s.containerId());
      strings(n.putArray("leftovers"), s.leftovers());
      image(n, s.image());
      n.put("configHash", s.configHash());
    }
    resources(root.putArray("networks"), plan.networks());
    resources(root.putArray("volumes"), plan.volumes());
    ArrayNode orphans = root.putArray("orphans");
    for (Plan.Orphan o : plan.orphans()) {
      ObjectNode n = orphans.addObject();
      n.put("container", o.containerId());
      n.put("name", o.name());
      n.put("service", o.service());
    }
    return root;
  }

  // ---- apply ----

  public static String resultText(ApplyResult r) {
    StringBuilder out = new StringBuilder();
    if (r.plan().changes()) {
      out.append("deployment ")
          .append(r.deploymentId())
          .append(": ")
          .append(outcome(r.outcome()))
          .append('\n');
    } else {
      out.append("nothing to change (no new deployment; the latest is ")
          .append(r.deploymentId() == 0 ? "none" : Long.toString(r.deploymentId()))
          .append(")\n");
    }
    int width = 8;
    for (ApplyResult.ServiceResult s : r.services()) {
      width = Math.max(width, s.service().length() + 2);
    }
    for (ApplyResult.ServiceResult s : r.services()) {
      out.append("  ")
          .append(pad(s.service(), width))
          .append(pad(s.status().id(), 13))
          .append(s.detail())
          .append('\n');
    }
    for (String removed : r.removed()) {
      out.append("  removed ").append(removed).append('\n');
    }
    out.append(r.summary()).append('\n');
    return out.toString();
  }

  public static ObjectNode resultJson(ApplyResult r) {
    ObjectNode root = F.objectNode();
    root.put("deployment", r.deploymentId());
    root.put("changed", r.plan().changes());
    root.put("outcome", outcome(r.outcome()));
    root.put("summary", r.summary());
    ArrayNode services = root.putArray("services");
    for (ApplyResult.ServiceResult s : r.services()) {
      ObjectNode n = services.addObject();
      n.put("service", s.service());
      n.put("action", s.action().id());
      n.put("status", s.status().id());
      n.put("detail", s.detail());
    }
    strings(root.putArray("removed"), r.removed());
    root.set("plan", planJson(r.plan()));
    return root;
  }

  // ---- history ----

  public static String historyText(List<Deployment> history) {
    if (history.isEmpty()) {
      return "no deployments yet\n";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "STARTED", "KIND", "OUTCOME", "BY", "SUMMARY"});
    for (Deployment d : history) {
      rows.add(
          new String[] {
            Long.toString(d.id()),
            instant(d.startedAt()),
            d.kind().name().toLowerCase(Locale.ROOT)
                + (d.rollbackOf() == null ? "" : " (to " + d.rollbackOf() + ")"),
            outcome(d.outcome()),
            d.actor() + (d.forced() ? " (forced)" : ""),
            d.summary()
          });
    }
    return table(rows);
  }

  /**
   * Rows as columns each as wide as its widest cell ("rollback (to 1234)" or a long actor never
   * runs into the next column); the last column is not padded.
   */
  private static String table(List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] width = new int[columns - 1];
    for (String[] row : rows) {
      for (int i = 0; i < width.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      for (int i = 0; i < width.length; i++) {
        out.append(pad(row[i], width[i] + 1));
      }
      out.append(row[columns - 1]).append('\n');
    }
    return out.toString();
  }

  private static String instant(java.time.Instant at) {
    return at.toString().replaceFirst("\\.\\d+Z$", "Z");
  }

  // ---- audit ----

  public static String auditText(List<AuditLog.Event> events) {
    if (events.isEmpty()) {
      return "no changes recorded yet\n";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"AT", "BY", "SERVICE", "ACTION", "TARGET", "OUTCOME", "DETAIL"});
    for (AuditLog.Event e : events) {
      rows.add(
          new String[] {
            instant(e.at()),
            e.actor(),
            e.service() == null ? "-" : e.service(),
            e.action(),
            e.target() == null ? "-" : e.target(),
            e.outcome(),
            e.detail()
          });
    }
    return table(rows);
  }

  public static String auditJson(List<AuditLog.Event> events) {
    ArrayNode arr = F.arrayNode();
    for (AuditLog.Event e : events) {
      ObjectNode n = arr.addObject();
      n.put("id", e.id());
      n.put("at", e.at().toString());
      n.put("actor", e.actor());
      n.put("host", e.host());
      n.put("project", e.project());
      n.put("service", e.service());
      n.put("action", e.action());
      n.put("target", e.target());
      n.put("outcome", e.outcome());
      n.put("detail", e.detail());
    }
    return pretty(arr);
  }

  /**
   * One audit event as {@code GET /api/v1/audit} and {@code selvedge audit --format json} show it:
   * every field, {@code stack} for the Compose project.
   */
  public static ObjectNode auditEvent(AuditLog.Event e) {
    ObjectNode n = F.objectNode();
    n.put("id", e.id());
    n.put("at", e.at().toString());
    n.put("actor", e.actor());
    n.put("source", e.source());
    n.put("action", e.action());
    n.put("node", e.node());
    n.put("host", e.host());
    n.put("stack", e.project());
    n.put("service", e.service());
    n.put("target", e.target());
    n.put("before", e.before());
    n.put("after", e.after());
    n.put("outcome", e.outcome());
    n.put("request_id", e.requestId());
    n.put("detail", e.detail());
    return n;
  }

  /** The audit log as a table for people, newest first: {@code selvedge audit}. */
  public static String auditLogText(List<AuditLog.Event> events) {
    if (events.isEmpty()) {
      return "no audit events match\n";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "ID", "AT", "ACTOR", "SOURCE", "ACTION", "NODE", "STACK", "SERVICE", "OUTCOME", "DETAIL"
        });
    for (AuditLog.Event e : events) {
      rows.add(
          new String[] {
            Long.toString(e.id()),
            instant(e.at()),
            e.actor(),
            dash(e.source()),
            e.action(),
            dash(e.node()),
            dash(e.project()),
            dash(e.service()),
            e.outcome(),
            e.detail()
          });
    }
    return table(rows);
  }

  private static String dash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }

  public static ObjectNode deploymentJson(Deployment d, boolean withConfig) {
    ObjectNode n = F.objectNode();
    n.put("id", d.id());
    n.put("host", d.host());
    n.put("project", d.project());
    n.put("kind", d.kind().name().toLowerCase(Locale.ROOT));
    n.put("revision", d.revision());
    n.put("actor", d.actor());
    n.put("startedAt", d.startedAt().toString());
    n.put("finishedAt", d.finishedAt() == null ? null : d.finishedAt().toString());
    n.put("outcome", outcome(d.outcome()));
    n.put("forced", d.forced());
    if (d.rollbackOf() != null) {
      n.put("rollbackOf", d.rollbackOf());
    }
    n.put("summary", d.summary());
    ArrayNode images = n.putArray("images");
    for (Deployment.ServiceImage i : d.images()) {
      ObjectNode img = images.addObject();
      img.put("service", i.service());
      img.put("reference", i.reference());
      img.put("imageId", i.imageId());
      img.put("repoDigest", i.repoDigest());
    }
    ObjectNode fps = n.putObject("envFingerprints");
    d.envFingerprints().forEach((svc, keys) -> keys.forEach(fps.putObject(svc)::put));
    if (withConfig) {
      try {
        n.set("config", TreeJson.readFirst(d.renderedConfig()));
      } catch (java.io.IOException e) {
        n.put("config", (String) null);
      }
    }
    return n;
  }

  public static String historyJson(List<Deployment> history) {
    ArrayNode arr = F.arrayNode();
    for (Deployment d : history) {
      arr.add(deploymentJson(d, false));
    }
    return pretty(arr);
  }

  /** Indented JSON with a final newline (no ObjectMapper: its set-up costs a CLI run more). */
  public static String pretty(com.fasterxml.jackson.databind.JsonNode node) {
    return TreeJson.pretty(node) + "\n";
  }

  private static String outcome(Deployment.Outcome o) {
    return o.id();
  }

  private static String presence(Plan.Presence p) {
    return switch (p) {
      case CREATE -> "create";
      case PRESENT -> "present";
      case EXTERNAL -> "external (present)";
    };
  }

  private static void resources(ArrayNode arr, List<Plan.Resource> rs) {
    for (Plan.Resource r : rs) {
      ObjectNode n = arr.addObject();
      n.put("key", r.key());
      n.put("name", r.engineName());
      n.put("presence", presence(r.presence()));
    }
  }

  private static void image(ObjectNode n, ResolvedImage i) {
    if (i == null) {
      n.putNull("image");
      return;
    }
    ObjectNode img = n.putObject("image");
    img.put("reference", i.reference());
    img.put("imageId", i.imageId());
    img.put("repoDigest", i.repoDigestReference());
  }

  private static void strings(ArrayNode arr, List<String> values) {
    values.forEach(arr::add);
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
  }
}
