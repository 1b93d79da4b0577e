package dev.selvedge.fleet.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.contract.model.Readback;
import dev.selvedge.contract.model.Service;
import dev.selvedge.drift.DriftInput;
import dev.selvedge.drift.ReadbackResult;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ProbeResult;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The cross-tenant audit's findings from what was read on every node (pure: the nodes are read
 * beforehand). A tenant is a stack on a node: {@code node/stack}.
 *
 * <ul>
 *   <li><b>foreign-resource</b>: a container, network or volume whose {@code
 *       com.docker.compose.project} is no project of the node's stacks, naming the node(s) and
 *       stack(s) of the fleet that declare that project, if any;
 *   <li><b>shared-unique-value</b>: a key of {@code x-selvedge.tenant_unique} whose value (in the
 *       containers' environment or the host's {@code .env}) has the same fingerprint on two
 *       tenants;
 *   <li><b>readback-identity</b>: a readback {@code expect} path whose expected value is one of the
 *       tenant's {@code tenant_unique} values (a tenant field, {@code tenant.id: ${TENANT_ID}})
 *       answered with another tenant's value.
 * </ul>
 *
 * Values are compared as read and shown only as keyed fingerprints.
 */
public final class TenantAudit {
  /** The label that names a resource's Compose project. */
  public static final String PROJECT_LABEL = "com.docker.compose.project";

  private final Fingerprints fingerprints;

  public TenantAudit(Fingerprints fingerprints) {
    this.fingerprints = Objects.requireNonNull(fingerprints, "fingerprints");
  }

  /** A container, network or volume on a node's engine, with its Compose project. */
  public record Resource(String type, String name, String project) {}

  /**
   * What a node read gave.
   *
   * @param failed why the node as a whole could not be read, else null
   * @param resources every Compose-labelled container, network and volume of its engine
   * @param stacks each stack's layers as read, by stack name (hold secrets: never print)
   * @param unreadable each stack that could not be read, with why
   */
  public record NodeRead(
      String failed,
      List<Resource> resources,
      Map<String, DriftInput> stacks,
      Map<String, String> unreadable) {
    public NodeRead {
      resources = List.copyOf(resources);
      stacks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(stacks));
      unreadable = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(unreadable));
    }

    public static NodeRead failed(String why) {
      return new NodeRead(why, List.of(), Map.of(), Map.of());
    }

    @Override
    public String toString() {
      return "NodeRead[" + (failed != null ? "failed" : stacks.keySet()) + "]";
    }
  }

  /** One tenant's read: its unique values by key, and its values of any unique key. */
  private record Tenant(String node, String stack, DriftInput input) {
    String id() {
      return node + "/" + stack;
    }
  }

  /** The findings over every node read ({@code reads} by node id, in the fleet's order). */
  public AuditReport audit(Fleet fleet, Map<String, NodeRead> reads, Instant at) {
    List<AuditFinding> findings = new ArrayList<>();
    List<AuditReport.Unreadable> unreadable = new ArrayList<>();
    List<Tenant> tenants = new ArrayList<>();
    for (Map.Entry<String, NodeRead> e : reads.entrySet()) {
      NodeRead r = e.getValue();
      if (r.failed() != null) {
        unreadable.add(new AuditReport.Unreadable(e.getKey(), null, r.failed()));
        continue;
      }
      r.unreadable()
          .forEach((s, why) -> unreadable.add(new AuditReport.Unreadable(e.getKey(), s, why)));
      r.stacks().forEach((s, input) -> tenants.add(new Tenant(e.getKey(), s, input)));
    }
    Map<String, Map<String, Set<String>>> unique = new LinkedHashMap<>();
    for (Tenant t : tenants) {
      unique.put(t.id(), uniqueValues(t.input()));
    }
    for (Map.Entry<String, NodeRead> e : reads.entrySet()) {
      Fleet.Node node = fleet.nodes().get(e.getKey());
      if (node == null || e.getValue().failed() != null) {
        continue;
      }
      foreign(fleet, node, e.getValue(), findings);
      shared(e.getKey(), tenants, unique, findings);
      readbacks(e.getKey(), tenants, unique, findings);
    }
    return new AuditReport(
        at,
        fleet.file() == null ? null : fleet.file().toString(),
        List.copyOf(reads.keySet()),
        fleet.audit().projects(),
        findings,
        unreadable);
  }

  private static void foreign(Fleet fleet, Fleet.Node node, NodeRead read, List<AuditFinding> out) {
    Set<String> own = new LinkedHashSet<>();
    node.stacks().values().forEach(s -> own.add(s.project()));
    for (Resource r : read.resources()) {
      if (r.project() == null
          || own.contains(r.project())
          || !fleet.audit().considers(r.project())) {
        continue;
      }
      List<String> owners = new ArrayList<>();
      for (Fleet.Node n : fleet.nodes().values()) {
        for (Fleet.Stack s : n.stacks().values()) {
          if (!n.id().equals(node.id()) && r.project().equals(s.project())) {
            owners.add(n.id() + "/" + s.name());
          }
        }
      }
      String whose =
          owners.isEmpty()
              ? "no stack of the fleet"
              : "stack " + String.join(", ", owners) + " of another node";
      out.add(
          new AuditFinding(
              node.id(),
              null,
              null,
              AuditFinding.Kind.FOREIGN_RESOURCE,
              r.type() + " " + r.name(),
              r.project(),
              null,
              owners,
              r.type()
                  + " '"
                  + r.name()
                  + "' on node '"
                  + node.id()
                  + "' belongs to Compose project '"
                  + r.project()
                  + "': no stack of this node, "
                  + whose));
    }
  }

  private void shared(
      String node,
      List<Tenant> tenants,
      Map<String, Map<String, Set<String>>> unique,
      List<AuditFinding> out) {
    for (Tenant t : tenants) {
      if (!t.node().equals(node)) {
        continue;
      }
      for (Map.Entry<String, Set<String>> k : unique.get(t.id()).entrySet()) {
        for (String value : k.getValue()) {
          List<String> others = new ArrayList<>();
          for (Tenant o : tenants) {
            if (o != t && unique.get(o.id()).getOrDefault(k.getKey(), Set.of()).contains(value)) {
              others.add(o.id());
            }
          }
          if (others.isEmpty()) {
            continue;
          }
          String fp = fingerprints.of(value);
          out.add(
              new AuditFinding(
                  node,
                  t.stack(),
                  null,
                  AuditFinding.Kind.SHARED_UNIQUE_VALUE,
                  "environment." + k.getKey(),
                  null,
                  fp,
                  others,
                  k.getKey()
                      + " of "
                      + t.id()
                      + " must be unique per tenant and has the same value ("
                      + fp
                      + ") on "
                      + String.join(", ", others)));
        }
      }
    }
  }

  private void readbacks(
      String node,
      List<Tenant> tenants,
      Map<String, Map<String, Set<String>>> unique,
      List<AuditFinding> out) {
    for (Tenant t : tenants) {
      if (!t.node().equals(node) || t.input().readbacks() == null) {
        continue;
      }
      Set<String> mine = all(unique.get(t.id()));
      for (Service s : t.input().deployed().services().values()) {
        Readback rb = s.selvedge().readback();
        if (rb == null) {
          continue;
        }
        List<JsonNode> answers = answers(t.input().readbacks(), s.name());
        for (Map.Entry<String, String> x : rb.expect().entrySet()) {
          String want = x.getValue();
          if (want == null || want.isEmpty() || !mine.contains(want)) {
            continue; // not a tenant field
          }
          String have = at(answers, x.getKey());
          if (have == null || have.equals(want)) {
            continue;
          }
          List<String> others = new ArrayList<>();
          for (Tenant o : tenants) {
            if (o != t && all(unique.get(o.id())).contains(have)) {
              others.add(o.id());
            }
          }
          if (others.isEmpty()) {
            continue; // wrong, but no other tenant's: drift reports it
          }
          String fp = fingerprints.of(have);
          out.add(
              new AuditFinding(
                  node,
                  t.stack(),
                  s.name(),
                  AuditFinding.Kind.READBACK_IDENTITY,
                  "readback.expect." + x.getKey(),
                  null,
                  fp,
                  others,
                  "the readback of service '"
                      + s.name()
                      + "' of "
                      + t.id()
                      + " answers "
                      + x.getKey()
                      + " with the value of "
                      + String.join(", ", others)
                      + " ("
                      + fp
                      + "), not its own"));
        }
      }
    }
  }

  /**
   * A tenant's values of its {@code tenant_unique} keys, by key: every container's environment and
   * the host's {@code .env}; empty values left out.
   */
  static Map<String, Set<String>> uniqueValues(DriftInput input) {
    Set<String> keys = new LinkedHashSet<>(input.repo().tenantUnique());
    keys.addAll(input.deployed().tenantUnique());
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (String key : keys) {
      Set<String> values = new LinkedHashSet<>();
      for (ContainerDetails c : input.containers()) {
        for (String kv : c.env()) {
          int eq = kv.indexOf('=');
          if (eq > 0 && kv.substring(0, eq).equals(key) && eq < kv.length() - 1) {
            values.add(kv.substring(eq + 1));
          }
        }
      }
      if (input.hostEnv() != null) {
        String v = input.hostEnv().get(key);
        if (v != null && !v.isEmpty()) {
          values.add(v);
        }
      }
      if (!values.isEmpty()) {
        out.put(key, values);
      }
    }
    return out;
  }

  private static Set<String> all(Map<String, Set<String>> byKey) {
    Set<String> out = new LinkedHashSet<>();
    byKey.values().forEach(out::addAll);
    return out;
  }

  private static List<JsonNode> answers(List<ReadbackResult> results, String service) {
    List<JsonNode> out = new ArrayList<>();
    for (ReadbackResult.Endpoint ep : ReadbackResult.Endpoint.values()) {
      for (ReadbackResult r : results) {
        if (r.service().equals(service)
            && r.endpoint() == ep
            && r.result() instanceof ProbeResult.Answered a
            && a.body() != null
            && !a.body().isBlank()) {
          try {
            JsonNode n = TreeJson.readFirst(a.body());
            if (n != null && n.isContainerNode()) {
              out.add(n);
            }
          } catch (IOException e) {
            // not JSON: no tenant field to read
          }
        }
      }
    }
    return out;
  }

  /** The text at a dotted path in the first answer that has it (health, then version). */
  private static String at(List<JsonNode> answers, String path) {
    for (JsonNode root : answers) {
      JsonNode n = root;
      for (String part : path.split("\\.", -1)) {
        if (n == null) {
          break;
        }
        n = n.isArray() && part.matches("\\d{1,9}") ? n.get(Integer.parseInt(part)) : n.get(part);
      }
      if (n != null && !n.isMissingNode() && !n.isNull()) {
        return n.isValueNode() ? n.asText() : n.toString();
      }
    }
    return null;
  }
}
