package dev.selvedge.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.DeploymentStore;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.EngineUnreachableException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** One identity per daemon, whichever endpoint reaches it; the history of a host that is away. */
class HostIdentityTest {
  private static final String ENDPOINT = "ssh://ops@build-01";

  private static DockerEngine engine(Supplier<String> daemonId) {
    return (DockerEngine)
        Proxy.newProxyInstance(
            DockerEngine.class.getClassLoader(),
            new Class<?>[] {DockerEngine.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "endpoint" -> ENDPOINT;
                  case "daemonId" -> daemonId.get();
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  /** A store that knows only which engines were seen through which endpoint, and records adopts. */
  private final List<String> adopted = new ArrayList<>();

  private final List<DeploymentStore.Alias> aliases = new ArrayList<>();

  private DeploymentStore store() {
    return (DeploymentStore)
        Proxy.newProxyInstance(
            DeploymentStore.class.getClassLoader(),
            new Class<?>[] {DeploymentStore.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "adopt" -> {
                    adopted.add(args[0] + " -> " + args[1]);
                    yield DeploymentStore.Adopted.NONE;
                  }
                  case "aliases" ->
                      aliases.stream().filter(a -> a.endpoint().equals(args[0])).toList();
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  @Test
  void theIdentityIsTheDaemonIdElseTheEndpoint() {
    assertThat(HostIdentity.of(engine(() -> "Q2ZX:4JTA"))).isEqualTo("docker-daemon:Q2ZX:4JTA");
    assertThat(HostIdentity.of(engine(() -> ""))).isEqualTo(ENDPOINT);
    assertThat(HostIdentity.of(engine(() -> null))).isEqualTo(ENDPOINT);
    assertThat(HostIdentity.of("Q2ZX:4JTA", "unix:///var/run/docker.sock"))
        .isEqualTo(LeaseKeeper.key(engine(() -> "Q2ZX:4JTA")));
  }

  @Test
  void anEngineThatRefusesToSayIsAnErrorNamingIt() {
    DockerEngine filtered =
        engine(
            () -> {
              throw new EngineException(ENDPOINT, 403, "forbidden by the socket proxy");
            });
    assertThatThrownBy(() -> HostIdentity.of(filtered))
        .isInstanceOf(OperationException.class)
        .hasMessageContaining(ENDPOINT)
        .hasMessageContaining("403")
        .hasMessageContaining("GET /info");
  }

  @Test
  void withTheStoreTheEndpointsRowsAreAdoptedUnlessTheEngineHasNoId() {
    assertThat(HostIdentity.of(engine(() -> "D1"), store())).isEqualTo("docker-daemon:D1");
    assertThat(adopted).containsExactly(ENDPOINT + " -> docker-daemon:D1");
    adopted.clear();
    assertThat(HostIdentity.of(engine(() -> ""), store())).isEqualTo(ENDPOINT);
    assertThat(adopted).isEmpty();
  }

  @Test
  void anEngineThatCannotBeReachedShowsTheHistoryOfTheOneLastSeenThroughItsEndpoint() {
    DockerEngine away =
        engine(
            () -> {
              throw new EngineUnreachableException(ENDPOINT, "connection refused", null);
            });
    // Never seen: what an earlier Selvedge kept under the endpoint (nothing, on a new store).
    assertThat(HostIdentity.forReading(away, store()))
        .isEqualTo(new HostIdentity.Reading(ENDPOINT, null));

    Instant t = Instant.parse("2026-01-02T03:04:05Z");
    aliases.add(new DeploymentStore.Alias(ENDPOINT, "docker-daemon:NEW", t, t.plusSeconds(60)));
    aliases.add(new DeploymentStore.Alias(ENDPOINT, "docker-daemon:OLD", t, t));
    HostIdentity.Reading r = HostIdentity.forReading(away, store());
    assertThat(r.identity()).isEqualTo("docker-daemon:NEW");
    assertThat(r.warning())
        .contains("connection refused")
        .contains("docker-daemon:NEW, the engine last seen through " + ENDPOINT)
        .contains(t.plusSeconds(60).toString());

    // Reachable: its own identity, no warning.
    assertThat(HostIdentity.forReading(engine(() -> "OLD"), store()))
        .isEqualTo(new HostIdentity.Reading("docker-daemon:OLD", null));
  }
}
