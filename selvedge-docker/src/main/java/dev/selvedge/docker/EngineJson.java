package dev.selvedge.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.fleet.EngineFacts;
import dev.selvedge.json.TreeJson;
import dev.selvedge.json.TreeJson.Shape;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ContainerDetails.Health;
import dev.selvedge.port.ContainerDetails.Mount;
import dev.selvedge.port.ContainerDetails.PortBinding;
import dev.selvedge.port.ContainerDetails.Settings;
import dev.selvedge.port.ContainerDetails.State;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.EngineInfo;
import dev.selvedge.port.ImageDetails;
import dev.selvedge.port.NetworkSummary;
import dev.selvedge.port.VolumeSummary;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Engine API JSON → the port's records. Reads trees rather than binding classes: the engine adds
 * fields across versions, and only the ones named here matter. The tree is built straight from
 * Jackson's streaming parser: an {@code ObjectMapper} would cost more start-up time than the calls
 * it serves.
 */
final class EngineJson {

  private EngineJson() {}

  static JsonNode parse(byte[] body) throws IOException {
    return TreeJson.read(body, null);
  }

  /**
   * Parses {@code body}, building only the parts {@code shape} names (all of it when null). A
   * container inspect is mostly fields drift never reads (HostConfig's resource limits,
   * GraphDriver, NetworkSettings' addresses); skipping them halves the work of reading 50
   * containers.
   */
  static JsonNode parse(byte[] body, Shape shape) throws IOException {
    return TreeJson.read(body, shape);
  }

  /** The parts of a container inspect {@link #container} reads. */
  static final Shape CONTAINER =
      Shape.with(
          Shape.with(
              Shape.with(
                  Shape.with(
                      Shape.all("Id", "Name", "Image", "Created", "RestartCount", "Mounts"),
                      "State",
                      Shape.with(
                          Shape.all("Status", "Running", "ExitCode", "StartedAt", "FinishedAt"),
                          "Health",
                          Shape.all("Status"))),
                  "Config",
                  Shape.all(
                      "Image",
                      "Labels",
                      "Env",
                      "Cmd",
                      "Entrypoint",
                      "ExposedPorts",
                      "Healthcheck",
                      "Hostname",
                      "User",
                      "WorkingDir",
                      "Tty",
                      "StopSignal")),
              "HostConfig",
              Shape.all(
                  "PortBindings",
                  "RestartPolicy",
                  "Privileged",
                  "ReadonlyRootfs",
                  "Init",
                  "NetworkMode",
                  "CapAdd",
                  "CapDrop",
                  "ExtraHosts")),
          "NetworkSettings",
          Shape.of(Map.of("Networks", new Shape(Map.of(), Shape.all("Aliases")))));

  /** Serializes a tree with the streaming generator (no {@code ObjectMapper}, see above). */
  static byte[] write(JsonNode node) {
    return TreeJson.compact(node);
  }

  /**
   * Reads a stream of concatenated JSON values (an image pull's progress: one object a line) and
   * hands each to {@code each} as it arrives.
   */
  static void eachValue(java.io.InputStream in, java.util.function.Consumer<JsonNode> each)
      throws IOException {
    TreeJson.eachValue(in, each);
  }

  /** The {@code message} of an error body, or the body itself when it is not JSON. */
  static String errorMessage(byte[] body) {
    String text = new String(body, java.nio.charset.StandardCharsets.UTF_8).strip();
    try {
      JsonNode node = parse(body);
      if (node != null && node.hasNonNull("message")) {
        return node.get("message").asText().strip();
      }
    } catch (IOException e) {
      // plain text, as some proxies and very old engines answer
    }
    return text.length() > 500 ? text.substring(0, 500) + "..." : text;
  }

  static EngineInfo info(JsonNode v) {
    return new EngineInfo(
        text(v, "Version"), text(v, "ApiVersion"), text(v, "Os"), text(v, "Arch"));
  }

  /** {@code /info} as the fleet shows it; {@code apiVersion} is what the engine said it speaks. */
  static EngineFacts facts(JsonNode info, String apiVersion) {
    return new EngineFacts(
        text(info, "ID"),
        text(info, "ServerVersion"),
        apiVersion,
        text(info, "OSType"),
        text(info, "Architecture"),
        info.path("NCPU").asInt(0),
        info.path("MemTotal").asLong(0L),
        text(info, "DockerRootDir"),
        null);
  }

  static List<ContainerSummary> summaries(JsonNode list) {
    List<ContainerSummary> result = new ArrayList<>(list.size());
    for (JsonNode c : list) {
      List<String> names = new ArrayList<>();
      for (JsonNode n : c.path("Names")) {
        String name = n.asText();
        names.add(name.startsWith("/") ? name.substring(1) : name);
      }
      result.add(
          new ContainerSummary(
              text(c, "Id"),
              names,
              text(c, "Image"),
              text(c, "ImageID"),
              text(c, "State"),
              stringMap(c.path("Labels"))));
    }
    return result;
  }

  static NetworkSummary network(JsonNode n) {
    return new NetworkSummary(
        text(n, "Id"), text(n, "Name"), text(n, "Driver"), stringMap(n.path("Labels")));
  }

  static VolumeSummary volume(JsonNode v) {
    return new VolumeSummary(text(v, "Name"), text(v, "Driver"), stringMap(v.path("Labels")));
  }

  static ImageDetails image(JsonNode i) {
    return new ImageDetails(
        text(i, "Id"), strings(i.path("RepoTags")), strings(i.path("RepoDigests")));
  }

  static ContainerDetails container(JsonNode c) {
    JsonNode config = c.path("Config");
    JsonNode host = c.path("HostConfig");
    String name = text(c, "Name");
    return new ContainerDetails(
        text(c, "Id"),
        name.startsWith("/") ? name.substring(1) : name,
        text(config, "Image"),
        text(c, "Image"),
        stringMap(config.path("Labels")),
        strings(config.path("Env")),
        optionalStrings(config.path("Cmd")),
        optionalStrings(config.path("Entrypoint")),
        ports(host.path("PortBindings"), config.path("ExposedPorts")),
        mounts(c.path("Mounts")),
        healthcheck(config.path("Healthcheck")),
        restartPolicy(host.path("RestartPolicy")),
        networks(c.path("NetworkSettings").path("Networks")),
        state(c.path("State"), c.path("RestartCount").asInt()),
        instant(text(c, "Created")),
        new Settings(
            text(config, "Hostname"),
            text(config, "User"),
            text(config, "WorkingDir"),
            host.path("Privileged").asBoolean(),
            host.path("ReadonlyRootfs").asBoolean(),
            config.path("Tty").asBoolean(),
            host.path("Init").asBoolean(),
            text(host, "NetworkMode"),
            text(config, "StopSignal"),
            strings(host.path("CapAdd")),
            strings(host.path("CapDrop")),
            strings(host.path("ExtraHosts"))));
  }

  private static List<PortBinding> ports(JsonNode bindings, JsonNode exposed) {
    List<PortBinding> ports = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : bindings.properties()) {
      int slash = e.getKey().indexOf('/');
      int port = Integer.parseInt(slash < 0 ? e.getKey() : e.getKey().substring(0, slash));
      String protocol = slash < 0 ? "tcp" : e.getKey().substring(slash + 1);
      if (!e.getValue().isArray() || e.getValue().isEmpty()) {
        ports.add(new PortBinding(port, protocol, null, null));
        continue;
      }
      for (JsonNode b : e.getValue()) {
        ports.add(new PortBinding(port, protocol, text(b, "HostIp"), text(b, "HostPort")));
      }
    }
    for (Map.Entry<String, JsonNode> exposedPort : exposed.properties()) {
      String key = exposedPort.getKey();
      if (!bindings.has(key)) {
        int slash = key.indexOf('/');
        ports.add(
            new PortBinding(
                Integer.parseInt(slash < 0 ? key : key.substring(0, slash)),
                slash < 0 ? "tcp" : key.substring(slash + 1),
                null,
                null));
      }
    }
    ports.sort(EngineJson::comparePorts);
    return ports;
  }

  /**
   * By container port, protocol, host address and host port. A method rather than {@code
   * Comparator.comparing(..).thenComparing(..)}, whose lambdas inside {@code Comparator} are spun
   * at run time on every CLI start (the AOT cache does not keep them).
   */
  private static int comparePorts(PortBinding a, PortBinding b) {
    int c = Integer.compare(a.containerPort(), b.containerPort());
    if (c == 0) {
      c = a.protocol().compareTo(b.protocol());
    }
    if (c == 0) {
      c = String.valueOf(a.hostIp()).compareTo(String.valueOf(b.hostIp()));
    }
    return c != 0 ? c : String.valueOf(a.hostPort()).compareTo(String.valueOf(b.hostPort()));
  }

  private static List<Mount> mounts(JsonNode list) {
    List<Mount> mounts = new ArrayList<>();
    for (JsonNode m : list) {
      String type = text(m, "Type");
      String source = "volume".equals(type) ? text(m, "Name") : text(m, "Source");
      mounts.add(new Mount(type, source, text(m, "Destination"), m.path("RW").asBoolean()));
    }
    mounts.sort((a, b) -> a.target().compareTo(b.target()));
    return mounts;
  }

  private static Health healthcheck(JsonNode h) {
    if (h.isMissingNode() || h.isNull() || !h.path("Test").isArray()) {
      return null;
    }
    int retries = h.path("Retries").asInt();
    return new Health(
        strings(h.path("Test")),
        nanos(h.path("Interval")),
        nanos(h.path("Timeout")),
        retries == 0 ? null : retries,
        nanos(h.path("StartPeriod")));
  }

  private static Duration nanos(JsonNode n) {
    long value = n.asLong();
    return value == 0 ? null : Duration.ofNanos(value);
  }

  private static String restartPolicy(JsonNode p) {
    String name = text(p, "Name");
    if (name.isEmpty()) {
      return "no";
    }
    int max = p.path("MaximumRetryCount").asInt();
    return "on-failure".equals(name) && max > 0 ? name + ":" + max : name;
  }

  private static Map<String, List<String>> networks(JsonNode networks) {
    Map<String, List<String>> result = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : networks.properties()) {
      result.put(e.getKey(), strings(e.getValue().path("Aliases")));
    }
    return result;
  }

  private static State state(JsonNode s, int restartCount) {
    JsonNode health = s.path("Health").path("Status");
    return new State(
        text(s, "Status"),
        s.path("Running").asBoolean(),
        s.path("ExitCode").asInt(),
        health.isTextual() && !health.asText().isEmpty() && !"none".equals(health.asText())
            ? health.asText()
            : null,
        text(s, "StartedAt"),
        text(s, "FinishedAt"),
        restartCount);
  }

  static Instant instant(String text) {
    if (text.isEmpty()) {
      return null;
    }
    Instant utc = utc(text);
    if (utc != null) {
      return utc;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * The engine's timestamps ({@code 2026-11-23T18:28:13.726515078Z}) read directly: {@link
   * Instant#parse} goes through the general formatter machinery, a noticeable cost when it runs
   * cold for every container. Null for any other form, which then takes the general path.
   */
  private static Instant utc(String t) {
    int n = t.length();
    if (n < 20
        || n > 30
        || t.charAt(n - 1) != 'Z'
        || t.charAt(4) != '-'
        || t.charAt(7) != '-'
        || t.charAt(10) != 'T'
        || t.charAt(13) != ':'
        || t.charAt(16) != ':'
        || (n > 20 && (t.charAt(19) != '.' || n == 21))) {
      return null;
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 7);
    int day = digits(t, 8, 10);
    int hour = digits(t, 11, 13);
    int minute = digits(t, 14, 16);
    int second = digits(t, 17, 19);
    int fraction = n > 20 ? digits(t, 20, n - 1) : 0;
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || fraction < 0) {
      return null;
    }
    if (hour > 23 || minute > 59 || second > 59) {
      return null;
    }
    for (int i = n > 20 ? n - 21 : 9; i < 9; i++) {
      fraction *= 10;
    }
    try {
      long days = java.time.LocalDate.of(year, month, day).toEpochDay();
      return Instant.ofEpochSecond(days * 86_400 + hour * 3_600 + minute * 60 + second, fraction);
    } catch (java.time.DateTimeException e) {
      return null;
    }
  }

  /** The decimal number in {@code t[from, to)}, or -1 when a character is not a digit. */
  private static int digits(String t, int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isValueNode() && !value.isNull() ? value.asText() : "";
  }

  private static List<String> strings(JsonNode array) {
    if (!array.isArray()) {
      return List.of();
    }
    List<String> result = new ArrayList<>(array.size());
    for (JsonNode n : array) {
      result.add(n.asText());
    }
    return result;
  }

  private static List<String> optionalStrings(JsonNode array) {
    return array.isArray() ? strings(array) : null;
  }

  private static Map<String, String> stringMap(JsonNode object) {
    Map<String, String> result = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : object.properties()) {
      result.put(e.getKey(), e.getValue().asText());
    }
    return result;
  }
}
