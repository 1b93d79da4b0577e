package dev.selvedge.verify.rules;

import java.util.regex.Pattern;

/**
 * An image reference split into name, tag and digest: {@code registry:5000/team/app:1.2@sha256:..}.
 * The tag is the part after the last ':' that follows the last '/', so a registry port is not
 * mistaken for a tag.
 */
record ImageRef(String name, String tag, String digest) {
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

  static ImageRef parse(String reference) {
    String rest = reference.strip();
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (tag.isEmpty()) {
        tag = null;
      }
    }
    return new ImageRef(rest, tag, digest);
  }

  boolean hasDigest() {
    return digest != null;
  }

  boolean pinned() {
    return digest != null && SHA256.matcher(digest).matches();
  }
}
