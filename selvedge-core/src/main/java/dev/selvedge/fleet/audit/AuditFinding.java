package dev.selvedge.fleet.audit;

import java.util.List;
import java.util.Objects;

/**
 * One cross-tenant finding on a node (docs/fleet.md, "Cross-tenant audit"). Holds no value, only
 * fingerprints: it is printed, stored and sent as it is.
 *
 * @param node the node it was found on
 * @param stack the fleet stack it concerns there, or null (a resource of no stack of the node)
 * @param service the service (readback identity), else null
 * @param kind what was found
 * @param key what: {@code container NAME}, {@code network NAME}, {@code volume NAME}, {@code
 *     environment.KEY}, {@code readback.expect.PATH}
 * @param project the Compose project of a foreign resource, else null
 * @param fingerprint the keyed fingerprint of a shared value or of a readback answer, else null
 * @param others the tenants the thing belongs to or is shared with, as {@code node/stack}
 * @param message one sentence
 */
public record AuditFinding(
    String node,
    String stack,
    String service,
    Kind kind,
    String key,
    String project,
    String fingerprint,
    List<String> others,
    String message) {
  public AuditFinding {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(key, "key");
    others = List.copyOf(others);
  }

  /** The finding classes of kind {@code tenant-audit} evidence. */
  public enum Kind {
    /** A container, network or volume of a Compose project that no stack of the node declares. */
    FOREIGN_RESOURCE("foreign-resource"),
    /** A {@code tenant_unique} value with the same fingerprint on two tenants. */
    SHARED_UNIQUE_VALUE("shared-unique-value"),
    /** A readback answers a tenant field with another tenant's value. */
    READBACK_IDENTITY("readback-identity");

    private final String id;

    Kind(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    public static Kind of(String id) {
      for (Kind k : values()) {
        if (k.id.equals(id)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown finding class " + id);
    }
  }
}
