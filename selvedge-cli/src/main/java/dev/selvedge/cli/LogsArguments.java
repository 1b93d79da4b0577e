package dev.selvedge.cli;

import dev.selvedge.operations.LogWindow;
import java.time.Instant;
import java.time.ZoneId;

/**
 * {@code selvedge logs}'s window: {@code --tail} and {@code --since}, read by {@link LogWindow} as
 * the docker CLI does (the server's logs route reads its parameters the same way).
 */
final class LogsArguments {
  private LogsArguments() {}

  /** The most lines {@code logs} prints per container; {@code --tail all} asks for this many. */
  static final int MAX_TAIL = LogWindow.MAX_TAIL;

  /** {@code --tail}: a count in range, or {@code all} as the docker CLI accepts it. */
  static int tail(String text) {
    return LogWindow.tail("--tail", text);
  }

  /** {@code --since}: see {@link LogWindow#since}. */
  static Instant since(String text, Instant now, ZoneId zone) {
    return LogWindow.since("--since", text, now, zone);
  }
}
