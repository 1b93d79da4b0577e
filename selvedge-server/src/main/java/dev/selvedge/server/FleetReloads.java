package dev.selvedge.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.FleetFileException;
import dev.selvedge.server.events.ServerEvent;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The events of a fleet file's reload: {@code fleet.reloaded} when the new file is in force, {@code
 * fleet.reload_rejected} when it was refused and the running fleet kept (why, as the file's own
 * errors say it: file, line and key, never a value it masks).
 */
final class FleetReloads {
  /** A reload took effect. */
  static final String RELOADED = "fleet.reloaded";

  /** A reload was refused: the fleet in force is not the file on disk. */
  static final String REJECTED = "fleet.reload_rejected";

  private FleetReloads() {}

  static ServerEvent reloaded(Clock clock, Path file, Fleet fleet) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("file", file.toString());
    data.put("nodes", fleet.nodes().size());
    data.put("webhooks", fleet.notifications().size());
    return ServerEvent.of(RELOADED, clock.instant(), null, null, null, null, data);
  }

  static ServerEvent rejected(Clock clock, Path file, FleetFileException why) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("file", file.toString());
    data.put("reason", why.getMessage());
    return ServerEvent.of(REJECTED, clock.instant(), null, null, null, null, data);
  }
}
