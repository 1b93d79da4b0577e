package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteSizeTest {

  @ParameterizedTest(name = "{0} = {1} bytes")
  @CsvSource({
    "1024, 1024",
    "0, 0",
    "-1, -1",
    "100b, 100",
    "100B, 100",
    "100k, 102400",
    "100kb, 102400",
    "100KiB, 102400",
    "512m, 536870912",
    "512M, 536870912",
    "'10 m', 10485760",
    "1g, 1073741824",
    "1gb, 1073741824",
    "1GB, 1073741824",
    "1.5g, 1610612736",
    "1.5, 1",
    "2t, 2199023255552",
    "1p, 1125899906842624",
  })
  void parses(String text, long bytes) {
    assertThat(ByteSize.parse(text)).isEqualTo(bytes);
  }

  @ParameterizedTest(name = "{0} is rejected")
  @ValueSource(strings = {"", "abc", "1x", "1e3", "-1m", "1.2.3m", "m", " 1", "1  m"})
  void rejects(String text) {
    assertThatThrownBy(() -> ByteSize.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid size \"" + text + "\"");
  }

  @ParameterizedTest(name = "{0} is too large")
  @ValueSource(strings = {"9999999p", "99999999999999999999"})
  void rejectsOverflow(String text) {
    assertThatThrownBy(() -> ByteSize.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too large");
  }
}
