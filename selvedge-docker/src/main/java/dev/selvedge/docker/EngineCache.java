package dev.selvedge.docker;

import dev.selvedge.port.DockerEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Engine clients kept open by their options, for a long-running process (the server's poller, the
 * CLI's warm benchmark): every check of one engine reuses its kept-alive connections, its SSH
 * session and its negotiated API version instead of opening new ones. Safe for concurrent use.
 *
 * <pre>{@code
 * try (EngineCache engines = EngineCache.opening(System.getenv())) {
 *   DockerEngine engine = engines.get(options); // shared: not closed by the caller
 * }
 * }</pre>
 */
public final class EngineCache implements AutoCloseable {
  private final Function<EngineOptions, DockerEngine> open;
  private final Map<EngineOptions, DockerEngine> engines = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** Engines opened by {@code open} (tests and training pass their own). */
  public EngineCache(Function<EngineOptions, DockerEngine> open) {
    this.open = Objects.requireNonNull(open, "open");
  }

  /**
   * Engines opened with {@link DockerEngines#open(EngineOptions, Map)}: registry credentials from
   * {@code env}'s docker config.
   */
  public static EngineCache opening(Map<String, String> env) {
    Map<String, String> copy = Map.copyOf(env);
    return new EngineCache(options -> DockerEngines.open(options, copy));
  }

  /**
   * The engine {@code options} name, opened on first use (which does not touch the network) and
   * kept. The caller must not close it.
   *
   * @throws IllegalStateException after {@link #close}
   */
  public DockerEngine get(EngineOptions options) {
    if (closed) {
      throw new IllegalStateException("engine cache closed");
    }
    DockerEngine engine = engines.computeIfAbsent(options, open);
    if (closed) {
      // closed while opening: this one may have missed the sweep (else the sweep closed it)
      if (engines.remove(options, engine)) {
        engine.close();
      }
      throw new IllegalStateException("engine cache closed");
    }
    return engine;
  }

  /**
   * Closes and forgets the engine {@code options} name, if kept (a node gone from the fleet, an
   * engine whose connection went bad); the next {@link #get} opens a new one. Calls still using it
   * fail as calls to a closed engine do.
   */
  public void evict(EngineOptions options) {
    DockerEngine engine = engines.remove(options);
    if (engine != null) {
      engine.close();
    }
  }

  /** How many engines are kept. */
  public int size() {
    return engines.size();
  }

  /** Closes every kept engine; {@link #get} refuses from now on. */
  @Override
  public void close() {
    closed = true;
    List<DockerEngine> open = new ArrayList<>(engines.values());
    engines.clear();
    open.forEach(DockerEngine::close);
  }
}
