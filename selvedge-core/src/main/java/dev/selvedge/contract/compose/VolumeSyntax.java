package dev.selvedge.contract.compose;

import dev.selvedge.contract.model.ServiceVolume;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Compose short syntax for a service's {@code volumes:} entries, {@code
 * [SOURCE:]TARGET[:MODE]}.
 *
 * <pre>
 * volumes:
 *   - /data                   # anonymous volume
 *   - cache:/cache:nocopy     # named volume
 *   - ./conf:/etc/app:ro      # bind mount; relative source kept as written
 *   - /srv:/srv:rw,z,rshared  # access, SELinux label, propagation
 *   - C:\data:D:\data         # Windows drive letters are not separators
 *   - /tmp:/x/${DIR:-a:b}     # colons inside ${...} are not separators
 * </pre>
 *
 * A source that looks like a path ({@code .}, {@code /}, {@code ~}, {@code \}, or a drive letter)
 * makes a bind mount with {@code create_host_path: true}; any other source names a volume. Unknown
 * mode options are ignored, as Compose does. Relative sources are not resolved here: the loader
 * resolves them against the project directory.
 */
public final class VolumeSyntax {
  private static final Set<String> PROPAGATION =
      Set.of("shared", "rshared", "slave", "rslave", "private", "rprivate");

  private VolumeSyntax() {}

  /** Parses one short-syntax entry. */
  public static ServiceVolume parse(String spec) {
    if (spec == null || spec.isEmpty()) {
      throw new IllegalArgumentException("invalid empty volume spec");
    }
    // Compose reads a one- or two-character entry as a bare target without further checks, and
    // without a volume options object ("d:" would otherwise be a lone drive letter).
    if (spec.length() <= 2) {
      return new ServiceVolume(ServiceVolume.VOLUME, null, spec, false, null, null, null, null);
    }
    List<String> sections = split(spec);
    if (sections.contains("")) {
      throw invalid(spec, "empty section between colons");
    }
    if (sections.size() > 3) {
      throw invalid(spec, "too many colons");
    }
    String source = sections.size() >= 2 ? sections.get(0) : null;
    String target = sections.get(sections.size() >= 2 ? 1 : 0);

    boolean readOnly = false;
    boolean nocopy = false;
    String propagation = null;
    String selinux = null;
    if (sections.size() == 3) {
      for (String option : sections.get(2).split(",", -1)) {
        switch (option) {
          case "ro" -> readOnly = true;
          case "rw" -> readOnly = false;
          case "nocopy" -> nocopy = true;
          case "z", "Z" -> selinux = option;
          default -> {
            if (PROPAGATION.contains(option)) {
              propagation = option;
            }
          }
        }
      }
    }

    ServiceVolume.Bind bind =
        propagation != null || selinux != null
            ? new ServiceVolume.Bind(propagation, null, selinux)
            : null;
    ServiceVolume.VolumeOptions volume =
        nocopy ? new ServiceVolume.VolumeOptions(true, null) : null;
    String type;
    if (source != null && isPath(source)) {
      type = ServiceVolume.BIND;
      bind =
          new ServiceVolume.Bind(
              bind == null ? null : bind.propagation(), true, bind == null ? null : bind.selinux());
    } else {
      type = ServiceVolume.VOLUME;
      if (volume == null) {
        volume = new ServiceVolume.VolumeOptions(false, null);
      }
    }
    return new ServiceVolume(type, source, target, readOnly, null, bind, volume, null);
  }

  /**
   * The short-syntax form of a bind or volume mount, {@code source:target:access[,selinux]
   * [,propagation][,nocopy]}. Short syntax cannot carry options of an anonymous volume, nor
   * subpath, consistency or tmpfs settings; an anonymous volume is written as its target alone.
   */
  public static String format(ServiceVolume v) {
    if (v.source() == null || v.source().isEmpty()) {
      return v.target();
    }
    List<String> options = new ArrayList<>();
    options.add(v.readOnly() ? "ro" : "rw");
    if (v.bind() != null && v.bind().selinux() != null && !v.bind().selinux().isEmpty()) {
      options.add(v.bind().selinux());
    }
    if (v.bind() != null && v.bind().propagation() != null && !v.bind().propagation().isEmpty()) {
      options.add(v.bind().propagation());
    }
    if (v.volume() != null && v.volume().nocopy()) {
      options.add("nocopy");
    }
    return v.source() + ":" + v.target() + ":" + String.join(",", options);
  }

  /**
   * Splits at colons, except a colon right after a single letter (a Windows drive: {@code C:\x},
   * {@code name:D:}) and colons inside {@code ${...}} (defaults such as {@code ${T:-12:30}}).
   */
  private static List<String> split(String spec) {
    List<String> sections = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int braces = 0;
    for (int i = 0; i < spec.length(); i++) {
      char c = spec.charAt(i);
      char next = i + 1 < spec.length() ? spec.charAt(i + 1) : 0;
      if (c == '$' && (next == '$' || next == '{')) {
        // "$$" is an escaped dollar and opens nothing.
        braces += next == '{' ? 1 : 0;
        current.append(c).append(next);
        i++;
      } else if (braces > 0) {
        braces += c == '{' ? 1 : c == '}' ? -1 : 0;
        current.append(c);
      } else if (c == ':' && !(current.length() == 1 && isDriveLetter(current.charAt(0)))) {
        sections.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    sections.add(current.toString());
    return sections;
  }

  private static boolean isPath(String source) {
    char first = source.charAt(0);
    if (first == '.' || first == '/' || first == '~' || first == '\\') {
      return true;
    }
    return source.length() >= 2 && isDriveLetter(first) && source.charAt(1) == ':';
  }

  private static boolean isDriveLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static IllegalArgumentException invalid(String spec, String why) {
    return new IllegalArgumentException("invalid spec: " + spec + ": " + why);
  }
}
