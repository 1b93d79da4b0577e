package dev.selvedge.contract.model;

/**
 * One mount of a service in long syntax.
 *
 * <pre>
 * volumes:
 *   - type: bind            # bind | volume | tmpfs | npipe | cluster | image
 *     source: ./data        # host path (bind) or volume name; null for anonymous volumes
 *     target: /data
 *     read_only: true
 *     bind: {create_host_path: true, propagation: rprivate, selinux: z}
 *     volume: {nocopy: true, subpath: sub}
 *     tmpfs: {size: 1000, mode: 1777}
 * </pre>
 */
public record ServiceVolume(
    String type,
    String source,
    String target,
    boolean readOnly,
    String consistency,
    Bind bind,
    VolumeOptions volume,
    Tmpfs tmpfs) {

  public static final String BIND = "bind";
  public static final String VOLUME = "volume";
  public static final String TMPFS = "tmpfs";
  public static final String NPIPE = "npipe";

  public ServiceVolume {
    if (type == null || type.isEmpty()) {
      throw new IllegalArgumentException("volume type is required");
    }
  }

  /** Options of a bind mount. {@code createHostPath} is null when not stated. */
  public record Bind(String propagation, Boolean createHostPath, String selinux) {}

  /** Options of a named volume mount. */
  public record VolumeOptions(boolean nocopy, String subpath) {}

  /** Options of a tmpfs mount; size in bytes, 0 = unset. */
  public record Tmpfs(long size, Integer mode) {}
}
