package dev.selvedge.fleet.rollout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.port.RolloutStore.NodeStep;
import dev.selvedge.port.RolloutStore.Rollout;
import java.util.List;

/**
 * A rollout as JSON (the CLI's {@code --format json} and the API's answers, one shape) and as text.
 * Holds no secret: details were scrubbed when recorded.
 */
public final class RolloutJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private RolloutJson() {}

  /** The rollout without its nodes (lists). */
  public static ObjectNode summary(Rollout r) {
    ObjectNode o = F.objectNode();
    o.put("id", r.id());
    o.put("stack", r.stack());
    o.put("selector", r.selector());
    o.put("waves", r.waves());
    ObjectNode images = o.putObject("images");
    r.images().forEach(images::put);
    o.put("gate_timeout", r.gateTimeout().toMillis() / 1000.0 + "s");
    o.put("parallel", r.parallel());
    o.put("force", r.force());
    o.put("state", r.state().label());
    o.put("actor", r.actor());
    o.put("created_at", String.valueOf(r.createdAt()));
    o.put("updated_at", String.valueOf(r.updatedAt()));
    if (r.owner() != null) {
      o.put("owner", r.owner());
      o.put("lease_until", String.valueOf(r.leaseUntil()));
    } else {
      o.putNull("owner");
      o.putNull("lease_until");
    }
    o.put("reason", r.reason());
    o.put("failed_node", r.failedNode());
    return o;
  }

  /** The rollout with every node's step. */
  public static ObjectNode full(Rollout r, List<NodeStep> steps) {
    ObjectNode o = summary(r);
    ArrayNode nodes = o.putArray("nodes");
    for (NodeStep s : steps) {
      ObjectNode n = nodes.addObject();
      n.put("node", s.node());
      n.put("wave", s.wave());
      n.put("step", s.step().label());
      n.put("host", s.host());
      if (s.previous() == null) {
        n.putNull("previous_deployment");
      } else {
        n.put("previous_deployment", s.previous());
      }
      if (s.deployment() == null) {
        n.putNull("deployment");
      } else {
        n.put("deployment", s.deployment());
      }
      n.put("detail", s.detail());
      n.put("updated_at", String.valueOf(s.updatedAt()));
    }
    return o;
  }

  /** The rollout and its nodes for people. */
  public static String text(Rollout r, List<NodeStep> steps) {
    StringBuilder b = new StringBuilder();
    b.append("rollout ")
        .append(r.id())
        .append(" of stack ")
        .append(r.stack())
        .append(" (")
        .append(r.selector())
        .append(", waves ")
        .append(r.waves())
        .append("): ")
        .append(r.state().label())
        .append('\n');
    if (!r.images().isEmpty()) {
      r.images()
          .forEach((k, v) -> b.append("  image ").append(k).append('=').append(v).append('\n'));
    }
    if (r.reason() != null) {
      b.append("  ").append(r.reason()).append('\n');
    }
    if (r.owner() != null) {
      b.append("  worked on by ")
          .append(r.owner())
          .append(" (lease until ")
          .append(r.leaseUntil())
          .append(")\n");
    }
    for (NodeStep s : steps) {
      b.append("  wave ")
          .append(s.wave())
          .append("  ")
          .append(s.node())
          .append("  ")
          .append(s.step().label());
      if (s.previous() != null) {
        b.append("  (was deployment ").append(s.previous()).append(')');
      }
      if (s.detail() != null && !s.detail().isBlank()) {
        b.append("  ").append(s.detail().replace('\n', ' '));
      }
      b.append('\n');
    }
    return b.toString();
  }
}
