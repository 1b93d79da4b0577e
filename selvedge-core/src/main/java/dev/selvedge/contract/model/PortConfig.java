package dev.selvedge.contract.model;

/**
 * One published or exposed port in long syntax, as {@code docker compose config} prints it.
 *
 * <pre>
 * ports:
 *   - target: 80          # container port
 *     published: "8080"   # host port or range, a string; null when not published
 *     host_ip: 127.0.0.1  # null = all interfaces
 *     protocol: tcp
 *     mode: ingress
 * </pre>
 */
public record PortConfig(
    String name,
    String mode,
    String hostIp,
    int target,
    String published,
    String protocol,
    String appProtocol) {
  public PortConfig {
    if (target < 0 || target > 65535) {
      throw new IllegalArgumentException("port " + target + " is out of range 0-65535");
    }
    protocol = protocol == null || protocol.isEmpty() ? "tcp" : protocol;
    mode = mode == null || mode.isEmpty() ? "ingress" : mode;
  }

  public static PortConfig of(String hostIp, int target, String published, String protocol) {
    return new PortConfig(null, "ingress", hostIp, target, published, protocol, null);
  }
}
