package dev.selvedge.contract.compose;

import dev.selvedge.contract.model.PortConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The Compose short syntax for {@code ports:} entries, turned into long-form {@link PortConfig}s.
 *
 * <pre>
 * ports:
 *   - "80"                      # container port only
 *   - "8080:80"                 # published:target
 *   - "127.0.0.1:8080:80/udp"   # host_ip:published:target/protocol
 *   - "127.0.0.1::80"           # host ip, no published port
 *   - "[::1]:8080:80"           # IPv6 host ip in brackets
 *   - "8000-8010:8000-8010"     # equal ranges: one entry per port
 *   - "9000-9010:80"            # host range onto one port: one entry, published "9000-9010"
 *   - 8600                      # a YAML integer: its text is parsed the same way
 * </pre>
 *
 * Errors are {@link IllegalArgumentException}s whose messages are Docker's own ({@code Invalid
 * containerPort: x}), so that a user who searches for them finds the Docker documentation; the
 * loader adds file, line and key path.
 */
public final class PortSyntax {
  private static final List<String> PROTOCOLS = List.of("tcp", "udp", "sctp");

  private PortSyntax() {}

  /** Parses one short-syntax entry; a range expands to several configs, in port order. */
  public static List<PortConfig> parse(String spec) {
    if (spec == null) {
      throw new IllegalArgumentException("No port specified: <empty>");
    }
    String[] parts = spec.split(":", -1);
    int n = parts.length;
    String last = parts[n - 1];
    String published = n >= 2 ? parts[n - 2] : "";
    // Everything before published:target is the host ip; an unbracketed IPv6 address keeps its
    // colons this way.
    String hostIp = n >= 3 ? String.join(":", List.of(parts).subList(0, n - 2)) : "";

    String target = last;
    String protocol = "tcp";
    int slash = last.indexOf('/');
    if (slash >= 0) {
      target = last.substring(0, slash);
      String p = last.substring(slash + 1);
      protocol = target.isEmpty() || p.isEmpty() ? "tcp" : p;
    }

    if (hostIp.startsWith("[")) {
      if (!hostIp.endsWith("]") || hostIp.length() < 2) {
        throw new IllegalArgumentException("Invalid ip address: " + hostIp);
      }
      hostIp = hostIp.substring(1, hostIp.length() - 1);
    }
    if (!hostIp.isEmpty() && !IpAddress.isValid(hostIp)) {
      throw new IllegalArgumentException("Invalid ip address: " + hostIp);
    }
    if (target.isEmpty()) {
      throw new IllegalArgumentException("No port specified: " + spec + "<empty>");
    }
    int[] container = range(target);
    if (container == null) {
      throw new IllegalArgumentException("Invalid containerPort: " + target);
    }
    int[] host = null;
    if (!published.isEmpty()) {
      host = range(published);
      if (host == null) {
        throw new IllegalArgumentException("Invalid hostPort: " + published);
      }
      boolean sameWidth = container[1] - container[0] == host[1] - host[0];
      // A host range onto a single container port is allowed: Docker picks one free host port.
      if (!sameWidth && container[0] != container[1]) {
        throw new IllegalArgumentException(
            "Invalid ranges specified for container and host Ports: "
                + target
                + " and "
                + published);
      }
    }
    if (!PROTOCOLS.contains(protocol.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("Invalid proto: " + protocol);
    }
    protocol = protocol.toLowerCase(Locale.ROOT);

    int count = container[1] - container[0] + 1;
    List<PortConfig> result = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String hostPort = null;
      if (host != null) {
        hostPort = Integer.toString(host[0] + i);
        if (count == 1 && host[0] != host[1]) {
          hostPort = host[0] + "-" + host[1];
        }
      }
      result.add(
          PortConfig.of(hostIp.isEmpty() ? null : hostIp, container[0] + i, hostPort, protocol));
    }
    return List.copyOf(result);
  }

  /**
   * Parses a whole short-syntax list, or returns empty when any entry does not parse. The loader
   * uses this before interpolation, where {@code ${HOST_IP}:${PORT}:80} is not yet parsable and the
   * list must be left as written.
   */
  public static Optional<List<PortConfig>> tryParseAll(List<String> specs) {
    List<PortConfig> all = new ArrayList<>();
    for (String spec : specs) {
      try {
        all.addAll(parse(spec));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    return Optional.of(List.copyOf(all));
  }

  /**
   * Builds a long-syntax entry from its scalar texts, applying Compose's defaults ({@code tcp},
   * {@code ingress}). {@code published} may be a YAML integer's text or a range; it is kept as
   * text. Empty or null optional values mean "not set".
   */
  public static PortConfig fromLongSyntax(
      String name,
      String mode,
      String hostIp,
      String target,
      String published,
      String protocol,
      String appProtocol) {
    int port = number(target == null ? "" : target);
    if (port < 0) {
      throw new IllegalArgumentException("Invalid containerPort: " + target);
    }
    return new PortConfig(
        blankToNull(name),
        mode,
        blankToNull(hostIp),
        port,
        blankToNull(published),
        protocol,
        blankToNull(appProtocol));
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** {@code [start, end]} of {@code "80"} or {@code "80-90"}, or null when malformed. */
  private static int[] range(String text) {
    int dash = text.indexOf('-');
    if (dash < 0) {
      int p = number(text);
      return p < 0 ? null : new int[] {p, p};
    }
    int start = number(text.substring(0, dash));
    int end = number(text.substring(dash + 1));
    if (start < 0 || end < 0 || end < start) {
      return null;
    }
    return new int[] {start, end};
  }

  /** A port number 0-65535 written in decimal digits only, or -1. */
  private static int number(String text) {
    if (text.isEmpty()) {
      return -1;
    }
    long value = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
      if (value > 65535) {
        return -1;
      }
    }
    return (int) value;
  }
}
