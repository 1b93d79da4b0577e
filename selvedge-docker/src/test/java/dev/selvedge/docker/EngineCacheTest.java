package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.DockerEngine;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Engines kept by options: one per engine, closed with the cache or when evicted. */
class EngineCacheTest {
  private final List<String> opened = new ArrayList<>();
  private final Map<String, AtomicInteger> closes = new ConcurrentHashMap<>();

  private DockerEngine open(EngineOptions options) {
    String host = options.host();
    synchronized (opened) {
      opened.add(host);
    }
    closes.putIfAbsent(host, new AtomicInteger());
    return (DockerEngine)
        Proxy.newProxyInstance(
            DockerEngine.class.getClassLoader(),
            new Class<?>[] {DockerEngine.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "endpoint" -> host;
                  case "close" -> {
                    closes.get(host).incrementAndGet();
                    yield null;
                  }
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  private static EngineOptions options(String host) {
    return EngineOptions.fromEnvironment(host, Map.of());
  }

  @Test
  void oneEnginePerOptionsUntilClosedThenAllClosedOnce() {
    EngineCache cache = new EngineCache(this::open);
    DockerEngine a = cache.get(options("unix:///a.sock"));
    assertThat(cache.get(options("unix:///a.sock"))).isSameAs(a);
    DockerEngine b = cache.get(options("unix:///b.sock"));
    assertThat(b).isNotSameAs(a);
    assertThat(opened).containsExactly("unix:///a.sock", "unix:///b.sock");
    assertThat(cache.size()).isEqualTo(2);
    assertThat(closes.get("unix:///a.sock")).hasValue(0);

    cache.close();
    assertThat(closes.get("unix:///a.sock")).hasValue(1);
    assertThat(closes.get("unix:///b.sock")).hasValue(1);
    assertThatThrownBy(() -> cache.get(options("unix:///a.sock")))
        .isInstanceOf(IllegalStateException.class);
    assertThat(opened).hasSize(2);
  }

  @Test
  void anEvictedEngineIsClosedAndTheNextGetOpensAnother() {
    try (EngineCache cache = new EngineCache(this::open)) {
      DockerEngine first = cache.get(options("unix:///a.sock"));
      cache.evict(options("unix:///a.sock"));
      assertThat(closes.get("unix:///a.sock")).hasValue(1);
      assertThat(cache.size()).isZero();
      assertThat(cache.get(options("unix:///a.sock"))).isNotSameAs(first);
      cache.evict(options("unix:///never-opened.sock")); // nothing kept: no effect
      assertThat(opened).containsExactly("unix:///a.sock", "unix:///a.sock");
    }
  }
}
