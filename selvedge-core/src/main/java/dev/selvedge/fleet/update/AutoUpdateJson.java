package dev.selvedge.fleet.update;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.fleet.update.AutoUpdate.ServiceCheck;
import dev.selvedge.fleet.update.AutoUpdate.StackCheck;
import java.util.List;
import java.util.Locale;

/**
 * An auto-update check as JSON, one shape for every reader: {@code selvedge fleet updates --format
 * json}, the server's {@code POST /api/v1/autoupdate/check} and {@code GET /api/v1/autoupdate}, and
 * the {@code autoupdate.*} events (docs/auto-update.md, docs/api.md).
 */
public final class AutoUpdateJson {
  private AutoUpdateJson() {}

  /** {@code {"checks": [...]}}, each as {@link #check}. */
  public static ObjectNode checks(List<StackCheck> checks) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ArrayNode out = o.putArray("checks");
    checks.forEach(c -> out.add(check(c)));
    return o;
  }

  /**
   * {@code {"stack", "at", "services", "rollout", "images", "skipped", "retry"}}: {@code rollout}
   * and {@code skipped} null when none.
   */
  public static ObjectNode check(StackCheck c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("stack", c.stack());
    o.put("at", c.at().toString());
    ArrayNode services = o.putArray("services");
    c.services().forEach(s -> services.add(service(s)));
    if (c.rolloutId() == null) {
      o.putNull("rollout");
    } else {
      o.put("rollout", c.rolloutId());
    }
    ObjectNode images = o.putObject("images");
    c.images().forEach(images::put);
    if (c.skipped() == null) {
      o.putNull("skipped");
    } else {
      o.put("skipped", c.skipped());
    }
    o.put("retry", c.retry());
    return o;
  }

  /** {@code {"service", "reference", "digest", "running", "state", "message"}}. */
  public static ObjectNode service(ServiceCheck s) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("service", s.service());
    o.put("reference", s.reference());
    o.put("digest", s.digest());
    ArrayNode running = o.putArray("running");
    s.running().forEach(running::add);
    o.put("state", s.state().name().toLowerCase(Locale.ROOT));
    o.put("message", s.message());
    return o;
  }
}
