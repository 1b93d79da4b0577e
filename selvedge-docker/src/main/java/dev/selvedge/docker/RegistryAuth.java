package dev.selvedge.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.SelvedgeException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Registry credentials as the docker CLI keeps them: {@code config.json} in {@code $DOCKER_CONFIG}
 * or {@code ~/.docker}, with {@code auths} entries and credential helpers ({@code credHelpers},
 * {@code credsStore}). Turns them into the {@code X-Registry-Auth} header the engine forwards to
 * the registry.
 *
 * <p>Credentials never leave this class except inside that header: no message, exception or {@link
 * #toString()} carries them.
 */
final class RegistryAuth {
  /** The key docker.io credentials are stored under. */
  static final String DOCKER_HUB = "https://index.docker.io/v1/";

  private static final Duration HELPER_TIMEOUT = Duration.ofSeconds(30);

  private final Path configFile;
  private final Map<String, String> env;
  private final Map<String, Optional<Credentials>> cache = new ConcurrentHashMap<>();

  /**
   * One registry's credentials: a user and password, or an identity token (then both others are
   * null). Its {@link #toString()} names no secret.
   */
  record Credentials(String user, String password, String identityToken) {
    @Override
    public String toString() {
      return identityToken != null ? "Credentials[identity token]" : "Credentials[user, password]";
    }
  }

  /** The config file read, for messages. */
  Path configFile() {
    return configFile;
  }

  RegistryAuth(Path configFile, Map<String, String> env) {
    this.configFile = configFile;
    this.env = Map.copyOf(env);
  }

  /** The docker CLI's config for this environment ({@code DOCKER_CONFIG}, else {@code HOME}). */
  static RegistryAuth fromEnvironment(Map<String, String> env) {
    String dir = env.get("DOCKER_CONFIG");
    Path config;
    if (dir != null && !dir.isBlank()) {
      config = Path.of(dir.strip(), "config.json");
    } else {
      String home = env.get("HOME");
      config =
          Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"))
              .resolve(".docker")
              .resolve("config.json");
    }
    return new RegistryAuth(config, env);
  }

  /**
   * The registry an image reference is pulled from: its first path component when that looks like a
   * host ({@code .}, {@code :} or {@code localhost}), else Docker Hub.
   */
  static String registryOf(String reference) {
    int slash = reference.indexOf('/');
    if (slash > 0) {
      String first = reference.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        if (first.equals("docker.io")
            || first.equals("index.docker.io")
            || first.equals("registry-1.docker.io")) {
          return DOCKER_HUB;
        }
        return first;
      }
    }
    return DOCKER_HUB;
  }

  /** The {@code X-Registry-Auth} value for the registry of {@code reference}, when we have any. */
  Optional<String> header(String reference) {
    String registry = registryOf(reference);
    return credentials(registry)
        .map(c -> encode(c.user(), c.password(), c.identityToken(), registry));
  }

  /** The credentials of {@code registry} ({@link #registryOf}'s spelling), when we have any. */
  Optional<Credentials> credentials(String registry) {
    return cache.computeIfAbsent(registry, this::lookUp);
  }

  private Optional<Credentials> lookUp(String registry) {
    if (!Files.isRegularFile(configFile)) {
      return Optional.empty();
    }
    JsonNode config;
    try {
      config = EngineJson.parse(Files.readAllBytes(configFile));
    } catch (IOException e) {
      throw new SelvedgeException(
          "cannot read the docker CLI config "
              + configFile
              + " ("
              + e.getClass().getSimpleName()
              + "): fix or remove it, or set DOCKER_CONFIG to another directory");
    }
    String helper = config.path("credHelpers").path(registry).asText("");
    if (helper.isEmpty()) {
      helper = config.path("credsStore").asText("");
    }
    JsonNode entry = entry(config.path("auths"), registry);
    if (entry != null) {
      Optional<Credentials> fromEntry = fromEntry(entry, registry);
      if (fromEntry.isPresent()) {
        return fromEntry;
      }
    }
    if (!helper.isEmpty()) {
      return fromHelper(helper, registry);
    }
    return Optional.empty();
  }

  /** The {@code auths} entry of a registry, allowing the {@code https://} forms logins write. */
  private static JsonNode entry(JsonNode auths, String registry) {
    if (auths.has(registry)) {
      return auths.get(registry);
    }
    for (Map.Entry<String, JsonNode> e : auths.properties()) {
      String key = e.getKey().replaceFirst("^https?://", "");
      int slash = key.indexOf('/');
      String host = slash < 0 ? key : key.substring(0, slash);
      if (host.equals(registry)
          || (registry.equals(DOCKER_HUB)
              && (host.equals("index.docker.io") || host.equals("docker.io")))) {
        return e.getValue();
      }
    }
    return null;
  }

  private Optional<Credentials> fromEntry(JsonNode entry, String registry) {
    String token = entry.path("identitytoken").asText("");
    if (!token.isEmpty()) {
      return Optional.of(new Credentials(null, null, token));
    }
    String auth = entry.path("auth").asText("");
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new SelvedgeException(
            configFile + ": auths." + registry + ".auth is not base64; log in again");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new SelvedgeException(
            configFile + ": auths." + registry + ".auth is not user:password; log in again");
      }
      return Optional.of(
          new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1), null));
    }
    String user = entry.path("username").asText("");
    String password = entry.path("password").asText("");
    if (!user.isEmpty() || !password.isEmpty()) {
      return Optional.of(new Credentials(user, password, null));
    }
    return Optional.empty();
  }

  /** Runs {@code docker-credential-<helper> get} with the registry on stdin. */
  private Optional<Credentials> fromHelper(String helper, String registry) {
    if (!helper.matches("[A-Za-z0-9._-]+")) {
      throw new SelvedgeException(
          configFile + ": credential helper name '" + helper + "' is not a plain program name");
    }
    String program = "docker-credential-" + helper;
    Path binary = onPath(program);
    if (binary == null) {
      throw new SelvedgeException(
          configFile
              + " names the credential helper "
              + helper
              + " for "
              + registry
              + " but "
              + program
              + " is not on PATH: install it or remove it from the config");
    }
    ProcessBuilder pb = new ProcessBuilder(binary.toString(), "get");
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    try {
      Process p = pb.start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(registry.getBytes(StandardCharsets.UTF_8));
      } catch (IOException closed) {
        // A helper that answers without reading its input closes the pipe: its answer counts.
      }
      // Read on another thread so a helper that hangs with its pipe open still times out.
      java.util.concurrent.CompletableFuture<byte[]> reading =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try (InputStream stdout = p.getInputStream()) {
                  return stdout.readNBytes(1 << 20);
                } catch (IOException e) {
                  return new byte[0];
                }
              });
      if (!p.waitFor(HELPER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new SelvedgeException(
            program + " get did not answer within " + HELPER_TIMEOUT.toSeconds() + " s");
      }
      byte[] out = reading.join();
      if (p.exitValue() != 0) {
        // The helper says "credentials not found in native keychain" on stdout: no credentials.
        return Optional.empty();
      }
      JsonNode answer = EngineJson.parse(out);
      String user = answer.path("Username").asText("");
      String secret = answer.path("Secret").asText("");
      if (secret.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          user.equals("<token>")
              ? new Credentials(null, null, secret)
              : new Credentials(user, secret, null));
    } catch (IOException e) {
      // Never the helper's output: it may hold the secret.
      throw new SelvedgeException(
          "credential helper " + program + " failed for " + registry + ": not a valid answer");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SelvedgeException("interrupted while asking " + program + " for " + registry);
    }
  }

  private Path onPath(String program) {
    String path = env.getOrDefault("PATH", System.getenv().getOrDefault("PATH", ""));
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate) && Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private static String encode(String user, String password, String token, String registry) {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    if (token != null) {
      json.put("identitytoken", token);
    } else {
      json.put("username", user).put("password", password);
    }
    json.put("serveraddress", registry);
    return Base64.getUrlEncoder().encodeToString(EngineJson.write(json));
  }

  @Override
  public String toString() {
    return "RegistryAuth[" + configFile + "]";
  }
}
