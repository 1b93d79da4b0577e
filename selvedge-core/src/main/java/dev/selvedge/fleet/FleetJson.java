package dev.selvedge.fleet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.json.TreeJson;
import dev.selvedge.status.Pill;
import java.time.Instant;
import java.util.List;

/**
 * The fleet as JSON, one shape for {@code selvedge fleet status --format json} and the API ({@code
 * GET /api/v1/fleet}, {@code /nodes/{node}}, {@code /nodes/{node}/history}). A pill, sync or health
 * not known yet (a node or stack never swept, a stack whose engine did not answer) is {@code
 * "unknown"}; times are ISO-8601 UTC.
 */
public final class FleetJson {
  private FleetJson() {}

  /** Written for a pill, sync or health not known. */
  public static final String UNKNOWN = "unknown";

  /**
   * {@code {"generated_at", "summary": {"nodes", "stacks", "green", "yellow", "red"}, "nodes":
   * [...]}}: the summary counts the listed nodes, their stacks, and the stacks of each colour.
   */
  public static ObjectNode fleet(List<NodeView> nodes, Instant generatedAt) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("generated_at", generatedAt.toString());
    ObjectNode summary = root.putObject("summary");
    int stacks = 0;
    int[] pills = new int[Pill.values().length];
    for (NodeView v : nodes) {
      for (Fleet.Stack s : v.node().stacks().values()) {
        stacks++;
        StackState st = stack(v, s.name());
        if (st != null && st.pill() != null) {
          pills[st.pill().ordinal()]++;
        }
      }
    }
    summary.put("nodes", nodes.size());
    summary.put("stacks", stacks);
    for (Pill p : Pill.values()) {
      summary.put(p.id(), pills[p.ordinal()]);
    }
    ArrayNode list = root.putArray("nodes");
    for (NodeView v : nodes) {
      list.add(summary(v));
    }
    return root;
  }

  /**
   * One node as the fleet lists it: {@code id, environment, tags, pill, reasons, last_swept_at,
   * swept_by, stale, stacks: [{name, project, sync, health, pill, reasons}]}.
   */
  public static ObjectNode summary(NodeView v) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    NodeState state = v.state();
    o.put("id", v.node().id());
    o.put("environment", v.node().environment());
    ArrayNode tags = o.putArray("tags");
    v.node().tags().forEach(tags::add);
    o.put("pill", state == null || state.pill() == null ? UNKNOWN : state.pill().id());
    strings(o.putArray("reasons"), state == null ? List.of("not swept yet") : state.reasons());
    o.put(
        "last_swept_at",
        state == null || state.lastSweptAt() == null ? null : state.lastSweptAt().toString());
    o.put("swept_by", state == null ? null : state.sweptBy());
    o.put("stale", v.stale());
    ArrayNode stacks = o.putArray("stacks");
    for (Fleet.Stack s : v.node().stacks().values()) {
      StackState st = stack(v, s.name());
      ObjectNode n = stacks.addObject();
      n.put("name", s.name());
      n.put("project", s.project());
      n.put("sync", st == null || st.sync() == null ? UNKNOWN : st.sync().id());
      n.put("health", st == null || st.health() == null ? UNKNOWN : st.health().id());
      n.put("pill", st == null || st.pill() == null ? UNKNOWN : st.pill().id());
      strings(n.putArray("reasons"), st == null ? List.of("not swept yet") : st.reasons());
    }
    return o;
  }

  /**
   * One node in full ({@code GET /nodes/{node}}): its {@link #summary}, {@code failures} (sweeps in
   * a row its engine did not answer) and {@code engine}: its facts from the last sweep that reached
   * it ({@code id, version, api_version, os, arch, cpus, memory_bytes, root_dir, root_disk_bytes};
   * null when never reached).
   */
  public static ObjectNode node(NodeView v) {
    ObjectNode o = summary(v);
    o.put("failures", v.state() == null ? 0 : v.state().failures());
    EngineFacts f = v.state() == null ? null : v.state().facts();
    if (f == null) {
      o.putNull("engine");
    } else {
      ObjectNode e = o.putObject("engine");
      e.put("id", f.daemonId());
      e.put("version", f.version());
      e.put("api_version", f.apiVersion());
      e.put("os", f.os());
      e.put("arch", f.arch());
      e.put("cpus", f.cpus());
      e.put("memory_bytes", f.memoryBytes());
      e.put("root_dir", f.rootDir());
      e.put("root_disk_bytes", f.rootDiskBytes());
    }
    return o;
  }

  /**
   * A node's pill changes, newest first: {@code {"node", "changes": [{"stack", "from", "to",
   * "reasons", "at"}]}}; {@code stack} is null for the node's own pill, {@code from} null for the
   * first colour.
   */
  public static ObjectNode history(String node, List<PillChange> changes) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("node", node);
    ArrayNode list = root.putArray("changes");
    for (PillChange c : changes) {
      ObjectNode n = list.addObject();
      n.put("stack", c.stack());
      n.put("from", c.from() == null ? null : c.from().id());
      n.put("to", c.to().id());
      strings(n.putArray("reasons"), c.reasons());
      n.put("at", c.at().toString());
    }
    return root;
  }

  /** Pretty-printed, ending in a newline. */
  public static String write(ObjectNode tree) {
    return TreeJson.pretty(tree) + "\n";
  }

  private static StackState stack(NodeView v, String name) {
    if (v.state() == null) {
      return null;
    }
    for (StackState s : v.state().stacks()) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }
}
