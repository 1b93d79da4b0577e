package dev.selvedge.server.ui;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The UI's static files, read from the jar once: htmx and Pico CSS from their WebJars and the UI's
 * own stylesheet and script. Each is served under {@code /ui/assets/} at a name that carries its
 * version (or a hash of its content), so browsers may keep it for a year.
 *
 * @param htmx the URL of htmx
 * @param pico the URL of Pico CSS
 * @param css the URL of the UI's own stylesheet
 * @param js the URL of the UI's own script (live updates from the event stream)
 */
public record Assets(String htmx, String pico, String css, String js, Map<String, Asset> byName) {
  static final String PREFIX = "/ui/assets/";

  /** One file: its bytes and content type. */
  record Asset(byte[] bytes, String contentType) {}

  static Assets load() {
    Map<String, Asset> files = new LinkedHashMap<>();
    String htmx = "htmx-" + WebJarVersions.HTMX + ".min.js";
    files.put(
        htmx,
        new Asset(
            read(
                "/META-INF/resources/webjars/htmx.org/"
                    + WebJarVersions.HTMX
                    + "/dist/htmx.min.js"),
            "text/javascript; charset=utf-8"));
    String pico = "pico-" + WebJarVersions.PICO + ".min.css";
    files.put(
        pico,
        new Asset(
            read(
                "/META-INF/resources/webjars/picocss__pico/"
                    + WebJarVersions.PICO
                    + "/css/pico.min.css"),
            "text/css; charset=utf-8"));
    byte[] own = read("/dev/selvedge/server/ui/selvedge.css");
    String css = "selvedge-" + shortHash(own) + ".css";
    files.put(css, new Asset(own, "text/css; charset=utf-8"));
    byte[] script = read("/dev/selvedge/server/ui/selvedge.js");
    String js = "selvedge-" + shortHash(script) + ".js";
    files.put(js, new Asset(script, "text/javascript; charset=utf-8"));
    return new Assets(PREFIX + htmx, PREFIX + pico, PREFIX + css, PREFIX + js, Map.copyOf(files));
  }

  private static byte[] read(String resource) {
    try (InputStream in = Assets.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the web UI's file " + resource + " is not in the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String shortHash(byte[] bytes) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))
          .substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
