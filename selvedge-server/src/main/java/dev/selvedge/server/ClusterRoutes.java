package dev.selvedge.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.port.ApiKeyStore.Scope;
import dev.selvedge.port.FleetStateStore.Claim;
import dev.selvedge.port.ReplicaStore;
import dev.selvedge.port.ReplicaStore.Replica;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /api/v1/cluster} (read scope): the control-plane replicas sharing the store, whether
 * each is alive (a heartbeat within {@link ReplicaHeartbeat#ALIVE_BEATS} periods), the sweeps each
 * has under way (its unexpired claims) and how many nodes' last state it wrote. Read from the store
 * on every request, so every replica answers the same: heartbeats and claims are judged against the
 * database's time now (they are written on its clock), never this replica's.
 */
final class ClusterRoutes {
  static final String CLUSTER = "/api/v1/cluster";
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final ReplicaStore replicas;
  private final Clock clock;
  private final Duration period;

  ClusterRoutes(ReplicaStore replicas, Clock clock, Duration period) {
    this.replicas = replicas;
    this.clock = clock;
    this.period = period;
  }

  void register(RoutesConfig routes) {
    routes.get(CLUSTER, this::cluster);
  }

  private void cluster(Context ctx) {
    ControlPlane.require(ctx, Scope.READ);
    ControlPlane.json(ctx, answer(clock.instant()));
  }

  ObjectNode answer(Instant now) {
    ReplicaStore.Listing listing = replicas.listing();
    Instant databaseNow = listing.now();
    List<Replica> all = listing.replicas();
    List<Claim> claims = replicas.claims(databaseNow);
    Map<String, Integer> swept = replicas.sweptNodes();
    Map<String, List<Claim>> byReplica = new HashMap<>();
    for (Claim c : claims) {
      byReplica.computeIfAbsent(c.replica(), k -> new ArrayList<>()).add(c);
    }
    Instant aliveAfter = databaseNow.minus(period.multipliedBy(ReplicaHeartbeat.ALIVE_BEATS));
    ObjectNode o = F.objectNode();
    o.put("generated_at", now.toString());
    o.put("heartbeat_seconds", period.toSeconds());
    ArrayNode list = o.putArray("replicas");
    Set<String> known = new HashSet<>();
    for (Replica r : all) {
      known.add(r.id());
      ObjectNode n = list.addObject();
      n.put("id", r.id());
      n.put("host", r.host());
      n.put("pid", r.pid());
      n.put("version", r.version());
      n.put("started_at", r.startedAt().toString());
      n.put("heartbeat_at", r.heartbeatAt().toString());
      n.put("alive", r.heartbeatAt().isAfter(aliveAfter));
      n.put("swept_nodes", swept.getOrDefault(r.id(), 0));
      claims(n.putArray("claims"), byReplica.getOrDefault(r.id(), List.of()), false);
    }
    List<Claim> others = claims.stream().filter(c -> !known.contains(c.replica())).toList();
    claims(o.putArray("other_claims"), others, true);
    return o;
  }

  private static void claims(ArrayNode into, List<Claim> claims, boolean withReplica) {
    for (Claim c : claims) {
      ObjectNode n = into.addObject();
      n.put("node", c.node());
      if (withReplica) {
        n.put("replica", c.replica());
      }
      n.put("token", c.token());
      n.put("expires_at", c.expiresAt().toString());
    }
  }
}
