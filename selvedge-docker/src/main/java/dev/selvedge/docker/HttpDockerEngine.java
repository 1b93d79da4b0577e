package dev.selvedge.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.Version;
import dev.selvedge.contract.model.ImageReference;
import dev.selvedge.contract.model.Ipam;
import dev.selvedge.contract.model.NetworkDef;
import dev.selvedge.contract.model.VolumeDef;
import dev.selvedge.fleet.EngineFacts;
import dev.selvedge.port.ContainerCreate;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.EngineException;
import dev.selvedge.port.EngineInfo;
import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.ImageDetails;
import dev.selvedge.port.LogLines;
import dev.selvedge.port.NetworkSummary;
import dev.selvedge.port.PullListener;
import dev.selvedge.port.RemoteHost;
import dev.selvedge.port.VolumeSummary;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

  /** How long one image pull may take, start to end. */
  static final Duration PULL_TIMEOUT = Duration.ofMinutes(10);

  /** Upper bound of log bytes kept per call, whatever {@code tail} says. */
  static final int MAX_LOG_BYTES = 8 << 20;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Asked once per client: a daemon keeps its ID across restarts. */
  private volatile String daemonId;

  private final Transport transport;
  private final EngineHttp http;
  private final Duration timeout;
  private final Duration pullTimeout;
  private final RegistryAuth auth;
  private volatile String prefix;

  /** The API version the engine itself speaks, learned when the version was negotiated. */
  private volatile String engineApi;

  HttpDockerEngine(
      Transport transport, EngineOptions options, String hostHeader, RegistryAuth auth) {
    this.transport = transport;
    this.timeout = options.requestTimeout();
    this.auth = auth;
    // A pull moves whole images over the registry's network: the API-call bound would cut it.
    this.pullTimeout = max(PULL_TIMEOUT, options.requestTimeout());
    this.http =
        new EngineHttp(
            transport,
            options.connectTimeout(),
            options.maxIdleConnections(),
            hostHeader,
            "selvedge/" + Version.current());
  }

  Transport transport() {
    return transport;
  }

  @Override
  public Optional<RemoteHost> remoteHost() {
    return transport.remoteHost();
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
  public String daemonId() {
    String id = daemonId;
    if (id == null) {
      id = json(ok(http.get(prefix() + "/info", timeout))).path("ID").asText("");
      daemonId = id;
    }
    return id;
  }

  /** One {@code /info} call (the API version is the one learned while negotiating). */
  @Override
  public EngineFacts facts() {
    JsonNode info = json(ok(http.get(prefix() + "/info", timeout)));
    String id = info.path("ID").asText("");
    daemonId = id;
    return EngineJson.facts(info, engineApi);
  }

  @Override
  public List<ContainerSummary> listContainers(Map<String, String> labels, boolean all) {
    String target = prefix() + "/containers/json?" + (all ? "all=1&" : "") + labelFilter(labels);
    return EngineJson.summaries(json(ok(http.get(target, timeout))));
  }

  /** {@code filters={"label":["k=v","k"]}}, URL-encoded. */
  private static String labelFilter(Map<String, String> labels) {
    StringBuilder filter = new StringBuilder("{\"label\":[");
    boolean first = true;
    for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
      filter.append(first ? "" : ",");
      first = false;
      String term = e.getValue() == null ? e.getKey() : e.getKey() + "=" + e.getValue();
      filter.append(jsonString(term));
    }
    filter.append("]}");
    return "filters=" + URLEncoder.encode(filter.toString(), StandardCharsets.UTF_8);
  }

  @Override
  public ContainerDetails inspectContainer(String idOrName) {
    String target = prefix() + "/containers/" + segment(idOrName, false) + "/json";
    return EngineJson.container(json(ok(http.get(target, timeout)), EngineJson.CONTAINER));
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

  // ---- operating

  @Override
  public List<NetworkSummary> listNetworks(Map<String, String> labels) {
    JsonNode list = json(ok(http.get(prefix() + "/networks?" + labelFilter(labels), timeout)));
    List<NetworkSummary> result = new ArrayList<>(list.size());
    for (JsonNode n : list) {
      result.add(EngineJson.network(n));
    }
    return result;
  }

  @Override
  public NetworkSummary createNetwork(NetworkDef network) {
    if (network.external()) {
      throw new IllegalArgumentException(
          "network " + network.name() + " is external: it is used, never created");
    }
    ObjectNode body = NODES.objectNode();
    body.put("Name", network.name());
    // Without it engines before 1.44 create a second network of the same name.
    body.put("CheckDuplicate", true);
    if (network.driver() != null && !network.driver().isEmpty()) {
      body.put("Driver", network.driver());
    }
    if (!network.driverOpts().isEmpty()) {
      body.set("Options", CreateBody.stringMap(network.driverOpts()));
    }
    if (network.internal()) {
      body.put("Internal", true);
    }
    if (network.attachable()) {
      body.put("Attachable", true);
    }
    if (network.enableIpv6()) {
      body.put("EnableIPv6", true);
    }
    Ipam ipam = network.ipam();
    if (ipam != null) {
      ObjectNode i = body.putObject("IPAM");
      if (ipam.driver() != null && !ipam.driver().isEmpty()) {
        i.put("Driver", ipam.driver());
      }
      ArrayNode config = i.putArray("Config");
      for (Ipam.Pool pool : ipam.config()) {
        ObjectNode c = config.addObject();
        CreateBody.putText(c, "Subnet", pool.subnet());
        CreateBody.putText(c, "IPRange", pool.ipRange());
        CreateBody.putText(c, "Gateway", pool.gateway());
        if (!pool.auxAddresses().isEmpty()) {
          c.set("AuxiliaryAddresses", CreateBody.stringMap(pool.auxAddresses()));
        }
      }
      if (!ipam.options().isEmpty()) {
        i.set("Options", CreateBody.stringMap(ipam.options()));
      }
    }
    body.set("Labels", CreateBody.stringMap(network.labels()));
    JsonNode created = json(ok(post(prefix() + "/networks/create", body, timeout)));
    String id = created.path("Id").asText();
    return EngineJson.network(
        json(ok(http.get(prefix() + "/networks/" + segment(id, false), timeout))));
  }

  @Override
  public void removeNetwork(String idOrName) {
    EngineHttp.Response r =
        http.send(
            "DELETE", prefix() + "/networks/" + segment(idOrName, false), null, null, timeout);
    if (r.status() != 404) {
      ok(r);
    }
  }

  @Override
  public List<VolumeSummary> listVolumes(Map<String, String> labels) {
    JsonNode answer = json(ok(http.get(prefix() + "/volumes?" + labelFilter(labels), timeout)));
    List<VolumeSummary> result = new ArrayList<>();
    for (JsonNode v : answer.path("Volumes")) {
      result.add(EngineJson.volume(v));
    }
    return result;
  }

  @Override
  public VolumeSummary createVolume(VolumeDef volume) {
    if (volume.external()) {
      throw new IllegalArgumentException(
          "volume " + volume.name() + " is external: it is used, never created");
    }
    ObjectNode body = NODES.objectNode();
    body.put("Name", volume.name());
    if (volume.driver() != null && !volume.driver().isEmpty()) {
      body.put("Driver", volume.driver());
    }
    body.set("DriverOpts", CreateBody.stringMap(volume.driverOpts()));
    body.set("Labels", CreateBody.stringMap(volume.labels()));
    return EngineJson.volume(json(ok(post(prefix() + "/volumes/create", body, timeout))));
  }

  @Override
  public void removeVolume(String name) {
    EngineHttp.Response r =
        http.send("DELETE", prefix() + "/volumes/" + segment(name, false), null, null, timeout);
    if (r.status() != 404) {
      ok(r);
    }
  }

  @Override
  public Optional<String> registryDigest(String reference) {
    ImageReference ref = imageReference(reference);
    String registry = RegistryAuth.registryOf(ref.written());
    EngineHttp.Response r =
        http.get(
            prefix() + "/distribution/" + segment(reference.strip(), true) + "/json",
            authHeaders(ref.written()),
            timeout);
    if (r.status() / 100 == 2) {
      String digest = json(r).path("Descriptor").path("digest").asText("");
      if (digest.isEmpty()) {
        throw new EngineException(
            endpoint(), r.status(), "the registry " + registryName(registry) + " sent no digest");
      }
      return Optional.of(digest);
    }
    String message = EngineJson.errorMessage(r.body());
    if (notFound(r.status(), message)) {
      return Optional.empty();
    }
    throw new EngineException(
        endpoint(),
        r.status(),
        "asking registry " + registryName(registry) + " about " + reference + ": " + message);
  }

  @Override
  public ImageDetails pullImage(String reference, PullListener listener) {
    ImageReference ref = imageReference(reference);
    String tag = ref.digest() != null ? ref.digest() : ref.tag() != null ? ref.tag() : "latest";
    String target =
        prefix()
            + "/images/create?fromImage="
            + URLEncoder.encode(ref.written(), StandardCharsets.UTF_8)
            + "&tag="
            + URLEncoder.encode(tag, StandardCharsets.UTF_8);
    PullFailure failure =
        http.stream(
            "POST",
            target,
            authHeaders(ref.written()),
            pullTimeout,
            (status, headers, body) -> {
              if (status != 200) {
                return new PullFailure(status, EngineJson.errorMessage(body.readAllBytes()));
              }
              String[] failed = {null};
              EngineJson.eachValue(
                  body,
                  m -> {
                    if (m.hasNonNull("error") || m.hasNonNull("errorDetail")) {
                      if (failed[0] == null) {
                        String text = m.path("error").asText("");
                        failed[0] =
                            text.isEmpty() ? m.path("errorDetail").path("message").asText() : text;
                      }
                      return;
                    }
                    JsonNode detail = m.path("progressDetail");
                    listener.progress(
                        reference,
                        m.hasNonNull("id") ? m.get("id").asText() : null,
                        m.path("status").asText(""),
                        detail.has("current") ? detail.get("current").asLong() : -1,
                        detail.has("total") ? detail.get("total").asLong() : -1);
                  });
              // The engine reports a failure half-way through the stream, after its 200.
              return failed[0] == null ? null : new PullFailure(500, failed[0]);
            });
    if (failure != null) {
      throw new EngineException(
          endpoint(), failure.status(), "pulling " + reference + " failed: " + failure.message());
    }
    String pulled =
        ref.digest() != null ? ref.written() + "@" + ref.digest() : ref.written() + ":" + tag;
    return inspectImage(pulled)
        .orElseThrow(
            () ->
                new EngineException(
                    endpoint(), 404, "pulled " + reference + " but the engine does not have it"));
  }

  @Override
  public String createContainer(String name, ContainerCreate spec) {
    CreateBody create = CreateBody.of(spec, prefix().substring(2));
    StringBuilder target =
        new StringBuilder(prefix())
            .append("/containers/create?name=")
            .append(URLEncoder.encode(name, StandardCharsets.UTF_8));
    if (create.platform() != null) {
      target
          .append("&platform=")
          .append(URLEncoder.encode(create.platform(), StandardCharsets.UTF_8));
    }
    EngineHttp.Response r =
        http.send("POST", target.toString(), create.json(), "application/json", timeout);
    String id = json(ok(r)).path("Id").asText();
    try {
      for (Map.Entry<String, ObjectNode> n : create.connectLater().entrySet()) {
        ObjectNode body = NODES.objectNode();
        body.put("Container", id);
        body.set("EndpointConfig", n.getValue());
        ok(post(prefix() + "/networks/" + segment(n.getKey(), false) + "/connect", body, timeout));
      }
    } catch (RuntimeException e) {
      // Half attached is not what was asked for: take the container away again.
      try {
        removeContainer(id, true);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    return id;
  }

  @Override
  public void startContainer(String id) {
    EngineHttp.Response r =
        http.send(
            "POST", prefix() + "/containers/" + segment(id, false) + "/start", null, null, timeout);
    if (r.status() != 304) {
      ok(r);
    }
  }

  @Override
  public void stopContainer(String id, Duration stopTimeout) {
    EngineHttp.Response r =
        http.send(
            "POST",
            prefix() + "/containers/" + segment(id, false) + "/stop?t=" + secondsOf(stopTimeout),
            null,
            null,
            stopTimeout.plus(timeout));
    if (r.status() != 304) {
      ok(r);
    }
  }

  @Override
  public void restartContainer(String id, Duration stopTimeout) {
    ok(
        http.send(
            "POST",
            prefix() + "/containers/" + segment(id, false) + "/restart?t=" + secondsOf(stopTimeout),
            null,
            null,
            stopTimeout.plus(timeout)));
  }

  @Override
  public void removeContainer(String id, boolean anonymousVolumes) {
    EngineHttp.Response r =
        http.send(
            "DELETE",
            prefix()
                + "/containers/"
                + segment(id, false)
                + "?force=true&v="
                + (anonymousVolumes ? "true" : "false"),
            null,
            null,
            timeout);
    if (r.status() != 404) {
      ok(r);
    }
  }

  @Override
  public void renameContainer(String id, String newName) {
    ok(
        http.send(
            "POST",
            prefix()
                + "/containers/"
                + segment(id, false)
                + "/rename?name="
                + URLEncoder.encode(newName, StandardCharsets.UTF_8),
            null,
            null,
            timeout));
  }

  private record PullFailure(int status, String message) {}

  private EngineHttp.Response post(String target, JsonNode body, Duration callTimeout) {
    return http.send("POST", target, EngineJson.write(body), "application/json", callTimeout);
  }

  private Map<String, String> authHeaders(String repository) {
    return auth.header(repository).map(h -> Map.of("X-Registry-Auth", h)).orElse(Map.of());
  }

  private static ImageReference imageReference(String reference) {
    if (reference == null || reference.isBlank()) {
      throw new IllegalArgumentException("empty image reference");
    }
    ImageReference ref = ImageReference.parse(reference);
    if (ref.id()) {
      throw new IllegalArgumentException(
          reference + " is an image id: only a name can be pulled from a registry");
    }
    return ref;
  }

  private static String registryName(String registry) {
    return registry.equals(RegistryAuth.DOCKER_HUB) ? "docker.io" : registry;
  }

  /** What registries and engines say when a repository or tag does not exist. */
  private static boolean notFound(int status, String message) {
    String m = message.toLowerCase(java.util.Locale.ROOT);
    return m.contains("manifest unknown")
        || m.contains("not found")
        || m.contains("name unknown")
        || (status == 404 && !m.contains("no such host"));
  }

  private static long secondsOf(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("a stop timeout must not be negative");
    }
    return d.toSeconds() + (d.toNanosPart() > 0 ? 1 : 0);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
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
    engineApi = server;
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
    return json(r, null);
  }

  private JsonNode json(EngineHttp.Response r, dev.selvedge.json.TreeJson.Shape shape) {
    try {
      return EngineJson.parse(r.body(), shape);
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
