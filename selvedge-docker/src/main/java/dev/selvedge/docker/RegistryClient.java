package dev.selvedge.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.port.RegistryDigests;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link RegistryDigests} over the registry's HTTP API (Docker Registry HTTP API v2 / OCI
 * distribution): a {@code HEAD /v2/<name>/manifests/<tag>} answering the manifest's digest in
 * {@code Docker-Content-Digest}, never a pull. Credentials are the docker CLI's ({@link
 * RegistryAuth}): sent as Basic auth, or traded for a token when the registry answers with a {@code
 * Bearer} challenge. Loopback registries are spoken to over http (as Docker trusts them), every
 * other over https, and so is the token service (realm) of a registry that is not loopback: an http
 * realm would carry the credentials in cleartext, so it is refused before it is asked. Closing it
 * closes its HTTP client (its connections and selector thread).
 *
 * <p>No message names a credential or a token.
 */
public final class RegistryClient implements RegistryDigests, AutoCloseable {
  /** What a manifest may be: multi-platform indexes first, as {@code docker pull} asks. */
  static final String ACCEPT =
      String.join(
          ", ",
          "application/vnd.oci.image.index.v1+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.docker.distribution.manifest.v2+json");

  private static final String HUB_HOST = "registry-1.docker.io";

  /** A repository name: path components of lower-case letters and digits with separators. */
  private static final String NAME =
      "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*";

  private static final Pattern PARAM = Pattern.compile("([A-Za-z]+)=\"([^\"]*)\"");

  private final RegistryAuth auth;
  private final HttpClient http;
  private final Duration timeout;

  RegistryClient(RegistryAuth auth, Duration timeout) {
    this.auth = auth;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  /**
   * With the docker CLI's config of {@code env} ({@code DOCKER_CONFIG}, else {@code ~/.docker}).
   */
  public static RegistryClient fromEnvironment(Map<String, String> env, Duration timeout) {
    return new RegistryClient(RegistryAuth.fromEnvironment(env), timeout);
  }

  /** A reference split for the API: where to ask, the repository's name there, and the tag. */
  record Reference(String registry, String host, String name, String tag) {
    static Reference parse(String reference) {
      String r = reference.strip();
      if (r.isEmpty() || r.contains("@")) {
        throw new RegistryDigests.Failed(
            "'" + reference + "' is not a tag reference (registry/name:tag)", 0);
      }
      String registry = RegistryAuth.registryOf(r);
      String rest = r;
      String host;
      if (registry.equals(RegistryAuth.DOCKER_HUB)) {
        host = HUB_HOST;
        int slash = r.indexOf('/');
        if (slash > 0) {
          String first = r.substring(0, slash);
          if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
            rest = r.substring(slash + 1);
          }
        }
        if (!rest.contains("/")) {
          rest = "library/" + rest;
        }
      } else {
        host = registry;
        rest = r.substring(registry.length() + 1);
      }
      String tag = "latest";
      int colon = rest.lastIndexOf(':');
      if (colon > rest.lastIndexOf('/')) {
        tag = rest.substring(colon + 1);
        rest = rest.substring(0, colon);
      }
      if (rest.isEmpty()
          || !rest.matches(NAME)
          || !tag.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")) {
        throw new RegistryDigests.Failed(
            "'" + reference + "' is not an image reference (registry/name:tag)", 0);
      }
      return new Reference(registry, host, rest, tag);
    }

    /** http for loopback (as the engine trusts 127.0.0.0/8 and localhost), else https. */
    String scheme() {
      return loopback(host) ? "http" : "https";
    }

    URI manifest() {
      return URI.create(scheme() + "://" + host + "/v2/" + name + "/manifests/" + tag);
    }
  }

  /** Whether {@code host} ({@code name[:port]} or {@code [v6][:port]}) is this machine. */
  static boolean loopback(String host) {
    String h = host;
    if (h.startsWith("[")) {
      h = h.substring(0, h.indexOf(']') + 1);
    } else if (h.contains(":")) {
      h = h.substring(0, h.indexOf(':'));
    }
    return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]");
  }

  @Override
  public String digest(String reference) {
    Reference ref = Reference.parse(reference);
    String where = ref.name() + ":" + ref.tag() + " at " + ref.host();
    HttpResponse<Void> answer = head(ref, null, where);
    if (answer.statusCode() == 401) {
      String challenge = answer.headers().firstValue("WWW-Authenticate").orElse("");
      Optional<RegistryAuth.Credentials> creds = auth.credentials(ref.registry());
      String authorization;
      if (challenge.regionMatches(true, 0, "Bearer", 0, 6)) {
        authorization = "Bearer " + token(ref, challenge, creds.orElse(null), where);
      } else {
        if (creds.isEmpty() || creds.get().identityToken() != null) {
          throw new RegistryDigests.Failed(
              "registry "
                  + ref.host()
                  + " answered 401 Unauthorized for "
                  + where
                  + ": it needs a user and password and the docker config "
                  + auth.configFile()
                  + " has none for "
                  + ref.registry()
                  + " (docker login "
                  + ref.host()
                  + ")",
              401);
        }
        authorization = basic(creds.get());
      }
      answer = head(ref, authorization, where);
      if (answer.statusCode() == 401 || answer.statusCode() == 403) {
        throw new RegistryDigests.Failed(
            "registry "
                + ref.host()
                + " answered "
                + answer.statusCode()
                + " for "
                + where
                + (creds.isPresent()
                    ? ": it refused the credentials of the docker config " + auth.configFile()
                    : ": the docker config " + auth.configFile() + " has no credentials for it"),
            answer.statusCode());
      }
    }
    int status = answer.statusCode();
    if (status == 404) {
      throw new RegistryDigests.Failed(
          "registry " + ref.host() + " has no manifest " + where + " (404): is the tag pushed?",
          404);
    }
    if (status != 200) {
      throw new RegistryDigests.Failed(
          "registry " + ref.host() + " answered " + status + " for " + where, status);
    }
    String digest = answer.headers().firstValue("Docker-Content-Digest").orElse("");
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new RegistryDigests.Failed(
          "registry "
              + ref.host()
              + " answered no Docker-Content-Digest for "
              + where
              + "; it cannot be followed by digest",
          status);
    }
    return digest;
  }

  private HttpResponse<Void> head(Reference ref, String authorization, String where) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(ref.manifest())
            .method("HEAD", HttpRequest.BodyPublishers.noBody())
            .timeout(timeout)
            .header("Accept", ACCEPT);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return send(b.build(), HttpResponse.BodyHandlers.discarding(), ref, where);
  }

  /** The Bearer flow: a token for the challenge's scope, with the credentials when we have any. */
  private String token(
      Reference ref, String challenge, RegistryAuth.Credentials creds, String where) {
    Map<String, String> params = new LinkedHashMap<>();
    Matcher m = PARAM.matcher(challenge);
    while (m.find()) {
      params.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2));
    }
    String realm = params.get("realm");
    if (realm == null || !(realm.startsWith("https://") || realm.startsWith("http://"))) {
      throw new RegistryDigests.Failed(
          "registry " + ref.host() + " asked for a token without a usable realm", 401);
    }
    if (realm.startsWith("http://") && !(ref.scheme().equals("http") && realmIsLoopback(realm))) {
      throw new RegistryDigests.Failed(
          "registry "
              + ref.host()
              + " names the token service "
              + realm
              + " over plain http: credentials would travel in cleartext, so it is not asked"
              + " (an http token service must be on this machine, for a loopback registry)",
          401);
    }
    String scope = params.getOrDefault("scope", "repository:" + ref.name() + ":pull");
    String service = params.get("service");
    HttpRequest request;
    if (creds != null && creds.identityToken() != null) {
      StringBuilder form =
          new StringBuilder("grant_type=refresh_token&client_id=selvedge&refresh_token=")
              .append(enc(creds.identityToken()))
              .append("&scope=")
              .append(enc(scope));
      if (service != null) {
        form.append("&service=").append(enc(service));
      }
      request =
          HttpRequest.newBuilder(URI.create(realm))
              .timeout(timeout)
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
              .build();
    } else {
      StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
      url.append("scope=").append(enc(scope));
      if (service != null) {
        url.append("&service=").append(enc(service));
      }
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.toString())).timeout(timeout);
      if (creds != null) {
        b.header("Authorization", basic(creds));
      }
      request = b.GET().build();
    }
    HttpResponse<byte[]> answer =
        send(request, HttpResponse.BodyHandlers.ofByteArray(), ref, where);
    if (answer.statusCode() != 200) {
      throw new RegistryDigests.Failed(
          "the token service of registry "
              + ref.host()
              + " answered "
              + answer.statusCode()
              + " for "
              + where
              + (creds != null
                  ? ": it refused the credentials of the docker config " + auth.configFile()
                  : ": the docker config " + auth.configFile() + " has no credentials for it"),
          answer.statusCode());
    }
    JsonNode json;
    try {
      json = EngineJson.parse(answer.body());
    } catch (IOException | RuntimeException e) {
      throw new RegistryDigests.Failed(
          "the token service of registry " + ref.host() + " answered no JSON", 200);
    }
    String token = json.path("token").asText("");
    if (token.isEmpty()) {
      token = json.path("access_token").asText("");
    }
    if (token.isEmpty()) {
      throw new RegistryDigests.Failed(
          "the token service of registry " + ref.host() + " answered no token", 200);
    }
    return token;
  }

  private <T> HttpResponse<T> send(
      HttpRequest request, HttpResponse.BodyHandler<T> body, Reference ref, String where) {
    try {
      return http.send(request, body);
    } catch (IOException e) {
      throw new RegistryDigests.Failed(
          "cannot reach registry "
              + ref.host()
              + " for "
              + where
              + " ("
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage())
              + ")",
          0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryDigests.Failed("interrupted while asking registry " + ref.host(), 0);
    }
  }

  private static String basic(RegistryAuth.Credentials c) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((c.user() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
  }

  private static boolean realmIsLoopback(String realm) {
    try {
      String authority = URI.create(realm).getRawAuthority();
      return authority != null && !authority.contains("@") && loopback(authority);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Closes the HTTP client now: a request in flight fails, a later one is refused. */
  @Override
  public void close() {
    http.shutdownNow();
  }

  /** Whether the HTTP client has stopped, waiting up to {@code wait}. */
  boolean awaitClosed(Duration wait) throws InterruptedException {
    return http.awaitTermination(wait);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "RegistryClient[" + auth + "]";
  }
}
