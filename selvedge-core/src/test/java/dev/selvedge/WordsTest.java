package dev.selvedge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WordsTest {
  @Test
  void aCountIsSingularOnlyForOne() {
    assertThat(Words.count(1, "node")).isEqualTo("1 node");
    assertThat(Words.count(0, "node")).isEqualTo("0 nodes");
    assertThat(Words.count(12, "webhook")).isEqualTo("12 webhooks");
  }
}
