package dev.selvedge.docker.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.docker.ssh.KnownHosts.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownHostsTest {
  static final String ED = "ssh-ed25519";
  static final String KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIHBbZb+8ETmeVo9qmcNPSiqV9IRxEQBRpydhzArMJ6zl";
  static final String OTHER =
      "AAAAC3NzaC1lZDI1NTE5AAAAIFW3Wdd6e0h4C6D2TJCvpDgrCxP0XAUDrhXlOCL9k7xW";

  /** Made by {@code ssh-keygen -H} from a line for {@code [example.org]:2200}. */
  static final String HASHED =
      "|1|LqNchJo7Md8M5LLDMj5Ox4CNgdE=|C0hYTQm24kbsOJBl4UkrhJJdsO8= ssh-ed25519 " + KEY;

  @TempDir Path dir;

  Path file(String... lines) throws IOException {
    Path f = dir.resolve("known_hosts");
    Files.write(f, java.util.List.of(lines));
    return f;
  }

  @Test
  void portsOtherThan22AreBracketed() {
    assertThat(KnownHosts.lookupName("Example.ORG", 22)).isEqualTo("example.org");
    assertThat(KnownHosts.lookupName("10.0.0.1", 2222)).isEqualTo("[10.0.0.1]:2222");
  }

  @Test
  void aListedKeyIsKnownAtItsLine() throws IOException {
    Path f =
        file("# comment", "", "other.host " + ED + " " + OTHER, "a,example.org " + ED + " " + KEY);

    assertThat(KnownHosts.check(f, "example.org", 22, ED, KEY)).isEqualTo(new Verdict.Known(4));
    assertThat(KnownHosts.check(f, "EXAMPLE.org", 22, ED, KEY)).isEqualTo(new Verdict.Known(4));
  }

  @Test
  void anotherKeyForTheHostIsAMismatchAtThatLine() throws IOException {
    Path f = file("# reinstalled since", "[example.org]:2200 " + ED + " " + OTHER);

    assertThat(KnownHosts.check(f, "example.org", 2200, ED, KEY))
        .isEqualTo(new Verdict.Mismatch(2, ED));
  }

  @Test
  void onlyAKeyOfAnotherTypeIsAMismatchNamingThatType() throws IOException {
    Path f = file("example.org ecdsa-sha2-nistp256 AAAAE2VjZHNh");

    assertThat(KnownHosts.check(f, "example.org", 22, ED, KEY))
        .isEqualTo(new Verdict.Mismatch(1, "ecdsa-sha2-nistp256"));
  }

  @Test
  void theSameHostOnAnotherPortIsUnknown() throws IOException {
    Path f = file("example.org " + ED + " " + KEY);

    assertThat(KnownHosts.check(f, "example.org", 2200, ED, KEY)).isEqualTo(new Verdict.Unknown());
  }

  @Test
  void hashedEntriesMatchTheirHostOnly() throws IOException {
    Path f = file(HASHED);

    assertThat(KnownHosts.check(f, "example.org", 2200, ED, KEY)).isEqualTo(new Verdict.Known(1));
    assertThat(KnownHosts.check(f, "example.org", 22, ED, KEY)).isEqualTo(new Verdict.Unknown());
    assertThat(KnownHosts.check(f, "example.com", 2200, ED, KEY)).isEqualTo(new Verdict.Unknown());
  }

  @Test
  void wildcardsAndNegation() throws IOException {
    Path f =
        file("*.example.org,!bad.example.org " + ED + " " + KEY, "web?.test " + ED + " " + KEY);

    assertThat(KnownHosts.check(f, "a.example.org", 22, ED, KEY)).isEqualTo(new Verdict.Known(1));
    assertThat(KnownHosts.check(f, "bad.example.org", 22, ED, KEY))
        .isEqualTo(new Verdict.Unknown());
    assertThat(KnownHosts.check(f, "web1.test", 22, ED, KEY)).isEqualTo(new Verdict.Known(2));
    assertThat(KnownHosts.check(f, "web12.test", 22, ED, KEY)).isEqualTo(new Verdict.Unknown());
  }

  @Test
  void revokedKeysAreRefusedAndCertAuthoritiesIgnored() throws IOException {
    Path f =
        file(
            "@cert-authority *.example.org " + ED + " " + OTHER,
            "@revoked * " + ED + " " + KEY,
            "example.org " + ED + " " + KEY);

    assertThat(KnownHosts.check(f, "example.org", 22, ED, KEY)).isEqualTo(new Verdict.Revoked(2));
    assertThat(KnownHosts.check(f, "example.org", 22, ED, OTHER))
        .isEqualTo(new Verdict.Mismatch(3, ED));
  }

  @Test
  void aMissingFileKnowsNothing() throws IOException {
    assertThat(KnownHosts.check(dir.resolve("absent"), "h", 22, ED, KEY))
        .isEqualTo(new Verdict.Unknown());
    assertThat(KnownHosts.keyTypes(dir.resolve("absent"), "h", 22)).isEmpty();
  }

  @Test
  void appendAddsALineThatIsThenKnown() throws IOException {
    Path f = dir.resolve("sub/known_hosts");
    KnownHosts.append(f, "10.0.0.1", 2222, ED, KEY);
    Files.writeString(f, Files.readString(f) + "no-newline-at-end " + ED + " " + OTHER);
    KnownHosts.append(f, "example.org", 22, ED, OTHER);

    assertThat(Files.readAllLines(f))
        .containsExactly(
            "[10.0.0.1]:2222 " + ED + " " + KEY,
            "no-newline-at-end " + ED + " " + OTHER,
            "example.org " + ED + " " + OTHER);
    assertThat(KnownHosts.check(f, "10.0.0.1", 2222, ED, KEY)).isEqualTo(new Verdict.Known(1));
    assertThat(KnownHosts.keyTypes(f, "example.org", 22)).containsExactly(ED);
  }
}
