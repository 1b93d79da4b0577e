package dev.selvedge.docker.ssh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * What is wrong with a file offered as an SSH identity, told from its format before a key parser
 * sees it: parsers answer a file that is no key at all, or an encrypted one, with messages that do
 * not say so.
 */
final class IdentityFile {
  private static final String OPENSSH_BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
  private static final String OPENSSH_END = "-----END OPENSSH PRIVATE KEY-----";
  private static final byte[] OPENSSH_MAGIC =
      "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);

  /** The kinds of problem, each with the end of its message. */
  enum Problem {
    NOT_A_PRIVATE_KEY(
        "is not a private key: expected an OpenSSH or PEM private key file"
            + " (-----BEGIN ... PRIVATE KEY-----); check SELVEDGE_SSH_IDENTITY (or the node's"
            + " ssh.identity in a fleet file)"),
    PUBLIC_KEY("is a public key: give the private key file (the one without .pub)"),
    ENCRYPTED(
        "is passphrase-protected; selvedge uses no agent: give an unencrypted deploy key"
            + " (SELVEDGE_SSH_IDENTITY, or the node's ssh.identity in a fleet file)");

    final String says;

    Problem(String says) {
      this.says = says;
    }
  }

  private IdentityFile() {}

  /** Why {@code bytes} cannot serve as an unencrypted private key, if the format shows it. */
  static Optional<Problem> problem(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1).strip();
    if (text.startsWith("PuTTY-User-Key-File-")) {
      return text.contains("\nEncryption: none")
          ? Optional.empty()
          : Optional.of(Problem.ENCRYPTED);
    }
    if (text.startsWith(OPENSSH_BEGIN)) {
      return opensshEncrypted(text) ? Optional.of(Problem.ENCRYPTED) : Optional.empty();
    }
    if (text.startsWith("-----BEGIN ") && firstLine(text).endsWith("PRIVATE KEY-----")) {
      // PKCS#1/SEC1 PEM says "Proc-Type: 4,ENCRYPTED"; PKCS#8 says "BEGIN ENCRYPTED PRIVATE KEY".
      return text.contains("ENCRYPTED") ? Optional.of(Problem.ENCRYPTED) : Optional.empty();
    }
    if (looksLikePublicKey(firstLine(text))) {
      return Optional.of(Problem.PUBLIC_KEY);
    }
    return Optional.of(Problem.NOT_A_PRIVATE_KEY);
  }

  /** OpenSSH's own format names its cipher first: "none" for a key without passphrase. */
  private static boolean opensshEncrypted(String text) {
    int end = text.indexOf(OPENSSH_END);
    if (end < 0) {
      return false; // truncated: the parser's message says so
    }
    byte[] body;
    try {
      body = Base64.getMimeDecoder().decode(text.substring(OPENSSH_BEGIN.length(), end));
    } catch (IllegalArgumentException e) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(body);
    if (b.remaining() < OPENSSH_MAGIC.length + 4) {
      return false;
    }
    byte[] magic = new byte[OPENSSH_MAGIC.length];
    b.get(magic);
    int length = b.getInt();
    if (!java.util.Arrays.equals(magic, OPENSSH_MAGIC) || length < 0 || length > b.remaining()) {
      return false;
    }
    byte[] cipher = new byte[length];
    b.get(cipher);
    return !new String(cipher, StandardCharsets.US_ASCII).equals("none");
  }

  private static boolean looksLikePublicKey(String line) {
    String[] words = line.split(" ");
    return words.length >= 2
        && (words[0].startsWith("ssh-")
            || words[0].startsWith("ecdsa-")
            || words[0].startsWith("sk-"))
        && words[1].startsWith("AAAA");
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    return (nl < 0 ? text : text.substring(0, nl)).strip();
  }
}
