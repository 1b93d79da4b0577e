package dev.selvedge.operations;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Who is acting, as deployments, leases and audit events record it: the same rule for every front
 * end, so a deployment made by the CLI and one made through the server name people alike.
 */
public final class Actor {
  private Actor() {}

  /** {@code SELVEDGE_ACTOR} in {@code environment}, else {@code user@machine}. */
  public static String of(Map<String, String> environment) {
    String fixed = environment.get("SELVEDGE_ACTOR");
    if (fixed != null && !fixed.isBlank()) {
      return fixed.strip();
    }
    String user = environment.getOrDefault("USER", System.getProperty("user.name", "?"));
    String host = environment.get("HOSTNAME");
    if (host == null) {
      try {
        host = Files.readString(Path.of("/etc/hostname"), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        host = "localhost";
      }
    }
    return user + "@" + host;
  }
}
