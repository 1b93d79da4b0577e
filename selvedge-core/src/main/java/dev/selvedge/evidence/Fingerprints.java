package dev.selvedge.evidence;

import dev.selvedge.SelvedgeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed fingerprints of secret values, so two layers can be compared and a report can say "these
 * differ" without the value ever being written: {@code hmac-sha256:<first 16 hex digits>} of
 * HMAC-SHA256 under a per-installation key.
 *
 * <p>The key is 32 random bytes in {@value #KEY_FILE} under {@code $SELVEDGE_HOME}, else {@code
 * $XDG_DATA_HOME/selvedge}, else {@code ~/.local/share/selvedge} — never in the repository, so a
 * fingerprint in a committed evidence file cannot be brute-forced by whoever reads the repository.
 * Fingerprints are comparable only between reports made with the same key.
 *
 * <p>Neither the key nor any fingerprinted value appears in {@code toString} or in an exception.
 */
public final class Fingerprints {
  /** The name of the key file in the key directory. */
  public static final String KEY_FILE = "fingerprint.key";

  /** The prefix of every fingerprint. */
  public static final String PREFIX = "hmac-sha256:";

  static final int KEY_BYTES = 32;
  private static final int HEX_DIGITS = 16;
  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;
  private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

  /** Fingerprints under {@code key} (at least 16 bytes; the loader makes 32). */
  public Fingerprints(byte[] key) {
    if (key == null || key.length < 16) {
      throw new IllegalArgumentException("a fingerprint key needs at least 16 bytes");
    }
    this.key = new SecretKeySpec(key.clone(), ALGORITHM);
  }

  /** The fingerprint of {@code value}: {@code hmac-sha256:} and 16 lowercase hex digits. */
  public String of(String value) {
    if (value == null) {
      throw new IllegalArgumentException("cannot fingerprint a missing value");
    }
    // A Mac is not thread-safe: each thread keeps its own, initialized once.
    Mac mac = macs.get();
    byte[] digest = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
    return PREFIX + HexFormat.of().formatHex(digest, 0, HEX_DIGITS / 2);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has " + ALGORITHM, e);
    }
  }

  /** Whether {@code s} has the shape of a fingerprint. */
  public static boolean isFingerprint(String s) {
    return s != null && s.matches("hmac-sha256:[0-9a-f]{16}");
  }

  /**
   * The directory of the key file: {@code SELVEDGE_HOME}, else {@code XDG_DATA_HOME/selvedge}, else
   * {@code <home>/.local/share/selvedge}. Blank variables count as unset.
   */
  public static Path keyDirectory(Map<String, String> environment, Path home) {
    String selvedgeHome = environment.get("SELVEDGE_HOME");
    if (selvedgeHome != null && !selvedgeHome.isBlank()) {
      return Path.of(selvedgeHome);
    }
    String xdg = environment.get("XDG_DATA_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "selvedge");
    }
    return home.resolve(".local").resolve("share").resolve("selvedge");
  }

  /**
   * Fingerprints under the key in {@code directory}/{@value #KEY_FILE}, creating the directory and
   * a new random key (owner-only permissions) when there is none. Creation is atomic: the key is
   * written to a private temporary file and hard-linked into place, so a concurrent creator never
   * clobbers a key and no reader sees a half-written one; the loser of a race uses the winner's.
   *
   * @throws SelvedgeException naming the file when it cannot be read, created, or is malformed
   */
  public static Fingerprints load(Path directory) {
    Path file = directory.resolve(KEY_FILE);
    try {
      if (!Files.exists(file)) {
        create(directory, file);
      }
      return new Fingerprints(read(file));
    } catch (IOException e) {
      throw new SelvedgeException(
          "cannot read or create the fingerprint key "
              + file
              + ": "
              + e.getMessage()
              + "; set SELVEDGE_HOME to a writable directory",
          e);
    }
  }

  private static byte[] read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length != KEY_BYTES) {
      int length = bytes.length;
      Arrays.fill(bytes, (byte) 0);
      throw new SelvedgeException(
          "the fingerprint key "
              + file
              + " holds "
              + length
              + " bytes, not "
              + KEY_BYTES
              + "; move it away to create a new key (fingerprints in older evidence will no"
              + " longer match)");
    }
    return bytes;
  }

  private static void create(Path directory, Path file) throws IOException {
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    if (posix) {
      Files.createDirectories(
          directory,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(directory);
    }
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    FileAttribute<?>[] ownerOnly =
        posix
            ? new FileAttribute<?>[] {
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
            }
            : new FileAttribute<?>[0];
    Path temp = Files.createTempFile(directory, KEY_FILE + ".", ".tmp", ownerOnly);
    try {
      Files.write(temp, key, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
      try {
        Files.createLink(file, temp);
      } catch (FileAlreadyExistsException raced) {
        // Another process created the key first; theirs is the installation's key.
      } catch (UnsupportedOperationException | IOException noLinks) {
        if (Files.exists(file)) {
          return;
        }
        // File systems without hard links: exclusive create still never clobbers a key.
        try (var out =
            Files.newByteChannel(
                file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly)) {
          out.write(ByteBuffer.wrap(key));
        } catch (FileAlreadyExistsException raced) {
          // as above
        }
      }
    } finally {
      Arrays.fill(key, (byte) 0);
      Files.deleteIfExists(temp);
    }
  }

  @Override
  public String toString() {
    return "Fingerprints[" + PREFIX + "<key withheld>]";
  }
}
