package dev.selvedge.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.Version;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.EngineInfo;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.ImageDetails;
import dev.selvedge.port.LogLines;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The engine port over the Docker Engine API: one HTTP round trip per call, on a pinned API version
 * negotiated once ({@code min(engine, }{@value #API_VERSION}{@code )}).
 */
final class HttpDockerEngine implements DockerEngine {
  /** The API version this client is written against (Docker 20.10, Debian 12's docker.io). */
  static final String API_VERSION = "1.41";

  /** The oldest the records can be filled from (health status, mounts as today). */
  static final String MIN_API_VERSION = "1.25";

  /** Upper bound of log bytes kept per call, whatever {@code tail} says. */
  static final int MAX_LOG_BYTES = 8 << 20;

  private final Transport transport;
  private final EngineHttp http;
  private final Duration timeout;
  private volatile String prefix;

  HttpDockerEngine(Transport transport, EngineOptions options, String hostHeader) {
    this.transport = transport;
    this.timeout = options.requestTimeout();
    this.http =
        new EngineHttp(
            transport, options.connectTimeout(), hostHeader, "selvedge/" + Version.current());
  }

  Transport transport() {
    return transport;
  }

  EngineHttp http() {
    return http;
  }

  @Override
  public String endpoint() {
    return transport.endpoint();
  }

  @Override
  public EngineInfo info() {
    return EngineJson.info(json(ok(http.get(prefix() + "/version", timeout))));
  }

  @Override
  public List<ContainerSummary> listContainers(Map<String, String> labels, boolean all) {
    StringBuilder filter = new StringBuilder("{\"label\":[");
    boolean first = true;
    for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
      filter.append(first ? "" : ",");
      first = false;
      String term = e.getValue() == null ? e.getKey() : e.getKey() + "=" + e.getValue();
      filter.append(jsonString(term));
    }
    filter.append("]}");
    String target =
        prefix()
            + "/containers/json?"
            + (all ? "all=1&" : "")
            + "filters="
            + URLEncoder.encode(filter.toString(), StandardCharsets.UTF_8);
    return EngineJson.summaries(json(ok(http.get(target, timeout))));
  }

  @Override
  public ContainerDetails inspectContainer(String idOrName) {
    String target = prefix() + "/containers/" + segment(idOrName, false) + "/json";
    return EngineJson.container(json(ok(http.get(target, timeout))));
  }

  @Override
  public Optional<ImageDetails> inspectImage(String idOrReference) {
    EngineHttp.Response r =
        http.get(prefix() + "/images/" + segment(idOrReference, true) + "/json", timeout);
    if (r.status() == 404) {
      return Optional.empty();
    }
    return Optional.of(EngineJson.image(json(ok(r))));
  }

  @Override
  public LogLines logs(String containerId, Instant since, int tail, Duration callTimeout) {
    if (tail < 0) {
      throw new IllegalArgumentException("tail must be >= 0, was " + tail);
    }
    StringBuilder target =
        new StringBuilder(prefix())
            .append("/containers/")
            .append(segment(containerId, false))
            .append("/logs?stdout=1&stderr=1&timestamps=0&tail=")
            .append(tail);
    if (since != null) {
      target.append("&since=").append(since.getEpochSecond());
      target.append('.').append(String.format("%09d", since.getNano()));
    }
    return http.stream(
        target.toString(),
        callTimeout,
        (status, headers, body) -> {
          if (status != 200) {
            throw new EngineException(
                endpoint(), status, EngineJson.errorMessage(body.readAllBytes()));
          }
          return LogFrames.read(body, MAX_LOG_BYTES);
        });
  }

  @Override
  public void close() {
    http.close();
    transport.close();
  }

  @Override
  public String toString() {
    return "DockerEngine[" + endpoint() + "]";
  }

  /** The {@code /vX.Y} every path starts with; asks the engine once. */
  String prefix() {
    String p = prefix;
    if (p == null) {
      synchronized (this) {
        if (prefix == null) {
          prefix = "/v" + negotiate();
        }
        p = prefix;
      }
    }
    return p;
  }

  private String negotiate() {
    EngineHttp.Response ping = http.get("/_ping", timeout);
    String server = ping.header("api-version");
    if (server == null) {
      // Engines before 1.25 did not send the header; /version (unversioned) always answers.
      server = EngineJson.info(json(ok(http.get("/version", timeout)))).apiVersion();
    } else if (ping.status() != 200) {
      ok(ping);
    }
    if (compare(server, MIN_API_VERSION) < 0) {
      throw new EngineUnreachableException(
          endpoint(),
          "the engine speaks API "
              + server
              + " but selvedge needs "
              + MIN_API_VERSION
              + " or newer (Docker 1.13+): upgrade Docker on that host",
          null);
    }
    return compare(server, API_VERSION) < 0 ? server : API_VERSION;
  }

  /** Compares {@code major.minor} versions numerically. */
  static int compare(String a, String b) {
    int[] x = parse(a);
    int[] y = parse(b);
    return x[0] != y[0] ? Integer.compare(x[0], y[0]) : Integer.compare(x[1], y[1]);
  }

  private static int[] parse(String version) {
    String[] parts = version.strip().split("\\.");
    try {
      return new int[] {
        Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an API version: " + version);
    }
  }

  private EngineHttp.Response ok(EngineHttp.Response r) {
    if (r.status() / 100 == 2) {
      return r;
    }
    String message = EngineJson.errorMessage(r.body());
    if (r.status() == 400 && message.contains("HTTP request to an HTTPS server")) {
      throw new EngineUnreachableException(
          endpoint(),
          "the engine speaks TLS on this port: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH",
          null);
    }
    throw new EngineException(endpoint(), r.status(), message);
  }

  private JsonNode json(EngineHttp.Response r) {
    try {
      return EngineJson.parse(r.body());
    } catch (IOException e) {
      throw new EngineUnreachableException(
          endpoint(), "the engine answered something that is not JSON: " + e.getMessage(), e);
    }
  }

  /**
   * A path segment for an id, name or image reference. Image references keep their slashes ({@code
   * /images/library/busybox:1/json} is how the API takes them); dot segments are refused so a name
   * cannot walk to another endpoint.
   */
  static String segment(String value, boolean slashes) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("empty container or image name");
    }
    for (String part : value.split("/", -1)) {
      if (part.equals(".") || part.equals("..")) {
        throw new IllegalArgumentException("not a container or image name: " + value);
      }
    }
    StringBuilder out = new StringBuilder(value.length());
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      boolean plain =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_'
              || c == '.'
              || c == ':'
              || c == '@'
              || (slashes && c == '/');
      if (plain) {
        out.append(c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)));
        out.append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return out.toString();
  }

  private static String jsonString(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
