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
}
