package dev.selvedge.port;

/**
 * Progress of an image pull as the engine streams it, so a terminal can draw it and the server can
 * forward it. Called on the pulling thread.
 */
@FunctionalInterface
public interface PullListener {

  /** Ignores progress. */
  PullListener NONE = (reference, layer, status, current, total) -> {};

  /**
   * One progress message.
   *
   * @param layer the layer id the message is about, or null for the whole image
   * @param status the engine's words: {@code Pulling fs layer}, {@code Downloading}, {@code Pull
   *     complete}, {@code Digest: sha256:...}
   * @param current bytes done, or -1 when the message has no byte count
   * @param total bytes in all, or -1 when unknown
   */
  void progress(String reference, String layer, String status, long current, long total);
}
