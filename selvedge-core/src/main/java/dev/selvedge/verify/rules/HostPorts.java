package dev.selvedge.verify.rules;

import dev.selvedge.contract.model.PortConfig;
import dev.selvedge.contract.model.Service;
import java.util.ArrayList;
import java.util.List;

/** Host-side view of published ports, shared by the port rules. */
final class HostPorts {
  private HostPorts() {}

  /** One {@code ports} entry with a fixed host port or range {@code from..to}. */
  record Published(String service, int index, String hostIp, int from, int to, String protocol) {
    String path() {
      return "services." + service + ".ports[" + index + "]";
    }

    boolean overlaps(Published o) {
      return protocol.equals(o.protocol)
          && from <= o.to
          && o.from <= to
          && ipsCollide(hostIp, o.hostIp);
    }

    String describe() {
      String range = from == to ? Integer.toString(from) : from + "-" + to;
      if (isAll(hostIp)) {
        return range + "/" + protocol + " on all interfaces";
      }
      String ip = hostIp.contains(":") ? "[" + hostIp + "]" : hostIp;
      return ip + ":" + range + "/" + protocol;
    }
  }

  /** Entries with a fixed host port or range, in contract order. */
  static List<Published> published(Iterable<Service> services) {
    List<Published> out = new ArrayList<>();
    for (Service s : services) {
      for (int i = 0; i < s.ports().size(); i++) {
        PortConfig p = s.ports().get(i);
        int[] range = range(p.published());
        if (range != null) {
          out.add(new Published(s.name(), i, p.hostIp(), range[0], range[1], p.protocol()));
        }
      }
    }
    return out;
  }

  /**
   * The host port range of a {@code published} value: {@code "8080"} → 8080..8080, {@code
   * "8000-8010"} → 8000..8010; null when the engine picks the port (unset, empty or 0) or the value
   * is not a port.
   */
  static int[] range(String published) {
    if (published == null || published.isBlank()) {
      return null;
    }
    String v = published.strip();
    int dash = v.indexOf('-');
    try {
      int from = Integer.parseInt(dash < 0 ? v : v.substring(0, dash));
      int to = dash < 0 ? from : Integer.parseInt(v.substring(dash + 1));
      if (from <= 0 || to < from || to > 65535) {
        return null;
      }
      return new int[] {from, to};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static boolean isAll(String ip) {
    return ip == null || ip.isBlank();
  }

  /**
   * Whether two bind addresses share a socket: unset means every interface of both families and
   * collides with anything; 0.0.0.0 collides with any IPv4 address, :: with any IPv6 address.
   */
  static boolean ipsCollide(String a, String b) {
    if (isAll(a) || isAll(b)) {
      return true;
    }
    String x = a.strip();
    String y = b.strip();
    if (x.equals(y)) {
      return true;
    }
    return wildcardOf(x, y) || wildcardOf(y, x);
  }

  private static boolean wildcardOf(String wildcard, String ip) {
    boolean v6 = ip.contains(":");
    return (wildcard.equals("0.0.0.0") && !v6) || (wildcard.equals("::") && v6);
  }
}
