package dev.selvedge.port;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalHostTest {
  final RemoteHost host = new LocalHost();

  @Test
  void readsFilesAndTellsAbsentOnes(@TempDir Path dir) throws IOException {
    Path env = Files.writeString(dir.resolve(".env"), "A=1\n");

    assertThat(host.name()).isEqualTo("local");
    assertThat(host.readFile(env.toString())).contains("A=1\n");
    assertThat(host.readBytes(env.toString()).orElseThrow()).hasSize(4);
    assertThat(host.readFile(dir.resolve("absent").toString())).isEmpty();
    assertThat(host.exists(dir.toString())).isTrue();
    assertThat(host.isFile(dir.toString())).isFalse();
    assertThat(host.isFile(env.toString())).isTrue();
    assertThat(host.exists(dir.resolve("absent").toString())).isFalse();
  }

  @Test
  void aDirectoryIsNotReadableAsAFile(@TempDir Path dir) {
    assertThatThrownBy(() -> host.readFile(dir.toString()))
        .isInstanceOf(RemoteHostException.class)
        .hasMessage("local: " + dir + " is a directory, not a file");
  }
}
