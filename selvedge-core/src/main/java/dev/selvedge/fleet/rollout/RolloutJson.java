package dev.selvedge.fleet.rollout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.compose.GoDuration;
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
    o.put("gate_timeout", GoDuration.format(r.gateTimeout()));
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

  /**
   * A wave for people: {@code wave 0 (canary)}, {@code wave 1}, ... (the API's and the events'
   * 0-based {@code wave}, the first one named the canary, as the UI does).
   */
  public static String wave(int wave) {
    return wave == 0 ? "wave 0 (canary)" : "wave " + wave;
  }

  private static String pad(String text, int width) {
    return text.length() >= width ? text : text + " ".repeat(width - text.length());
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
    int waveWidth = 0;
    int nodeWidth = 0;
    int stepWidth = 0;
    for (NodeStep s : steps) {
      waveWidth = Math.max(waveWidth, wave(s.wave()).length());
      nodeWidth = Math.max(nodeWidth, s.node().length());
      stepWidth = Math.max(stepWidth, s.step().label().length());
    }
    for (NodeStep s : steps) {
      StringBuilder line = new StringBuilder("  ");
      line.append(pad(wave(s.wave()), waveWidth))
          .append("  ")
          .append(pad(s.node(), nodeWidth))
          .append("  ")
          .append(pad(s.step().label(), stepWidth));
      if (s.previous() != null) {
        line.append("  (was deployment ").append(s.previous()).append(')');
      }
      if (s.detail() != null && !s.detail().isBlank()) {
        line.append("  ").append(s.detail().replace('\n', ' '));
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    return b.toString();
  }
}
