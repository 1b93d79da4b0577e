package dev.selvedge.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.fleet.EngineFacts;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.PillChange;
import dev.selvedge.fleet.StackState;
import dev.selvedge.port.ApiKeyStore.ApiKey;
import java.time.Instant;
import java.util.List;

/**
 * The API's own JSON shapes (see {@code openapi.json}): the fleet, a node, its pill history, the
 * keys. A node of the fleet file that was never swept is shown with null state; the stored state of
 * a node no longer in the file is not shown.
 */
final class ApiJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private ApiJson() {}

  static ObjectNode fleet(
      List<Fleet.Node> nodes, java.util.function.Function<String, NodeState> state) {
    ObjectNode root = F.objectNode();
    ArrayNode arr = root.putArray("nodes");
    for (Fleet.Node n : nodes) {
      arr.add(node(n, state.apply(n.id()), false));
    }
    return root;
  }

  /** A node: with {@code detail} its engine facts and each stack's project and sweep time too. */
  static ObjectNode node(Fleet.Node node, NodeState state, boolean detail) {
    ObjectNode n = F.objectNode();
    n.put("id", node.id());
    n.put("environment", node.environment());
    strings(n.putArray("tags"), node.tags());
    n.put("pill", state == null || state.pill() == null ? null : state.pill().id());
    strings(n.putArray("reasons"), state == null ? List.of("not swept yet") : state.reasons());
    n.put("last_swept_at", instant(state == null ? null : state.lastSweptAt()));
    if (detail) {
      n.put("engine", Secrets.maskUrlPasswords(node.engine(), SecretValues.MASK));
      n.put("failures", state == null ? 0 : state.failures());
      n.set("facts", facts(state == null ? null : state.facts()));
    }
    ArrayNode stacks = n.putArray("stacks");
    for (Fleet.Stack s : node.stacks().values()) {
      StackState st = stack(state, s.name());
      ObjectNode o = stacks.addObject();
      o.put("name", s.name());
      o.put("sync", st == null || st.sync() == null ? null : st.sync().id());
      o.put("health", st == null || st.health() == null ? null : st.health().id());
      o.put("pill", st == null || st.pill() == null ? null : st.pill().id());
      strings(o.putArray("reasons"), st == null ? List.of("not swept yet") : st.reasons());
      if (detail) {
        o.put("project", s.project());
        o.put("swept_at", instant(st == null ? null : st.sweptAt()));
      }
    }
    return n;
  }

  static StackState stack(NodeState state, String name) {
    if (state == null) {
      return null;
    }
    return state.stacks().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
  }

  private static ObjectNode facts(EngineFacts f) {
    if (f == null) {
      return null;
    }
    ObjectNode o = F.objectNode();
    o.put("daemon_id", f.daemonId());
    o.put("version", f.version());
    o.put("api_version", f.apiVersion());
    o.put("os", f.os());
    o.put("arch", f.arch());
    o.put("cpus", f.cpus());
    o.put("memory_bytes", f.memoryBytes());
    o.put("root_dir", f.rootDir());
    o.put("root_disk_bytes", f.rootDiskBytes());
    return o;
  }

  static ObjectNode history(String node, List<PillChange> changes) {
    ObjectNode root = F.objectNode();
    root.put("node", node);
    ArrayNode arr = root.putArray("changes");
    for (PillChange c : changes) {
      ObjectNode o = arr.addObject();
      o.put("stack", c.stack());
      o.put("from", c.from() == null ? null : c.from().id());
      o.put("to", c.to().id());
      strings(o.putArray("reasons"), c.reasons());
      o.put("at", instant(c.at()));
    }
    return root;
  }

  static ObjectNode keys(List<ApiKey> keys) {
    ObjectNode root = F.objectNode();
    ArrayNode arr = root.putArray("keys");
    for (ApiKey k : keys) {
      ObjectNode o = arr.addObject();
      o.put("name", k.name());
      o.put("scope", k.scope().label());
      o.put("created_at", instant(k.createdAt()));
      o.put("last_used_at", instant(k.lastUsedAt()));
      o.put("revoked_at", instant(k.revokedAt()));
    }
    return root;
  }

  static ObjectNode error(String code, String message) {
    ObjectNode o = F.objectNode();
    o.put("error", code);
    o.put("message", message);
    return o;
  }

  private static String instant(Instant at) {
    return at == null ? null : at.toString();
  }

  private static void strings(ArrayNode arr, List<String> values) {
    values.forEach(arr::add);
  }
}
