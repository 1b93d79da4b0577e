package dev.selvedge.docker.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An OpenSSH {@code known_hosts} file, read the way {@code ssh} reads it: comma-separated host
 * patterns with {@code *}, {@code ?} and {@code !negation}, hashed entries ({@code |1|salt|hash}),
 * {@code [host]:port} for ports other than 22, {@code @revoked} lines. {@code @cert-authority}
 * lines are skipped (certificates are not supported). Line numbers are kept for messages.
 */
public final class KnownHosts {
  private KnownHosts() {}

  /** What the file says about a host's key. */
  public sealed interface Verdict {
    /** The key is listed for the host at {@code line}. */
    record Known(int line) implements Verdict {}

    /** The host is listed at {@code line} with another key of the same type (or only others). */
    record Mismatch(int line, String knownType) implements Verdict {}

    /** The key is marked {@code @revoked} at {@code line}. */
    record Revoked(int line) implements Verdict {}

    /** The host is not in the file. */
    record Unknown() implements Verdict {}
  }

  private record Entry(int line, String marker, String hosts, String type, String key) {}

  /** The name a host is listed under: {@code host} for port 22, else {@code [host]:port}. */
  public static String lookupName(String host, int port) {
    String h = host.toLowerCase(Locale.ROOT);
    return port == 22 ? h : "[" + h + "]:" + port;
  }

  /**
   * Checks {@code type}/{@code base64Key} (as in an {@code authorized_keys} line) for {@code
   * host:port}. A missing file is an empty one.
   */
  public static Verdict check(Path file, String host, int port, String type, String base64Key)
      throws IOException {
    String name = lookupName(host, port);
    Entry sameType = null;
    Entry otherType = null;
    for (Entry e : entries(file)) {
      if (!matches(e.hosts(), name)) {
        continue;
      }
      boolean sameKey = e.type().equals(type) && keysEqual(e.key(), base64Key);
      if ("@revoked".equals(e.marker())) {
        if (sameKey) {
          return new Verdict.Revoked(e.line());
        }
        continue;
      }
      if (sameKey) {
        return new Verdict.Known(e.line());
      }
      if (e.type().equals(type)) {
        sameType = sameType == null ? e : sameType;
      } else {
        otherType = otherType == null ? e : otherType;
      }
    }
    Entry conflict = sameType != null ? sameType : otherType;
    return conflict == null
        ? new Verdict.Unknown()
        : new Verdict.Mismatch(conflict.line(), conflict.type());
  }

  /** Key types the file lists for the host, in file order (to prefer them when negotiating). */
  public static List<String> keyTypes(Path file, String host, int port) throws IOException {
    String name = lookupName(host, port);
    Set<String> types = new LinkedHashSet<>();
    for (Entry e : entries(file)) {
      if (e.marker() == null && matches(e.hosts(), name)) {
        types.add(e.type());
      }
    }
    return new ArrayList<>(types);
  }

  /** Adds a line for the host (creating the file and its directory as needed). */
  public static void append(Path file, String host, int port, String type, String base64Key)
      throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    String existing = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    String prefix = existing.isEmpty() || existing.endsWith("\n") ? "" : "\n";
    Files.writeString(
        file,
        prefix + lookupName(host, port) + " " + type + " " + base64Key + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  private static List<Entry> entries(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split("\\s+");
      int f = 0;
      String marker = null;
      if (fields[0].startsWith("@")) {
        marker = fields[0];
        f = 1;
        if (!marker.equals("@revoked")) {
          continue; // @cert-authority: host certificates are not supported
        }
      }
      if (fields.length < f + 3) {
        continue; // malformed: ssh ignores such lines too
      }
      entries.add(new Entry(i + 1, marker, fields[f], fields[f + 1], fields[f + 2]));
    }
    return entries;
  }

  /** Whether a host field matches {@code name}: some pattern matches and no negated one does. */
  static boolean matches(String hosts, String name) {
    if (hosts.startsWith("|1|")) {
      return hashedMatch(hosts, name);
    }
    boolean matched = false;
    for (String pattern : hosts.split(",")) {
      boolean negated = pattern.startsWith("!");
      String p = (negated ? pattern.substring(1) : pattern).toLowerCase(Locale.ROOT);
      if (glob(p, 0, name, 0)) {
        if (negated) {
          return false;
        }
        matched = true;
      }
    }
    return matched;
  }

  private static boolean hashedMatch(String field, String name) {
    String[] parts = field.split("\\|");
    // "", "1", salt, hash
    if (parts.length != 4) {
      return false;
    }
    try {
      byte[] salt = Base64.getDecoder().decode(parts[2]);
      byte[] hash = Base64.getDecoder().decode(parts[3]);
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(salt, "HmacSHA1"));
      return MessageDigest.isEqual(mac.doFinal(name.getBytes(StandardCharsets.UTF_8)), hash);
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      return false;
    }
  }

  private static boolean glob(String p, int pi, String s, int si) {
    while (pi < p.length()) {
      char c = p.charAt(pi);
      if (c == '*') {
        for (int k = si; k <= s.length(); k++) {
          if (glob(p, pi + 1, s, k)) {
            return true;
          }
        }
        return false;
      }
      if (si >= s.length() || (c != '?' && c != s.charAt(si))) {
        return false;
      }
      pi++;
      si++;
    }
    return si == s.length();
  }

  private static boolean keysEqual(String a, String b) {
    try {
      return MessageDigest.isEqual(Base64.getDecoder().decode(a), Base64.getDecoder().decode(b));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
