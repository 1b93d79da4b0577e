package dev.selvedge.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.keys.ApiKeys;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the web UI's HTTP tests share: their fixture ({@link #f}, made by each test class), GET and
 * form POST with a session cookie, signing in, and the check after every test that no page, header
 * or redirect showed an API key or its hash, a session token, a planted secret or a stack trace.
 */
abstract class UiHttpTest {
  @TempDir Path dir;
  UiFixture f;
  final HttpClient http = HttpClient.newHttpClient();

  /** Every body and header value (but Set-Cookie) received. */
  final List<String> bodies = new ArrayList<>();

  /** Further values no answer of this class's tests may show. */
  List<String> secrets() {
    return List.of();
  }

  @AfterEach
  void nothingSecretWasShown() {
    try {
      for (String b : bodies) {
        assertThat(b).doesNotContain(UiFixture.PLANTED).doesNotContain(UiFixture.FINGERPRINT);
        assertThat(b).doesNotContain("Exception").doesNotContain("at dev.selvedge");
        for (String s : secrets()) {
          assertThat(b).doesNotContain(s);
        }
        for (String t : f.tokens) {
          assertThat(b).doesNotContain(t).doesNotContain(ApiKeys.hash(t));
        }
      }
    } finally {
      f.close();
    }
  }

  record Answer(int status, String body, HttpResponse<String> raw) {
    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  Answer get(String path, String cookie, String... headers) {
    return getAt(f.base(), path, cookie, headers);
  }

  /** GET from another server than the fixture's ({@code base}: {@code http://127.0.0.1:PORT}). */
  Answer getAt(String base, String path, String cookie, String... headers) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), cookie, headers);
  }

  Answer post(String path, String cookie, String form, String... headers) {
    return send(
        HttpRequest.newBuilder(URI.create(f.base() + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)),
        cookie,
        headers);
  }

  /** Any request (an API call's, with its own headers), kept and checked as the pages are. */
  Answer send(HttpRequest.Builder b) {
    return send(b, null);
  }

  Answer send(HttpRequest.Builder b, String cookie, String... headers) {
    if (cookie != null) {
      b.header("Cookie", SessionAuth.COOKIE + "=" + cookie);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      bodies.add(r.body());
      // Every header but Set-Cookie, the one place a session token belongs.
      r.headers().map().entrySet().stream()
          .filter(h -> !h.getKey().equalsIgnoreCase("set-cookie"))
          .forEach(h -> bodies.add(h.getKey() + ": " + String.join(",", h.getValue())));
      return new Answer(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Signs in with {@code token}; returns the session cookie's value (kept out of the checks). */
  String signIn(String token) {
    Answer a =
        post(
            "/ui/sign-in",
            null,
            "key=" + URLEncoder.encode(token, StandardCharsets.UTF_8),
            "Origin",
            f.base());
    assertThat(a.status()).as(a.body()).isEqualTo(303);
    assertThat(a.header("Location")).isEqualTo("/ui/fleet");
    String cookie = a.header("Set-Cookie");
    assertThat(cookie)
        .startsWith(SessionAuth.COOKIE + "=")
        .contains("; HttpOnly", "; SameSite=Strict", "; Path=/", "; Max-Age=43200")
        .doesNotContain("Secure"); // plain HTTP here
    String value = cookie.substring(SessionAuth.COOKIE.length() + 1, cookie.indexOf(';'));
    f.tokens.add(value);
    return value;
  }
}
