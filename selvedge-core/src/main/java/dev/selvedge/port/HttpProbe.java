package dev.selvedge.port;

import java.net.URI;
import java.time.Duration;

/**
 * Reads one HTTP(S) URL with a bounded wait: the application readback of drift checks and health
 * gates, and {@code selvedge probe}. Never throws for a transport failure; it classifies it.
 */
public interface HttpProbe {

  /**
   * A {@code GET} of {@code uri} that gives up after {@code timeout} in total.
   *
   * @throws IllegalArgumentException when {@code uri} is not an absolute http or https URL
   */
  ProbeResult get(URI uri, Duration timeout);
}
