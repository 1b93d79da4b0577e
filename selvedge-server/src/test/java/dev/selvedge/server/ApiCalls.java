package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.json.TreeJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * The tests' HTTP client of a control plane on 127.0.0.1: every answer of {@link #call} is checked
 * against the OpenAPI document, and every body and header value received is kept in {@link #seen}
 * so a test can prove afterwards that no secret was in any of them.
 */
public final class ApiCalls {
  private final HttpClient http = HttpClient.newHttpClient();
  private final IntSupplier port;
  private final List<String> seen;

  /** One answer: its status, content type, body and the raw response (for its headers). */
  public record Answer(int status, String contentType, String body, HttpResponse<String> raw) {
    /** The body read as JSON. */
    public JsonNode json() {
      try {
        return TreeJson.read(body.getBytes(StandardCharsets.UTF_8), null);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    /** The first value of header {@code name}, or null. */
    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  /**
   * @param port the server's port, read at each call (a restarted server may listen on another)
   */
  public ApiCalls(IntSupplier port) {
    this(port, Collections.synchronizedList(new ArrayList<>()));
  }

  /**
   * @param seen where bodies and header values are added (shared by several clients of a class)
   */
  public ApiCalls(IntSupplier port, List<String> seen) {
    this.port = port;
    this.seen = seen;
  }

  /** Every body and header value received so far. */
  public List<String> seen() {
    return seen;
  }

  /**
   * {@code method path} (an instance of the OpenAPI document's {@code route}) with a JSON {@code
   * body} (null: none) and extra header name/value pairs, its answer checked against the document.
   */
  public Answer call(
      String method, String route, String path, String token, String body, String... headers) {
    Answer a = send(method, path, token, body, headers);
    assertThat(OpenApiCheck.problems(method, route, a.status(), a.contentType(), a.body()))
        .as("%s %s -> %d %s", method, path, a.status(), a.body())
        .isEmpty();
    return a;
  }

  /** GET {@code path} (an instance of {@code route}), checked against the OpenAPI document. */
  public Answer get(String route, String path, String token, String... headers) {
    return call("GET", route, path, token, null, headers);
  }

  /** {@code method path}, not checked against the document (for what it does not describe). */
  public Answer send(String method, String path, String token, String body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port.getAsInt() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      seen.add(r.body());
      r.headers().map().values().forEach(v -> seen.add(String.join(",", v)));
      return new Answer(
          r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body(), r);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
