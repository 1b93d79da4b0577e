package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.Poller;
import dev.selvedge.keys.ApiKeys;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.store.Stores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poller's events from real sweeps of the local dockerd, seen by a WebSocket client: a stack
 * brought up by docker-compose (labelled as a test's, a project name of its own, removed
 * afterwards) whose running environment differs from the contract's (a planted secret on either
 * side) is drifted, then brought back in line. No event shows either secret.
 */
class PollerEventsIT {
  private static final String RUNNING = DriftedApp.RUNNING;
  private static final String WANTED = DriftedApp.WANTED;

  @TempDir Path tmp;

  @Test
  void aDriftedStackAndItsRepairAreStreamedWithoutSecrets() throws Exception {
    try (DriftedApp d = DriftedApp.start(tmp)) {
      String token = new ApiKeys(d.store.apiKeys(), d.clock).create("reader", Scope.READ).token();
      Fleet fleet =
          new Fleet(
              tmp.resolve("fleet.yaml"),
              DriftedApp.slowPoll(),
              Map.of("local", d.node(List.of())),
              List.of());
      Poller poller = d.poller(fleet, d.hub);
      ServerMetrics metrics = d.closing(new ServerMetrics());
      ControlPlane plane =
          d.closing(
              ControlPlane.start(
                  new ControlPlane.Settings(
                      "127.0.0.1",
                      0,
                      d.store,
                      FleetView.of(poller),
                      metrics,
                      d.clock,
                      Stores.schemaVersion(),
                      d.hub)));
      EventClient client =
          d.closing(EventClient.connect(plane.port(), "?after=0&node=local", token));

      poller.sweepAll();
      List<JsonNode> seen = new ArrayList<>();
      JsonNode drift = until(client, seen, "drift.detected");
      assertThat(drift.get("node").asText()).isEqualTo("local");
      assertThat(drift.get("stack").asText()).isEqualTo("app");
      assertThat(drift.get("data").get("reasons").toString()).contains("DB_PASSWORD");

      // The first colours, then the drift, in id order.
      assertThat(seen.get(1).get("type").asText()).isEqualTo("stack.status.changed");
      assertThat(seen.get(1).get("data").get("to").asText()).isEqualTo("yellow");
      assertThat(seen.get(1).get("data").get("sync").asText()).isEqualTo("drifted");

      // Brought back in line (the control plane's environment now agrees): drift resolved.
      d.up(WANTED);
      poller.sweepAll();
      JsonNode resolved = until(client, seen, "drift.resolved");
      assertThat(resolved.get("stack").asText()).isEqualTo("app");

      List<Long> ids = seen.stream().map(m -> m.get("id").asLong()).toList();
      assertThat(ids).isSorted().doesNotHaveDuplicates();
      for (JsonNode m : seen) {
        assertThat(m.toString()).doesNotContain(RUNNING).doesNotContain(WANTED);
      }
    }
  }

  /** Messages up to the first of {@code type} (all kept in {@code seen}). */
  private static JsonNode until(EventClient client, List<JsonNode> seen, String type) {
    return until(client, seen, type, "");
  }

  private static JsonNode until(
      EventClient client, List<JsonNode> seen, String type, String state) {
    while (true) {
      JsonNode m;
      try {
        m = client.next();
      } catch (AssertionError e) {
        throw new AssertionError("no " + type + " after " + seen + "; state " + state, e);
      }
      seen.add(m);
      if (m.get("type").asText().equals(type)) {
        return m;
      }
    }
  }
}
