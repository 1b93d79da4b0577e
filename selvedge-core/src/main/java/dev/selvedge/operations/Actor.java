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
    return user + "@" + machine(environment);
  }

  /**
   * The machine's name ({@code HOSTNAME}, else {@code /etc/hostname}, else {@code localhost}): the
   * source an audit event made by the CLI records.
   */
  public static String machine(Map<String, String> environment) {
    String host = environment.get("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host.strip();
    }
    try {
      String name = Files.readString(Path.of("/etc/hostname"), StandardCharsets.UTF_8).strip();
      return name.isEmpty() ? "localhost" : name;
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** This machine's name, as {@link #machine(Map)} finds it in the process's environment. */
  public static String machine() {
    return MachineName.NAME;
  }

  /** Read once, on first use. */
  private static final class MachineName {
    static final String NAME = machine(System.getenv());
  }
}
