package dev.selvedge.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
