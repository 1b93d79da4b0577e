package dev.selvedge.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.SelvedgeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FingerprintsTest {
  private static final String SECRET = "hunter2-but-longer";

  private static byte[] key(int seed) {
    byte[] k = new byte[32];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) (i * seed);
    }
    return k;
  }

  @Test
  void aFingerprintIsKeyedHmacSha256Shortened() throws Exception {
    Fingerprints f = new Fingerprints(key(1));
    String fp = f.of(SECRET);
    assertThat(fp).matches("hmac-sha256:[0-9a-f]{16}");
    assertThat(Fingerprints.isFingerprint(fp)).isTrue();
    assertThat(f.of(SECRET)).isEqualTo(fp);
    assertThat(f.of(SECRET + "x")).isNotEqualTo(fp);
    assertThat(new Fingerprints(key(3)).of(SECRET)).as("another key").isNotEqualTo(fp);

    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(key(1), "HmacSHA256"));
    String full = java.util.HexFormat.of().formatHex(mac.doFinal(SECRET.getBytes("UTF-8")));
    assertThat(fp).isEqualTo("hmac-sha256:" + full.substring(0, 16));
  }

  @Test
  void neitherKeyNorValueShowsInToString() {
    Fingerprints f = new Fingerprints(key(1));
    f.of(SECRET);
    assertThat(f.toString()).doesNotContain(SECRET).doesNotContain("0001");
  }

  @Test
  void shortKeysAreRefused() {
    assertThatThrownBy(() -> new Fingerprints(new byte[8]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theKeyDirectoryFollowsSelvedgeHomeThenXdgThenHome() {
    Path home = Path.of("/home/u");
    assertThat(
            Fingerprints.keyDirectory(Map.of("SELVEDGE_HOME", "/s", "XDG_DATA_HOME", "/x"), home))
        .isEqualTo(Path.of("/s"));
    assertThat(Fingerprints.keyDirectory(Map.of("SELVEDGE_HOME", " ", "XDG_DATA_HOME", "/x"), home))
        .isEqualTo(Path.of("/x/selvedge"));
    assertThat(Fingerprints.keyDirectory(Map.of(), home))
        .isEqualTo(Path.of("/home/u/.local/share/selvedge"));
  }

  @Test
  void loadCreatesAnOwnerOnlyRandomKeyOnceAndReusesIt(@TempDir Path dir) throws Exception {
    Path keyDir = dir.resolve("a/b");
    Fingerprints first = Fingerprints.load(keyDir);
    Path file = keyDir.resolve(Fingerprints.KEY_FILE);
    assertThat(Files.size(file)).isEqualTo(32);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyDir)))
        .isEqualTo("rwx------");
    byte[] bytes = Files.readAllBytes(file);
    assertThat(Fingerprints.load(keyDir).of(SECRET)).isEqualTo(first.of(SECRET));
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    assertThat(new Fingerprints(bytes).of(SECRET)).isEqualTo(first.of(SECRET));
    try (var files = Files.list(keyDir)) {
      assertThat(files.toList()).as("no temporary file left").containsExactly(file);
    }
    assertThat(Fingerprints.load(dir.resolve("other")).of(SECRET))
        .as("another installation")
        .isNotEqualTo(first.of(SECRET));
  }

  @Test
  void concurrentCreatorsAgreeOnOneKey(@TempDir Path dir) throws Exception {
    int n = 16;
    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
      for (int i = 0; i < n; i++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return Fingerprints.load(dir).of(SECRET);
                }));
      }
      go.countDown();
      Set<String> distinct = new HashSet<>();
      for (Future<String> f : results) {
        distinct.add(f.get());
      }
      assertThat(distinct).hasSize(1);
    }
    assertThat(new Fingerprints(Files.readAllBytes(dir.resolve(Fingerprints.KEY_FILE))).of(SECRET))
        .isEqualTo(Fingerprints.load(dir).of(SECRET));
  }

  @Test
  void aMalformedKeyFileIsAnErrorNamingTheFileNotItsContent(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve(Fingerprints.KEY_FILE), "short-key-content");
    assertThatThrownBy(() -> Fingerprints.load(dir))
        .isInstanceOf(SelvedgeException.class)
        .hasMessageContaining(dir.resolve(Fingerprints.KEY_FILE).toString())
        .hasMessageContaining("17 bytes")
        .hasMessageNotContaining("short-key-content");
  }

  private static void mode(Path p, String perms) throws Exception {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
  }

  /** A directory holding a well-formed random key, both owner-only. */
  private static Path goodKey(Path dir) throws Exception {
    Path home = dir.resolve("home");
    Fingerprints.load(home);
    return home;
  }

  @Test
  void aKeyDirectoryOthersCanWriteIsRefusedNamingItAndTheFix(@TempDir Path dir) throws Exception {
    Path home = goodKey(dir);
    for (String perms : List.of("rwxrwxrwx", "rwxrwx---", "rwx----w-")) {
      mode(home, perms);
      assertThatThrownBy(() -> Fingerprints.load(home))
          .as(perms)
          .isInstanceOf(SelvedgeException.class)
          .hasMessageContaining(home.toString())
          .hasMessageContaining("writable by group or others")
          .hasMessageContaining("chmod 700 " + home);
    }
    // Readable by others is fine for the directory: the key file itself is owner-only.
    mode(home, "rwxr-xr-x");
    assertThat(Fingerprints.load(home)).isNotNull();
  }

  @Test
  void aKeyDirectoryWritableByOthersIsRefusedBeforeAKeyIsCreatedInIt(@TempDir Path dir)
      throws Exception {
    Path home = Files.createDirectory(dir.resolve("shared"));
    mode(home, "rwxrwxrwx");
    assertThatThrownBy(() -> Fingerprints.load(home)).hasMessageContaining("chmod 700");
    assertThat(home.resolve(Fingerprints.KEY_FILE)).doesNotExist();
  }

  @Test
  void aKeyFileOthersCanReadOrWriteIsRefused(@TempDir Path dir) throws Exception {
    Path home = goodKey(dir);
    Path file = home.resolve(Fingerprints.KEY_FILE);
    for (String perms : List.of("rw-r--r--", "rw-rw----", "rw-----w-", "rw----r--")) {
      mode(file, perms);
      assertThatThrownBy(() -> Fingerprints.load(home))
          .as(perms)
          .isInstanceOf(SelvedgeException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("accessible by group or others")
          .hasMessageContaining("chmod 600 " + file);
    }
    mode(file, "r--------");
    assertThat(Fingerprints.load(home)).as("read-only for the owner is fine").isNotNull();
  }

  @Test
  void aKeyFileOrDirectoryOwnedByAnotherUserIsRefused(@TempDir Path dir) throws Exception {
    var users = dir.getFileSystem().getUserPrincipalLookupService();
    var me = users.lookupPrincipalByName(System.getProperty("user.name"));
    org.junit.jupiter.api.Assumptions.assumeTrue(
        me.getName().equals("root"), "changing a file's owner needs root");
    var other = users.lookupPrincipalByName("nobody");
    Path home = goodKey(dir);
    Path file = home.resolve(Fingerprints.KEY_FILE);
    Files.setOwner(file, other);
    assertThatThrownBy(() -> Fingerprints.load(home))
        .isInstanceOf(SelvedgeException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("owned by nobody");
    Files.setOwner(file, me);
    assertThat(Fingerprints.load(home)).isNotNull();

    Path theirs = Files.createDirectory(dir.resolve("theirs"));
    mode(theirs, "rwx------");
    Files.setOwner(theirs, other);
    assertThatThrownBy(() -> Fingerprints.load(theirs))
        .hasMessageContaining(theirs.toString())
        .hasMessageContaining("owned by nobody");
  }

  @Test
  void aTriviallyWeakKeyIsRefused(@TempDir Path dir) throws Exception {
    Path home = goodKey(dir);
    Path file = home.resolve(Fingerprints.KEY_FILE);
    byte[] zeros = new byte[32];
    byte[] pattern =
        "abcdabcdabcdabcdabcdabcdabcdabcd".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (byte[] weak : List.of(zeros, pattern)) {
      Files.write(file, weak);
      assertThatThrownBy(() -> Fingerprints.load(home))
          .isInstanceOf(SelvedgeException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("trivially weak")
          .hasMessageContaining("move it away");
    }
  }

  @Test
  void theIssuesSetUpIsRefused(@TempDir Path dir) throws Exception {
    // SELVEDGE_HOME 0777 holding an all-zero fingerprint.key of mode 0644.
    Path home = Files.createDirectory(dir.resolve("home"));
    Files.write(home.resolve(Fingerprints.KEY_FILE), new byte[32]);
    mode(home.resolve(Fingerprints.KEY_FILE), "rw-r--r--");
    mode(home, "rwxrwxrwx");
    assertThatThrownBy(() -> Fingerprints.load(home)).isInstanceOf(SelvedgeException.class);
  }
}
