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
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
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
   * <p>As ssh does with a private key, a key others could read or replace is refused (on POSIX file
   * systems): a directory writable by group or others or owned by another user (root aside), a key
   * file with any group or other permission or owned by another user. So is a trivially weak key
   * (fewer than {@value #MIN_DISTINCT_BYTES} distinct byte values, such as all zeros): with it,
   * anyone could recompute the fingerprints and test guesses against them.
   *
   * @throws SelvedgeException naming the file and the fix when it cannot be read or created, is
   *     malformed, exposed or weak
   */
  public static Fingerprints load(Path directory) {
    Path file = directory.resolve(KEY_FILE);
    try {
      if (Files.isDirectory(directory)) {
        checkDirectory(directory);
      }
      if (!Files.exists(file)) {
        create(directory, file);
      }
      byte[] key = read(file);
      try {
        checkFile(file);
        return new Fingerprints(key);
      } finally {
        Arrays.fill(key, (byte) 0);
      }
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

  /** 32 random bytes hold about 30 distinct values; fewer than this is not a random key. */
  static final int MIN_DISTINCT_BYTES = 8;

  private static void checkDirectory(Path directory) throws IOException {
    PosixFileAttributes a = posixAttributes(directory);
    if (a == null) {
      return;
    }
    Set<PosixFilePermission> p = a.permissions();
    if (p.contains(PosixFilePermission.GROUP_WRITE)
        || p.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw refused(
          "the directory of the fingerprint key, "
              + directory
              + ", is writable by group or others (mode "
              + mode(p)
              + "), so anyone could replace the key and recompute fingerprints",
          "run chmod 700 " + directory + ", or set SELVEDGE_HOME to a private directory");
    }
    UserPrincipal me = currentUser();
    if (me != null && !a.owner().equals(me) && !a.owner().getName().equals("root")) {
      throw refused(
          "the directory of the fingerprint key, "
              + directory
              + ", is owned by "
              + a.owner().getName()
              + ", not by "
              + me.getName(),
          "set SELVEDGE_HOME to a directory of your own");
    }
  }

  private static void checkFile(Path file) throws IOException {
    PosixFileAttributes a = posixAttributes(file);
    if (a == null) {
      return;
    }
    UserPrincipal me = currentUser();
    if (me != null && !a.owner().equals(me)) {
      throw refused(
          "the fingerprint key "
              + file
              + " is owned by "
              + a.owner().getName()
              + ", not by "
              + me.getName()
              + ", so that user can read or replace it",
          "move it away to create a new key of your own (fingerprints in older evidence will no"
              + " longer match), or chown it to yourself if it is yours");
    }
    Set<PosixFilePermission> p = a.permissions();
    for (PosixFilePermission bit : p) {
      if (bit != PosixFilePermission.OWNER_READ
          && bit != PosixFilePermission.OWNER_WRITE
          && bit != PosixFilePermission.OWNER_EXECUTE) {
        throw refused(
            "the fingerprint key "
                + file
                + " is accessible by group or others (mode "
                + mode(p)
                + "), so they could read it and recompute fingerprints",
            "run chmod 600 "
                + file
                + "; if others may have read it, move it away to create a new key");
      }
    }
  }

  private static SelvedgeException refused(String what, String fix) {
    return new SelvedgeException(what + "; refusing to use it: " + fix);
  }

  /** Null where the file system has no POSIX permissions (the checks do not apply there). */
  private static PosixFileAttributes posixAttributes(Path p) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
    return view == null ? null : view.readAttributes();
  }

  private static String mode(Set<PosixFilePermission> p) {
    int m = 0;
    for (PosixFilePermission bit : p) {
      m |= 1 << (8 - bit.ordinal());
    }
    return String.format("%04o", m);
  }

  /** The user this process runs as, or null when the name does not resolve (no passwd entry). */
  private static UserPrincipal currentUser() {
    try {
      return FileSystems.getDefault()
          .getUserPrincipalLookupService()
          .lookupPrincipalByName(System.getProperty("user.name"));
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private static byte[] read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length == KEY_BYTES && distinct(bytes) < MIN_DISTINCT_BYTES) {
      Arrays.fill(bytes, (byte) 0);
      throw refused(
          "the fingerprint key " + file + " is trivially weak (not random bytes)",
          "move it away to create a new key (fingerprints in older evidence will no longer"
              + " match)");
    }
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

  private static int distinct(byte[] bytes) {
    boolean[] seen = new boolean[256];
    int n = 0;
    for (byte b : bytes) {
      if (!seen[b & 0xff]) {
        seen[b & 0xff] = true;
        n++;
      }
    }
    return n;
  }

  @Override
  public String toString() {
    return "Fingerprints[" + PREFIX + "<key withheld>]";
  }
}
