package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {

  @ParameterizedTest(name = "{0} = {1}ns")
  @CsvSource({
    "0, 0",
    "-0, 0",
    "1ns, 1",
    "2us, 2000",
    "2\u00b5s, 2000",
    "2\u03bcs, 2000",
    "500ms, 500000000",
    "10s, 10000000000",
    "1m30s, 90000000000",
    "1h, 3600000000000",
    "1.5h, 5400000000000",
    "-1.5h, -5400000000000",
    "+5s, 5000000000",
    ".5s, 500000000",
    "1.s, 1000000000",
    "1h0m0s, 3600000000000",
    "2h32m, 9120000000000",
    "1.0000000019s, 1000000001",
    "1d, 86400000000000",
    "1w, 604800000000000",
    "1h1h, 7200000000000",
    "2562047h47m16.854775807s, 9223372036854775807",
    "-2562047h47m16.854775808s, -9223372036854775808",
  })
  void parses(String text, long nanos) {
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.ofNanos(nanos));
  }

  @ParameterizedTest(name = "{0} is rejected")
  @ValueSource(
      strings = {
        "",
        "10",
        "-",
        "s",
        "1x",
        "1.5.5s",
        "1s5",
        ".s",
        "1 s",
        " 1s",
        "2562047h47m16.854775808s"
      })
  void rejects(String text) {
    assertThatThrownBy(() -> GoDuration.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid duration \"" + text + "\"");
  }

  @ParameterizedTest(name = "{0}ns prints {1}")
  @CsvSource({
    "0, 0s",
    "1, 1ns",
    "999, 999ns",
    "1500, 1.5\u00b5s",
    "2000, 2\u00b5s",
    "500000000, 500ms",
    "100000001, 100.000001ms",
    "1000000000, 1s",
    "1500000000, 1.5s",
    "60000000000, 1m0s",
    "90000000000, 1m30s",
    "3600000000000, 1h0m0s",
    "3723004000000, 1h2m3.004s",
    "86400000000000, 24h0m0s",
    "-90000000000, -1m30s",
    "-1, -1ns",
    "9223372036854775807, 2562047h47m16.854775807s",
    "-9223372036854775808, -2562047h47m16.854775808s",
  })
  void formatsLikeGo(long nanos, String expected) {
    assertThat(GoDuration.format(Duration.ofNanos(nanos))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} round-trips")
  @ValueSource(strings = {"1m30s", "1h0m0s", "1.5s", "500ms", "2\u00b5s", "3ns", "-4h5m6.007s"})
  void roundTrips(String text) {
    assertThat(GoDuration.format(GoDuration.parse(text))).isEqualTo(text);
  }

  @org.junit.jupiter.api.Test
  void refusesDurationsBeyondGoRange() {
    assertThatThrownBy(() -> GoDuration.format(Duration.ofDays(300 * 365)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too long");
  }
}
