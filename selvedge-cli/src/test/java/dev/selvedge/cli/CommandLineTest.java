package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.SelvedgeException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Parsing the command line: help everywhere, the unknown-command list, logs' own arguments. */
class CommandLineTest {
  private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

  /** Help needs none of a command's positionals: {@code logs --help} has no SERVICE. */
  @Test
  void everyCommandAnswersHelpWithExitZero() {
    for (Command c : Main.commands(null)) {
      for (String flag : new String[] {"--help", "-h"}) {
        MainTest.Result r = MainTest.run(EXAMPLES, c.name(), flag);
        assertThat(r.code()).as(c.name() + " " + flag + ": " + r.err()).isZero();
        assertThat(r.out()).as(c.name()).contains("usage: selvedge " + c.name());
        assertThat(r.err()).as(c.name()).isEmpty();
      }
    }
    // Help wins over a missing positional and over options given before it.
    MainTest.Result r = MainTest.run(EXAMPLES, "logs", "--tail", "5", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--since", "--raw");
  }

  @Test
  void unknownCommandsListOnlyTheVisibleOnes() {
    MainTest.Result r = MainTest.run(EXAMPLES, "frobnicate");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("unknown command 'frobnicate'")
        .contains("config, verify", "probe")
        .doesNotContain("__train")
        .doesNotContain("__repeat");
  }

  /** Guarded never asks for --confirm to start a service (starting cannot cut off access). */
  @Test
  void helpDoesNotSayStartNeedsConfirm() {
    String top = MainTest.run(EXAMPLES, "--help").out();
    String start =
        top.lines().filter(l -> l.strip().startsWith("start ")).findFirst().orElseThrow();
    assertThat(start).doesNotContain("confirm");
    assertThat(top.lines().filter(l -> l.strip().startsWith("stop ")).findFirst().orElseThrow())
        .contains("self-critical");
  }

  @Test
  void tailTakesACountInRangeOrAll() {
    assertThat(LogsArguments.tail("1")).isEqualTo(1);
    assertThat(LogsArguments.tail("10000")).isEqualTo(10_000);
    assertThat(LogsArguments.tail("all")).isEqualTo(LogsArguments.MAX_TAIL);
    for (String bad : new String[] {"0", "-1", "10001", "ALL", "12x", ""}) {
      assertThatThrownBy(() -> LogsArguments.tail(bad))
          .as(bad)
          .isInstanceOf(SelvedgeException.class)
          .hasMessageContaining("--tail")
          .hasMessageContaining("or all");
    }
    // and on the command line, before any engine is asked
    MainTest.Result r = MainTest.run(EXAMPLES.resolve("shop"), "logs", "web", "--tail", "0");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--tail: '0'");
  }

  @Test
  void sinceTakesWhatTheDockerCliTakes() {
    Instant now = Instant.parse("2026-03-04T10:00:00Z");
    ZoneId zone = ZoneOffset.ofHours(2);
    assertThat(LogsArguments.since("15m", now, zone)).isEqualTo(now.minus(Duration.ofMinutes(15)));
    assertThat(LogsArguments.since("1h30m", now, zone))
        .isEqualTo(now.minus(Duration.ofMinutes(90)));
    assertThat(LogsArguments.since("2026-03-04T09:15:00Z", now, zone))
        .isEqualTo(Instant.parse("2026-03-04T09:15:00Z"));
    assertThat(LogsArguments.since("2026-03-04T09:15:00.123456789+01:00", now, zone))
        .isEqualTo(Instant.parse("2026-03-04T08:15:00.123456789Z"));
    // Without an offset: the local time zone, as the docker CLI reads it.
    assertThat(LogsArguments.since("2026-03-04T09:15:00", now, zone))
        .isEqualTo(Instant.parse("2026-03-04T07:15:00Z"));
    assertThat(LogsArguments.since("2026-03-04", now, zone))
        .isEqualTo(Instant.parse("2026-03-03T22:00:00Z"));
    assertThat(LogsArguments.since("1772612100", now, zone))
        .isEqualTo(Instant.ofEpochSecond(1772612100L));
    assertThat(LogsArguments.since("1772612100.5", now, zone))
        .isEqualTo(Instant.ofEpochSecond(1772612100L, 500_000_000));
    for (String bad : new String[] {"yesterday", "2026-13-01", "2026-03-04T25:00:00Z", "-5m", ""}) {
      assertThatThrownBy(() -> LogsArguments.since(bad, now, zone))
          .as(bad)
          .isInstanceOf(SelvedgeException.class)
          .hasMessageContaining("--since: '" + bad + "'");
    }
  }
}
