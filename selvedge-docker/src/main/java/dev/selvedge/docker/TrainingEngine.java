package dev.selvedge.docker;

import dev.selvedge.port.DockerEngine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An engine with no engine behind it, for recording the JVM start-up cache: it answers the read
 * calls {@code drift} and {@code status} make ({@code /_ping}, the container list, container and
 * image inspect) with representative Engine API bodies bundled with this module, so training runs
 * the same HTTP, JSON and record code as a real read. Everything else answers 404.
 *
 * <p>Service {@code i} (from 0) of {@code services} gets one running container publishing {@code
 * 127.0.0.1:(basePort + i)->8080/tcp}, created from {@code selvedge-training/app:1} with a bind
 * mount of {@code DIR/www} on {@code /www}, the volume {@code PROJECT_data} on {@code /data} and
 * the environment {@code INDEX=i+1, MODE=prod}.
 */
public final class TrainingEngine {
  private static final String IMAGE_ID =
      "4b1d2c3e4f5061728394a5b6c7d8e9f00112233445566778899aabbccddeeff0";

  private TrainingEngine() {}

  /**
   * @param dir the project directory the containers claim to come from
   */
  public static DockerEngine of(String project, String dir, List<String> services, int basePort) {
    Canned canned =
        new Canned(
            project,
            dir,
            List.copyOf(services),
            basePort,
            resource("container.json"),
            resource("summary.json"),
            resource("image.json"));
    return DockerEngines.over(
        canned,
        new EngineOptions(
            canned.endpoint(),
            null,
            SshOptions.defaults(Path.of(System.getProperty("user.home"))),
            EngineOptions.DEFAULT_CONNECT_TIMEOUT,
            EngineOptions.DEFAULT_REQUEST_TIMEOUT));
  }

  private static String resource(String name) {
    try (InputStream in = TrainingEngine.class.getResourceAsStream("training/" + name)) {
      if (in == null) {
        throw new IllegalStateException("training resource " + name + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private record Canned(
      String project,
      String dir,
      List<String> services,
      int basePort,
      String container,
      String summary,
      String image)
      implements Transport {

    @Override
    public String endpoint() {
      return "training://canned";
    }

    @Override
    public Connection open(Duration timeout) {
      return new CannedConnection(this);
    }

    @Override
    public void close() {
      // nothing shared
    }

    static String id(int i) {
      return String.format("%064x", 0x5e1ed9eL * 1000 + i);
    }

    String fill(String template, int i) {
      return template
          .replace("@ID@", id(i))
          .replace("@SHORT_ID@", id(i).substring(0, 12))
          .replace("@IMAGE_ID@", IMAGE_ID)
          .replace("@PROJECT@", project)
          .replace("@SERVICE@", services.get(i))
          .replace("@NUMBER@", Integer.toString(i + 1))
          .replace("@PORT@", Integer.toString(basePort + i))
          .replace("@DIR@", dir);
    }

    /** The answer to one request line, as dockerd frames it (chunked JSON). */
    byte[] answer(String method, String target) {
      String path = target.replaceFirst("^/v[0-9.]+/", "/");
      int query = path.indexOf('?');
      if (query >= 0) {
        path = path.substring(0, query);
      }
      if (path.equals("/_ping")) {
        return ("HTTP/1.1 200 OK\r\nApi-Version: 1.43\r\nContent-Type: text/plain; charset=utf-8"
                + "\r\nContent-Length: 2\r\n\r\nOK")
            .getBytes(StandardCharsets.ISO_8859_1);
      }
      String body = null;
      if (method.equals("GET") && path.equals("/containers/json")) {
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < services.size(); i++) {
          list.append(i == 0 ? "" : ",").append(fill(summary, i));
        }
        body = list.append("]\n").toString();
      } else if (method.equals("GET") && path.startsWith("/containers/")) {
        for (int i = 0; i < services.size() && body == null; i++) {
          if (path.equals("/containers/" + id(i) + "/json")) {
            body = fill(container, i);
          }
        }
      } else if (method.equals("GET") && path.equals("/images/sha256:" + IMAGE_ID + "/json")) {
        body = image.replace("@IMAGE_ID@", IMAGE_ID);
      }
      if (body == null) {
        body = "{\"message\":\"no such object\"}\n";
      }
      byte[] json = body.getBytes(StandardCharsets.UTF_8);
      // Two chunks, so the chunk boundary code runs too.
      int half = json.length / 2;
      ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 200);
      out.writeBytes(
          ("HTTP/1.1 "
                  + (body.startsWith("{\"message\"") ? "404 Not Found" : "200 OK")
                  + "\r\nApi-Version: 1.43\r\nContent-Type: application/json"
                  + "\r\nTransfer-Encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      chunk(out, json, 0, half);
      chunk(out, json, half, json.length - half);
      out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, byte[] b, int off, int len) {
      out.writeBytes((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(b, off, len);
      out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
  }

  /** Collects a request until it is flushed, then serves the canned answer. */
  private static final class CannedConnection implements Connection {
    private final Canned canned;
    private final ByteArrayOutputStream request = new ByteArrayOutputStream();
    private byte[] pending = new byte[0];
    private int pos;

    CannedConnection(Canned canned) {
      this.canned = canned;
    }

    private final OutputStream out =
        new OutputStream() {
          @Override
          public void write(int b) {
            request.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            request.write(b, off, len);
          }

          @Override
          public void flush() {
            String head = request.toString(StandardCharsets.ISO_8859_1);
            request.reset();
            String[] line = head.substring(0, Math.max(0, head.indexOf('\r'))).split(" ");
            pending = canned.answer(line[0], line.length > 1 ? line[1] : "/");
            pos = 0;
          }
        };

    private final InputStream in =
        new InputStream() {
          @Override
          public int read() {
            return pos < pending.length ? pending[pos++] & 0xff : -1;
          }

          @Override
          public int read(byte[] b, int off, int len) {
            if (pos >= pending.length) {
              return -1;
            }
            int n = Math.min(len, pending.length - pos);
            System.arraycopy(pending, pos, b, off, n);
            pos += n;
            return n;
          }
        };

    @Override
    public InputStream input() {
      return in;
    }

    @Override
    public OutputStream output() {
      return out;
    }

    @Override
    public void readTimeout(Duration timeout) {
      // in memory: never blocks
    }

    @Override
    public void close() {
      // nothing to release
    }
  }
}
