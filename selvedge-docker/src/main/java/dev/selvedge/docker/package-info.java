/**
 * The {@link dev.selvedge.port.DockerEngine} port over the Docker Engine API.
 *
 * <p>Entry point: {@link dev.selvedge.docker.DockerEngines#fromHost} (docker CLI conventions) or
 * {@link dev.selvedge.docker.DockerEngines#open} with {@link dev.selvedge.docker.EngineOptions}.
 * Layers, bottom up: a {@link dev.selvedge.docker.Transport} opens byte streams (unix socket, TCP
 * with optional TLS, SSH to the engine's socket or through {@code docker system dial-stdio});
 * {@code EngineHttp} speaks HTTP/1.1 over them with keep-alive and per-call deadlines; {@code
 * HttpDockerEngine} maps the API's JSON into the port's records, one round trip per call.
 *
 * <p>Thread-safe: an engine may be shared; concurrent calls use separate pooled connections. Close
 * it to release connections and, for SSH, the session.
 */
package dev.selvedge.docker;
