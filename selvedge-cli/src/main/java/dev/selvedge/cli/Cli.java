package dev.selvedge.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a command may touch of the outside world: its streams, the process environment and the
 * working directory. Tests pass their own. {@code in} is read only for {@code -f -}.
 */
record Cli(
    PrintWriter out,
    PrintWriter err,
    Map<String, String> environment,
    Path workingDir,
    InputStream in) {

  /** With nothing on standard input. */
  Cli(PrintWriter out, PrintWriter err, Map<String, String> environment, Path workingDir) {
    this(out, err, environment, workingDir, InputStream.nullInputStream());
  }

  void warn(List<String> warnings) {
    for (String w : warnings) {
      err.println("warning: " + w);
    }
    err.flush();
  }

  /** Never the environment: it holds the process's secrets. */
  @Override
  public String toString() {
    return "Cli[" + workingDir + "]";
  }
}
