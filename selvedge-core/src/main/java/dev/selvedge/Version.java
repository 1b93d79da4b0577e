package dev.selvedge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The version of this build, read from the jar's {@code selvedge-version.properties}. */
public final class Version {
  private static final Properties PROPERTIES = load();
  private static final String VERSION = PROPERTIES.getProperty("version", "dev");

  private Version() {}

  public static String current() {
    return VERSION;
  }

  /**
   * The source revision the build was made from ({@code -Dselvedge.revision=...} at build time, the
   * launcher passes git's commit); {@code unknown} when the build was not told.
   */
  public static String revision() {
    String r = PROPERTIES.getProperty("revision", "");
    return r.isBlank() || r.startsWith("${") ? "unknown" : r;
  }

  private static Properties load() {
    try (InputStream in = Version.class.getResourceAsStream("/selvedge-version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
