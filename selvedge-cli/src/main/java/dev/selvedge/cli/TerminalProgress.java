package dev.selvedge.cli;

import dev.selvedge.operations.Progress;
import dev.selvedge.operations.event.EventSink;
import dev.selvedge.operations.event.OperationEvent;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The operations' events on standard error: on a terminal, pulls redraw one live line; otherwise
 * (CI logs, pipes) every step and every change of a layer's pull status is one plain line, without
 * byte counts. Started, finished and gate verdicts print nothing of their own: the steps and the
 * result say them.
 */
final class TerminalProgress implements EventSink, Progress {
  private final PrintWriter err;
  private final boolean terminal;
  // Steps quote image references and engine messages, which can carry a substituted secret.
  private final UnaryOperator<String> scrub;
  private final Map<String, String> layerStatus = new HashMap<>();
  private boolean liveLine;

  TerminalProgress(PrintWriter err, boolean terminal, UnaryOperator<String> scrub) {
    this.err = err;
    this.terminal = terminal;
    this.scrub = scrub;
  }

  /** Whether standard error is a terminal, without printing anything. */
  static boolean isTerminal(Cli cli) {
    if (cli.environment().containsKey("CI") || "dumb".equals(cli.environment().get("TERM"))) {
      return false;
    }
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      // Java 22+: a console object exists even when redirected; isTerminal() tells.
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  @Override
  public void emit(OperationEvent event) {
    switch (event) {
      case OperationEvent.Step e -> step(e.service(), e.message());
      case OperationEvent.Pull e ->
          progress(e.reference(), e.layer(), e.status(), e.current(), e.total());
      case OperationEvent.Started e -> {}
      case OperationEvent.GateVerdict e -> {}
      case OperationEvent.Finished e -> {}
    }
  }

  @Override
  public synchronized void step(String service, String message) {
    endLiveLine();
    String text = scrub.apply(message);
    err.println(service == null ? text : "[" + service + "] " + text);
    err.flush();
  }

  @Override
  public synchronized void progress(
      String ref, String layer, String status, long current, long total) {
    String reference = scrub.apply(ref);
    if (terminal) {
      String bytes =
          current >= 0 && total > 0
              ? String.format(Locale.ROOT, " %s/%s", mb(current), mb(total))
              : "";
      String line = "  " + reference + (layer == null ? "" : " " + layer) + ": " + status + bytes;
      err.print("\r\033[2K" + (line.length() > 100 ? line.substring(0, 100) : line));
      err.flush();
      liveLine = true;
      return;
    }
    String key = reference + " " + layer;
    if (status.equals(layerStatus.put(key, status))) {
      return;
    }
    err.println("  " + reference + (layer == null ? "" : " " + layer) + ": " + status);
    err.flush();
  }

  private void endLiveLine() {
    if (liveLine) {
      err.print("\r\033[2K");
      liveLine = false;
    }
  }

  private static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.1fMB", bytes / 1e6);
  }
}
