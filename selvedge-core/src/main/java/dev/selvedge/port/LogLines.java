package dev.selvedge.port;

import java.util.List;

/**
 * Bounded log output. {@code truncated} is true when the timeout cut the read short.
 *
 * @param lines log lines, stdout and stderr interleaved in engine order, each with its stream
 */
public record LogLines(List<Line> lines, boolean truncated) {
  public LogLines {
    lines = List.copyOf(lines);
  }

  /** One line of output; {@code stream} is stdout or stderr. */
  public record Line(String stream, String text) {}
}
