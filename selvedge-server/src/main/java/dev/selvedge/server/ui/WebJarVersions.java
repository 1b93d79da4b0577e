package dev.selvedge.server.ui;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The WebJars' versions, written by the build (webjars.properties, filtered from the POM). */
final class WebJarVersions {
  static final String HTMX;
  static final String PICO;

  static {
    Properties p = new Properties();
    try (InputStream in = WebJarVersions.class.getResourceAsStream("webjars.properties")) {
      if (in == null) {
        throw new IllegalStateException("webjars.properties is not beside WebJarVersions");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    HTMX = p.getProperty("htmx");
    PICO = p.getProperty("pico");
  }

  private WebJarVersions() {}
}
