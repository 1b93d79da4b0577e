package dev.selvedge.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import java.lang.reflect.Proxy;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The lease key: the daemon's identity, whatever endpoint reaches it. */
class LeaseKeeperTest {
  private static final String ENDPOINT = "ssh://ops@build-01";

  /** An engine that only knows its endpoint and what {@code daemonId()} answers. */
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

  @Test
  void theKeyIsTheDaemonIdSoEveryEndpointOfOneEngineSharesIt() {
    assertThat(LeaseKeeper.key(engine(() -> "Q2ZX:4JTA:PLUS")))
        .isEqualTo("docker-daemon:Q2ZX:4JTA:PLUS");
  }

  @Test
  void anEngineWithoutAnIdIsKeyedByItsEndpoint() {
    assertThat(LeaseKeeper.key(engine(() -> ""))).isEqualTo(ENDPOINT);
    assertThat(LeaseKeeper.key(engine(() -> null))).isEqualTo(ENDPOINT);
  }

  @Test
  void anEngineThatRefusesToSayGetsNoLease() {
    DockerEngine filtered =
        engine(
            () -> {
              throw new EngineException(ENDPOINT, 403, "forbidden by the socket proxy");
            });
    assertThatThrownBy(() -> LeaseKeeper.key(filtered))
        .isInstanceOf(OperationException.class)
        .hasMessageContaining(ENDPOINT)
        .hasMessageContaining("403")
        .hasMessageContaining("GET /info")
        .hasMessageContaining("nothing was changed");
  }
}
